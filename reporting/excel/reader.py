"""Reading an uploaded workbook: the file-level checks, then the data rows as raw cells.

The file is untrusted: core.xlsx checks its size and type before it is parsed; it is read
in streaming mode without evaluating formulas (a formula is only noted, for the row parser to
refuse), bounded in rows and columns, and refused as a whole when its shape is not the
template's: a missing or extra sheet, header rows that differ, merged cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from core.errors import ImportFileRejected
from core.xlsx import (
    MAX_DATA_ROWS,
    MAX_HEADER_COLUMNS,
    check_file,
    check_merged_cells,
    check_row_limit,
    data_sheet,
    header_title,
    read_workbook,
)
from reporting.excel.layout import (
    DATA_SHEET,
    FIRST_DATA_ROW,
    INSTRUCTIONS_SHEET,
    LABEL_ZH,
    ItemColumn,
)
from reporting.models import DataItemSchema
from units.imports.columns import SECTOR_LABELS_ZH


@dataclass(frozen=True)
class SheetRow:
    """One non-empty data row: its Excel number, and (value, is_formula) per template column,
    the label column first, then the items in the schema's order."""

    number: int
    cells: tuple[tuple[Any, bool], ...]


def read_rows(
    uploaded_file: UploadedFile, schema: DataItemSchema, columns: list[ItemColumn]
) -> list[SheetRow]:
    """The data rows of an uploaded template, or ImportFileRejected saying what is wrong."""
    check_file(uploaded_file)

    def read_sheet(workbook) -> list[SheetRow]:
        _check_sheets(workbook.sheetnames)
        sheet = data_sheet(workbook, DATA_SHEET)
        positions = _match_header(sheet, columns, schema, workbook.properties.subject or "")
        rows = _data_rows(sheet, positions)
        check_merged_cells(sheet)
        return rows

    return read_workbook(uploaded_file, read_sheet)


def _check_sheets(names: list[str]) -> None:
    if DATA_SHEET not in names:
        raise ImportFileRejected(
            _("The workbook has no sheet named %(sheet)s. Download the template and copy your "
              "data into it.") % {"sheet": DATA_SHEET}
        )  # fmt: skip
    extra = [name for name in names if name not in (DATA_SHEET, INSTRUCTIONS_SHEET)]
    if extra:
        raise ImportFileRejected(
            _("The workbook has sheets the template does not have: %(sheets)s. Remove them and "
              "upload again.") % {"sheets": "、".join(extra)}
        )  # fmt: skip


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _match_header(
    sheet, columns: list[ItemColumn], schema: DataItemSchema, made_from: str
) -> list[int]:
    """The file's position (0-based) of each template column, label first; or the mismatches."""
    header = [
        [cell.value for cell in row]
        for row in sheet.iter_rows(min_row=1, max_row=2, max_col=MAX_HEADER_COLUMNS)
    ]
    titles = [header_title(value) for value in header[0]] if header else []
    units = [_text(value) for value in header[1]] if len(header) > 1 else []
    while titles and not titles[-1]:
        titles.pop()
    expected = [LABEL_ZH, *(column.title for column in columns)]
    problems = []
    missing = [title for title in expected if title not in titles]
    if missing:
        problems.append(_("missing columns: %(names)s") % {"names": "、".join(missing)})
    # Columns without a title are tolerated (and not read): only a named extra column is wrong.
    unknown = [title for title in titles if title and title not in expected]
    if unknown:
        problems.append(_("unknown columns: %(names)s") % {"names": "、".join(unknown)})
    repeated = sorted({title for title in titles if title and titles.count(title) > 1})
    if repeated:
        problems.append(_("repeated columns: %(names)s") % {"names": "、".join(repeated)})
    if problems:
        raise ImportFileRejected(_header_message(problems, schema, made_from))
    positions = [titles.index(title) for title in expected]
    wrong_units = [
        _("%(column)s must be in %(unit)s, not %(found)s")
        % {
            "column": column.title,
            "unit": column.item.unit,
            "found": (units[position] if position < len(units) else "") or _("(blank)"),
        }
        for column, position in zip(columns, positions[1:], strict=True)
        if (units[position] if position < len(units) else "") != column.item.unit.strip()
    ]
    if wrong_units:
        raise ImportFileRejected(
            _("The unit row (row 2) does not match the template: %(problems)s. Convert the "
              "figures to the template's units and keep its header rows.")
            % {"problems": "; ".join(wrong_units)}
        )  # fmt: skip
    return positions


def _header_message(problems: list[str], schema: DataItemSchema, made_from: str) -> str:
    message = _(
        "The header row does not match the template (%(problems)s). Download the template and "
        "copy your data into it."
    ) % {"problems": "; ".join(problems)}
    sector = made_from.partition(":")[0]
    if sector and sector != schema.sector:
        message += " " + _(
            "This file is the template of %(file_sector)s; this certification is reported on the "
            "template of %(sector)s."
        ) % {
            "file_sector": SECTOR_LABELS_ZH.get(sector, sector),
            "sector": SECTOR_LABELS_ZH.get(schema.sector, schema.sector),
        }
    return message


def _data_rows(sheet, positions: list[int]) -> list[SheetRow]:
    width = max(positions) + 1
    rows: list[SheetRow] = []
    for number, line in enumerate(
        sheet.iter_rows(min_row=FIRST_DATA_ROW, max_col=width), start=FIRST_DATA_ROW
    ):
        cells = tuple(
            (line[position].value, line[position].data_type == "f")
            if position < len(line)
            else (None, False)
            for position in positions
        )
        if all(value is None or _text(value) == "" for value, _formula in cells):
            continue
        check_row_limit(rows, MAX_DATA_ROWS)
        rows.append(SheetRow(number, cells))
    return rows
