"""Reading an uploaded file: size and type checks, the header match, the data rows as text.

The file is untrusted: it is checked before it is parsed, read without evaluating formulas (a
formula is only noted, for the row parser to refuse), and bounded in columns and rows.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from units.imports.columns import COLUMNS, DATA_SHEET
from units.imports.errors import ImportFileRejected

# A bound on the work one request does (and on a decompression bomb): larger lists are split.
MAX_DATA_ROWS = 10_000
MAX_HEADER_COLUMNS = 50


@dataclass(frozen=True)
class _Row:
    number: int
    cells: dict[str, str]
    formulas: frozenset[str]


def _check_file(uploaded_file: UploadedFile) -> None:
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if uploaded_file.size > limit:
        raise ImportFileRejected(
            _("The file is %(size)s; files of at most %(limit)s are accepted.")
            % {"size": filesizeformat(uploaded_file.size), "limit": filesizeformat(limit)}
        )
    if uploaded_file.size == 0:
        raise ImportFileRejected(_("The file is empty."))
    if not (uploaded_file.name or "").lower().endswith(".xlsx") or not zipfile.is_zipfile(
        uploaded_file
    ):
        raise _not_xlsx()


def _not_xlsx() -> ImportFileRejected:
    return ImportFileRejected(_("Only .xlsx files made from the template are accepted."))


def _read_rows(uploaded_file: UploadedFile) -> list[_Row]:
    uploaded_file.seek(0)
    try:
        workbook = load_workbook(uploaded_file, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl fails in many ways on foreign zips; all mean "not ours"
        raise _not_xlsx() from exc
    try:
        names = workbook.sheetnames
        sheet = workbook[DATA_SHEET] if DATA_SHEET in names else workbook.worksheets[0]
        # Files saved by other tools often declare wrong dimensions; read what is really there.
        sheet.reset_dimensions()
        header = next(sheet.iter_rows(max_row=1, max_col=MAX_HEADER_COLUMNS), ())
        keys = _match_header([cell.value for cell in header])
        rows = _data_rows(sheet, keys)
    finally:
        workbook.close()
    if not rows:
        raise ImportFileRejected(_("The file has no data rows below the header."))
    return rows


def _header_title(value: Any) -> str:
    """The Chinese label: the header's first line, without a required-marker star."""
    lines = str(value if value is not None else "").strip().splitlines()
    return lines[0].strip().strip("*").strip() if lines else ""


def _match_header(values: list[Any]) -> list[str]:
    titles = [_header_title(value) for value in values]
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
        cells = {key: _cell_text(cell.value) for key, cell in zip(keys, line, strict=False)}
        if not any(cells.values()):
            continue
        if len(rows) == MAX_DATA_ROWS:
            raise ImportFileRejected(
                _("The file has more than %(max)d rows; split it into several files.")
                % {"max": MAX_DATA_ROWS}
            )
        formulas = frozenset(
            key for key, cell in zip(keys, line, strict=False) if cell.data_type == "f"
        )
        rows.append(_Row(number=number, cells=cells, formulas=formulas))
    return rows


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()
