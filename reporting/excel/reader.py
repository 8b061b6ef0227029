"""Reading an uploaded workbook: the file-level checks, then the data rows as raw cells.

The file is untrusted: units.imports checks its size and type before it is parsed; it is read
in streaming mode without evaluating formulas (a formula is only noted, for the row parser to
refuse), bounded in rows and columns, and refused as a whole when its shape is not the
template's: a missing or extra sheet, header rows that differ, merged cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.xml.functions import iterparse

from reporting.excel.layout import (
    DATA_SHEET,
    FIRST_DATA_ROW,
    INSTRUCTIONS_SHEET,
    LABEL_ZH,
    ItemColumn,
)
from reporting.models import DataItemSchema
from units.imports.columns import SECTOR_LABELS_ZH
from units.imports.errors import ImportFileRejected
from units.imports.reader import (
    MAX_DATA_ROWS,
    MAX_HEADER_COLUMNS,
    _check_file,
    _header_title,
    _not_xlsx,
)

MERGE_CELL_TAG = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}mergeCell"
MERGES_NAMED = 5


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
    _check_file(uploaded_file)
    uploaded_file.seek(0)
    try:
        workbook = load_workbook(uploaded_file, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl fails in many ways on foreign zips; all mean "not ours"
        raise _not_xlsx() from exc
    try:
        _check_sheets(workbook.sheetnames)
        sheet = workbook[DATA_SHEET]
        # Files saved by other tools often declare wrong dimensions; read what is really there.
        sheet.reset_dimensions()
        positions = _match_header(sheet, columns, schema, workbook.properties.subject or "")
        rows = _data_rows(sheet, positions)
        _check_merged_cells(sheet)
    except ImportFileRejected:
        raise
    except Exception as exc:  # a damaged sheet: refuse the file, never a server error
        raise ImportFileRejected(
            _("The file could not be read as an Excel workbook; save it again from Excel as .xlsx.")
        ) from exc
    finally:
        workbook.close()
    if not rows:
        raise ImportFileRejected(_("The file has no data rows below the header."))
    return rows


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
    titles = [_header_title(value) for value in header[0]] if header else []
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
        if len(rows) == MAX_DATA_ROWS:
            raise ImportFileRejected(
                _("The file has more than %(max)d rows; split it into several files.")
                % {"max": MAX_DATA_ROWS}
            )
        rows.append(SheetRow(number, cells))
    return rows


def _check_merged_cells(sheet) -> None:
    """Merged cells hide values from every row but the first: refuse them, naming the ranges.

    The streaming reader does not report merges, so the sheet's XML is scanned for them once
    more (openpyxl < 4: `_get_source` is how the streaming sheet itself opens it)."""
    merged = []
    with sheet._get_source() as source:
        for _event, element in iterparse(source):
            if element.tag == MERGE_CELL_TAG:
                merged.append(element.get("ref", ""))
            element.clear()
    if merged:
        shown = "、".join(merged[:MERGES_NAMED]) + ("…" if len(merged) > MERGES_NAMED else "")
        raise ImportFileRejected(
            _("The sheet has merged cells (%(ranges)s). Unmerge them and fill in every cell.")
            % {"ranges": shown}
        )
