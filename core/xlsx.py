"""Reading an uploaded .xlsx workbook: what every Excel import shares, whatever its columns.

The file is untrusted: it is checked before it is parsed (size, type), read in streaming mode
without evaluating formulas (a formula is only noted, for the row parser to refuse), bounded in
rows and columns, and refused as a whole with ImportFileRejected, never a server error, when
openpyxl cannot read it. The cell helpers read text, numbers and dates alike in every import.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Context, Decimal, InvalidOperation
from typing import Any, TypeVar

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.xml.functions import iterparse

from core.errors import ImportFileRejected

# A bound on the work one request does (and on a decompression bomb): larger lists are split.
MAX_DATA_ROWS = 10_000
MAX_HEADER_COLUMNS = 50
MERGE_CELL_TAG = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}mergeCell"
MERGES_NAMED = 5
# Excel keeps 15 significant digits; a float read back is rounded to them, so 0.1 stays 0.1.
EXCEL_DIGITS = Context(prec=15)
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")

Row = TypeVar("Row")


def check_file(uploaded_file: UploadedFile) -> None:
    """Refuse a file that is too large, empty, or not an .xlsx, before it is parsed."""
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


@contextmanager
def open_workbook(uploaded_file: UploadedFile) -> Iterator[Workbook]:
    """The workbook, read-only and with formulas as written; closed when the block ends."""
    uploaded_file.seek(0)
    try:
        workbook = load_workbook(uploaded_file, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl fails in many ways on foreign zips; all mean "not ours"
        raise _not_xlsx() from exc
    try:
        yield workbook
    finally:
        workbook.close()


def read_workbook(
    uploaded_file: UploadedFile, read_sheet: Callable[[Workbook], list[Row]]
) -> list[Row]:
    """The rows `read_sheet` reads from the workbook; a damaged sheet or no rows refuse the file."""
    with open_workbook(uploaded_file) as workbook:
        try:
            rows = read_sheet(workbook)
        except ImportFileRejected:
            raise
        except Exception as exc:  # a damaged sheet: refuse the file, never a server error
            raise ImportFileRejected(
                _("The file could not be read as an Excel workbook; save it again from Excel as "
                  ".xlsx.")
            ) from exc  # fmt: skip
    require_data_rows(rows)
    return rows


def require_data_rows(rows: list) -> None:
    if not rows:
        raise ImportFileRejected(_("The file has no data rows below the header."))


def data_sheet(workbook: Workbook, name: str):
    """The sheet of that name, else the first sheet."""
    sheet = workbook[name] if name in workbook.sheetnames else workbook.worksheets[0]
    # Files saved by other tools often declare wrong dimensions; read what is really there.
    sheet.reset_dimensions()
    return sheet


def header_titles(sheet) -> list[str]:
    """The title of each column of the header (row 1), as header_title reads it."""
    header = next(sheet.iter_rows(max_row=1, max_col=MAX_HEADER_COLUMNS), ())
    return [header_title(cell.value) for cell in header]


def header_title(value: Any) -> str:
    """The Chinese label: the header's first line, without a required-marker star."""
    lines = str(value if value is not None else "").strip().splitlines()
    return lines[0].strip().strip("*").strip() if lines else ""


def check_row_limit(rows: list, limit: int) -> None:
    """Refuse the file when one more row would pass the limit (`limit` rows are read already)."""
    if len(rows) == limit:
        raise ImportFileRejected(
            _("The file has more than %(max)d rows; split it into several files.") % {"max": limit}
        )


def check_merged_cells(sheet) -> None:
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


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def shown_cell(value: Any) -> str:
    """The cell as the error list shows it (a date without its midnight)."""
    if isinstance(value, datetime) and value.time() == time(0):
        value = value.date()
    return cell_text(value)[:100]


def cell_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        for pattern in DATE_FORMATS:
            try:
                return datetime.strptime(value.strip(), pattern).date()  # noqa: DTZ007 (a day)
            except ValueError:
                continue
    return None


class NotANumber(ValueError):
    pass


def cell_number(value: Any) -> Decimal | None:
    """The cell's number, None when blank; NotANumber with the reason when it is not one."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise NotANumber(_("Enter a number, not TRUE or FALSE."))
    if isinstance(value, datetime | date | time):
        raise NotANumber(_("Enter a number, not a date or time."))
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = EXCEL_DIGITS.create_decimal(repr(value))
    else:
        text = str(value).strip().replace(",", "")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise NotANumber(_("Enter a number, without units or other text.")) from None
    if not number.is_finite():
        raise NotANumber(_("Enter a number, without units or other text."))
    if number < 0:
        raise NotANumber(_("Enter a number of 0 or more."))
    return number.copy_abs() if number == 0 else number


def workbook_bytes(workbook: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file (a download, a template)."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
