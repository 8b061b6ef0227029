"""The downloadable import template: the data sheet, the instructions and the industry codes."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from core.xlsx import MAX_DATA_ROWS, workbook_bytes
from units.imports.columns import (
    CODES_SHEET,
    COLUMN_BY_KEY,
    COLUMNS,
    DATA_SHEET,
    INSTRUCTIONS_SHEET,
    SECTOR_LABELS_ZH,
    STATUS_LABELS_ZH,
)
from units.models import Industry


def build_template() -> bytes:
    """The import template: the data sheet, instructions and the valid industry codes."""
    industries = list(Industry.objects.order_by("code", "sector"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    _write_header(sheet)
    _add_validations(sheet, industry_count=len(industries))
    _write_instructions(workbook.create_sheet(INSTRUCTIONS_SHEET))
    _write_industry_codes(workbook.create_sheet(CODES_SHEET), industries)
    return workbook_bytes(workbook)


def _write_header(sheet: Worksheet) -> None:
    required_fill = PatternFill("solid", fgColor="FDE9D9")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=f"{column.zh}\n{column.en}")
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.comment = Comment(
            f"{column.help_zh}\n{column.help_en}", "template", height=120, width=260
        )
        if column.required:
            cell.fill = required_fill
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        # Text format keeps long codes and phone numbers from turning into rounded numbers.
        sheet.column_dimensions[letter].number_format = "@"
    sheet.row_dimensions[1].height = 34
    sheet.freeze_panes = "A2"


def _list_validation(sheet: Worksheet, key: str, formula: str, message: str) -> None:
    letter = get_column_letter(list(COLUMN_BY_KEY).index(key) + 1)
    validation = DataValidation(type="list", formula1=formula, allow_blank=True)
    validation.error, validation.errorTitle = message, COLUMN_BY_KEY[key].zh
    validation.showErrorMessage = True
    sheet.add_data_validation(validation)
    validation.add(f"{letter}2:{letter}{MAX_DATA_ROWS + 1}")


def _add_validations(sheet: Worksheet, *, industry_count: int) -> None:
    quoted = '"{}"'.format
    _list_validation(sheet, "status", quoted(",".join(STATUS_LABELS_ZH.values())),
                     "请选择：在运、关停或合并 / Choose 在运, 关停 or 合并.")  # fmt: skip
    _list_validation(sheet, "sector", quoted(",".join(SECTOR_LABELS_ZH.values())),
                     "请从列表中选择行业类别 / Choose a sector from the list.")  # fmt: skip
    _list_validation(sheet, "is_in_pilot_market", quoted("是,否"),
                     "请选择：是或否 / Choose 是 or 否.")  # fmt: skip
    codes = f"'{CODES_SHEET}'!$A$2:$A${industry_count + 1}"
    _list_validation(sheet, "industry_code", codes,
                     "请填写“行业代码”表中的代码 / Use a code of the sheet 行业代码.")  # fmt: skip


def _general_notes() -> list[tuple[str, str]]:
    limit = f"{settings.IMPORT_MAX_UPLOAD_BYTES / (1024 * 1024):g} MB"
    return [
        ("请使用本模板填写，每行一个重点排放单位；不要修改表头，也不要增删列。",
         "Fill in this template, one key emission unit per row; do not change the header row or "
         "add or remove columns."),
        (f"只接受由本模板生成的 .xlsx 文件，文件不超过 {limit}，最多 {MAX_DATA_ROWS} 行。",
         f"Only .xlsx files made from this template are accepted: at most {limit} and "
         f"{MAX_DATA_ROWS} rows."),
        ("导入为全有或全无：只要有一行有错，整个文件都不导入；系统会列出全部错误，并可下载错误报告。",
         "The import is all-or-nothing: if any row has an error, nothing is imported; every error "
         "is listed and can be downloaded as a report."),
        ("请填写数值本身，不接受公式。",
         "Enter values, not formulas: cells with formulas are refused."),
        ("统一社会信用代码全国唯一，已登记的单位不能再次导入。",
         "The unified social credit code is unique nationwide: a registered unit cannot be "
         "imported again."),
        ("标红的列为必填列。", "Columns with red headers are required."),
    ]  # fmt: skip


def _write_instructions(sheet: Worksheet) -> None:
    sheet.append(["填写说明", "Instructions"])
    sheet.append([])
    for note_zh, note_en in _general_notes():
        sheet.append([note_zh, note_en])
    sheet.append([])
    sheet.append(["列名", "Column", "必填 Required", "说明", "Description"])
    header_row = sheet.max_row
    for column in COLUMNS:
        required = "是 yes" if column.required else "否 no"
        sheet.append([column.zh, column.en, required, column.help_zh, column.help_en])
    for row in (1, header_row):
        for cell in sheet[row]:
            cell.font = Font(bold=True)
    for letter, width in zip("ABCDE", (50, 60, 14, 60, 70), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _write_industry_codes(sheet: Worksheet, industries: Sequence[Industry]) -> None:
    sheet.append(
        ["行业代码\nCode", "行业类别\nSector", "行业名称", "Name", "全国碳市场交易\nTraded"]
    )
    for industry in industries:
        sheet.append([
            industry.code,
            SECTOR_LABELS_ZH.get(industry.sector, industry.sector),
            industry.name_zh,
            industry.name_en,
            "是 yes" if industry.is_market_sector else "否 no",
        ])  # fmt: skip
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    for letter, width in zip("ABCDE", (12, 12, 36, 40, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
