"""The error report: a rejected file's row errors as an xlsx to download."""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from core.xlsx import workbook_bytes
from units.imports.errors import RowError


def error_report(errors: Iterable[RowError]) -> bytes:
    """The rejected rows as an xlsx a bureau can download, fix from, and keep."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "错误报告"
    sheet.append(["行号\nRow", "列\nColumn", "值\nValue", "原因\nReason"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    for number, error in enumerate(errors, start=2):
        sheet.cell(row=number, column=1, value=error.row)
        for column, text in enumerate((error.column, error.value, error.message), start=2):
            cell = sheet.cell(row=number, column=column, value=text)
            # The values came from an uploaded file: keep them text so none runs as a formula.
            cell.data_type = "s"
    for letter, width in zip("ABCD", (8, 20, 30, 80), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    return workbook_bytes(workbook)
