"""Reading an uploaded file: the header match, the data rows as text.

The file is untrusted: it is checked before it is parsed (core.xlsx.check_file), read without
evaluating formulas (a formula is only noted, for the row parser to refuse), and bounded in
columns and rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from openpyxl.worksheet.worksheet import Worksheet

from core.errors import ImportFileRejected
from core.xlsx import (
    MAX_DATA_ROWS,
    cell_text,
    check_row_limit,
    data_sheet,
    header_titles,
    read_workbook,
)
from units.imports.columns import COLUMNS, DATA_SHEET


@dataclass(frozen=True)
class _Row:
    number: int
    cells: dict[str, str]
    formulas: frozenset[str]


def _read_rows(uploaded_file: UploadedFile) -> list[_Row]:
    def read(workbook) -> list[_Row]:
        sheet = data_sheet(workbook, DATA_SHEET)
        return _data_rows(sheet, _match_header(header_titles(sheet)))

    return read_workbook(uploaded_file, read)


def _match_header(titles: list[str]) -> list[str]:
    while titles and not titles[-1]:
        titles.pop()
    known = {column.zh: column.key for column in COLUMNS}
    problems = []
    missing = [column.zh for column in COLUMNS if column.zh not in titles]
    if missing:
        problems.append(_("missing columns: %(names)s") % {"names": "、".join(missing)})
    unknown = [title or _("(blank)") for title in titles if title not in known]
    if unknown:
        problems.append(_("unknown columns: %(names)s") % {"names": "、".join(unknown)})
    repeated = sorted({title for title in titles if title and titles.count(title) > 1})
    if repeated:
        problems.append(_("repeated columns: %(names)s") % {"names": "、".join(repeated)})
    if problems:
        raise ImportFileRejected(
            _("The header row does not match the template (%(problems)s). Download the template "
              "and copy your data into it.") % {"problems": "; ".join(problems)}
        )  # fmt: skip
    return [known[title] for title in titles]


def _data_rows(sheet: Worksheet, keys: list[str]) -> list[_Row]:
    rows: list[_Row] = []
    for number, line in enumerate(sheet.iter_rows(min_row=2, max_col=len(keys)), start=2):
        cells = {key: cell_text(cell.value) for key, cell in zip(keys, line, strict=False)}
        if not any(cells.values()):
            continue
        check_row_limit(rows, MAX_DATA_ROWS)
        formulas = frozenset(
            key for key, cell in zip(keys, line, strict=False) if cell.data_type == "f"
        )
        rows.append(_Row(number=number, cells=cells, formulas=formulas))
    return rows
