"""The downloadable template of a sector's schema: the data sheet and the instructions."""

from __future__ import annotations

import calendar
from datetime import date

from django.conf import settings
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from core.xlsx import MAX_DATA_ROWS, workbook_bytes
from reporting.excel.layout import (
    DATA_SHEET,
    FIRST_DATA_ROW,
    HEADER_ROWS,
    INSTRUCTIONS_SHEET,
    LABEL_EN,
    LABEL_UNIT,
    LABEL_ZH,
    RULE_TEXT,
    ItemColumn,
    item_columns,
    rule_for,
)
from reporting.models import DataItemSchema, MonthlyCertification
from units.imports.columns import SECTOR_LABELS_ZH

REQUIRED_FILL = PatternFill("solid", fgColor="FDE9D9")
HEADER_FILL = PatternFill("solid", fgColor="EEF2F6")


def build_template(
    schema: DataItemSchema, *, certification: MonthlyCertification | None = None
) -> bytes:
    """The template of a schema; for a certification, its month's days are filled in the first
    column (replace them with facility names to report by facility)."""
    columns = item_columns(list(schema.items.all()))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    _write_header(sheet, columns)
    _add_validation(sheet, columns)
    if certification is not None:
        _write_days(sheet, certification.year, certification.month)
    _write_instructions(workbook.create_sheet(INSTRUCTIONS_SHEET), schema, columns, certification)
    # Which schema the file was made from, to name it when a file of another sector is uploaded.
    workbook.properties.subject = f"{schema.sector}:{schema.year}"
    workbook.properties.title = f"{SECTOR_LABELS_ZH.get(schema.sector, schema.sector)}月度数据"
    return workbook_bytes(workbook)


def _plain(value) -> str:
    return "" if value is None else format(value.normalize(), "f")


def plausible_range(item) -> str:
    low, high = _plain(item.min_value), _plain(item.max_value)
    low = "" if low == "0" else low  # every figure is at least 0 anyway
    if low and high:
        return f"{low} – {high}"
    if high:
        return f"≤ {high}"
    return f"≥ {low}" if low else ""


def _header_cell(sheet: Worksheet, row: int, column: int, value: str, **style) -> None:
    cell = sheet.cell(row=row, column=column, value=value)
    cell.font = Font(bold=row == 1, italic=row == HEADER_ROWS, color=style.get("color", "000000"))
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    cell.fill = style.get("fill", HEADER_FILL)


def _write_header(sheet: Worksheet, columns: list[ItemColumn]) -> None:
    for row, text in enumerate((LABEL_ZH, LABEL_UNIT, LABEL_EN), start=1):
        _header_cell(sheet, row, 1, text)
    sheet.cell(row=1, column=1).comment = Comment(
        "每行一天（填日期，如 2026-03-01）或一个设施（填名称，如“1号机组”）。\n"
        "Each row is one day (its date, e.g. 2026-03-01) or one facility (its name).",
        "template", height=110, width=260,
    )  # fmt: skip
    sheet.column_dimensions["A"].width = 16
    for column in columns:
        item = column.item
        style = {"color": "C00000", "fill": REQUIRED_FILL} if item.is_required else {}
        for row, text in enumerate((column.title, item.unit, item.name_en), start=1):
            _header_cell(sheet, row, column.index, text, **style)
        rule_zh, rule_en = RULE_TEXT[rule_for(item)]
        notes = [
            f"{item.name_zh} / {item.name_en}",
            f"单位 Unit: {item.unit}",
            "必填 Required" if item.is_required else "选填 Optional",
        ]
        if plausible_range(item):
            notes.append(f"合理范围 Plausible range: {plausible_range(item)}")
        notes.append(f"月度合并 Month: {rule_zh} / {rule_en}")
        sheet.cell(row=1, column=column.index).comment = Comment(
            "\n".join(notes), "template", height=140, width=280
        )
        sheet.column_dimensions[get_column_letter(column.index)].width = 16
    sheet.row_dimensions[1].height = 34
    sheet.freeze_panes = sheet.cell(row=FIRST_DATA_ROW, column=2).coordinate


def _add_validation(sheet: Worksheet, columns: list[ItemColumn]) -> None:
    if not columns:
        return
    validation = DataValidation(
        type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True
    )
    validation.errorTitle = "数值 Number"
    validation.error = (
        "请填写大于或等于 0 的数值，不含单位。 / Enter a number of 0 or more, without units."
    )
    validation.showErrorMessage = True
    sheet.add_data_validation(validation)
    last = get_column_letter(columns[-1].index)
    validation.add(f"B{FIRST_DATA_ROW}:{last}{MAX_DATA_ROWS + HEADER_ROWS}")


def _write_days(sheet: Worksheet, year: int, month: int) -> None:
    for day in range(1, calendar.monthrange(year, month)[1] + 1):
        cell = sheet.cell(row=HEADER_ROWS + day, column=1, value=date(year, month, day))
        cell.number_format = "yyyy-mm-dd"


def _general_notes() -> list[tuple[str, str]]:
    limit = f"{settings.IMPORT_MAX_UPLOAD_BYTES / (1024 * 1024):g} MB"
    return [
        ("每行填写一天或一个设施：第一列“日期/设施”填日期（如 2026-03-01）"
         "或设施名称（如“1号机组”）。一个文件只填一种；同一天或同一设施只填一行。",
         "Each row is one day or one facility: the first column (日期/设施) holds the date (e.g. "
         "2026-03-01) or the facility's name (e.g. 1号机组). A file holds one kind, and each day "
         "or facility once."),
        ("按日填报时，只计入所申报月份的日期；其他月份的行会被跳过，但仍会检查。",
         "In a file of days, only the days of the certified month count; rows of other months are "
         "skipped, but still checked."),
        ("各行按下表“月度合并”一列合并为月度数值：数量相加；"
         "低位发热量、单位热值含碳量、碳氧化率、排放因子按同组消耗量（或活动数据）加权平均，"
         "即 Σ(消耗量×参数)/Σ消耗量，未填该参数的行不计入，同组没有消耗量时取算术平均；"
         "运行小时数按日填报时相加、按设施填报时取最大值（一个月最多 744 小时）；"
         "负荷系数等百分比取算术平均。",
         "The rows are combined into the month as the column “Month” below says: quantities are "
         "summed; net calorific value, carbon content, oxidation rate and emission factors are "
         "averaged weighted by their group's consumption (or activity data), "
         "Σ(consumption × parameter) / Σ consumption, leaving out rows without the parameter (the "
         "plain mean when the group has no consumption); operating hours are summed over days and "
         "the largest over facilities (a month has at most 744 hours); percentages such as the "
         "load factor are the plain mean."),
        ("上传的结果替换草稿中的全部数值，并按与网页表单完全相同的规则校验、计算排放量。",
         "An upload replaces all the draft's values, which are then validated and their emissions "
         "computed exactly as when typed into the web form."),
        ("上传为全有或全无：只要有一个单元格有错，就什么也不保存；系统按行号和列名列出全部错误。",
         "An upload is all-or-nothing: if any cell has an error, nothing is saved; every error is "
         "listed by row and column."),
        ("请填写数值本身（大于或等于 0，不含单位），不接受公式；不要合并单元格，不要增加工作表，"
         "不要修改前三行表头（名称、单位、英文名称）。",
         "Enter values themselves (0 or more, without units), not formulas; do not merge cells, "
         "add sheets, or change the three header rows (name, unit, English name)."),
        (f"只接受由本模板生成的 .xlsx 文件，文件不超过 {limit}，最多 {MAX_DATA_ROWS} 行。",
         f"Only .xlsx files made from this template are accepted: at most {limit} and "
         f"{MAX_DATA_ROWS} rows."),
        ("标红的列为必填项。", "Columns with red headers are required."),
    ]  # fmt: skip


def _write_instructions(
    sheet: Worksheet,
    schema: DataItemSchema,
    columns: list[ItemColumn],
    certification: MonthlyCertification | None,
) -> None:
    sector_zh = SECTOR_LABELS_ZH.get(schema.sector, schema.sector)
    sheet.append(["填写说明", "Instructions"])
    sheet.append([
        f"行业：{sector_zh}；数据项方案：{schema.year} 年（{schema.formula_version}）",
        f"Sector: {schema.sector}; data item schema: {schema.year} ({schema.formula_version})",
    ])  # fmt: skip
    if certification is not None:
        period = f"{certification.year}-{certification.month:02d}"
        version = certification.version
        sheet.append([
            f"{certification.enterprise.name_zh}，{period} 月度核算数据（第 {version} 版）",
            f"{certification.enterprise.name_en or certification.enterprise.name_zh}, monthly "
            f"data of {period} (version {certification.version})",
        ])  # fmt: skip
    sheet.append([])
    for note_zh, note_en in _general_notes():
        sheet.append([note_zh, note_en])
    sheet.append([])
    sheet.append([
        "列名", "Column", "单位 Unit", "必填 Required", "合理范围 Plausible range",
        "月度合并", "Month",
    ])  # fmt: skip
    header_row = sheet.max_row
    for column in columns:
        item = column.item
        rule_zh, rule_en = RULE_TEXT[rule_for(item)]
        required = "是 yes" if item.is_required else "否 no"
        sheet.append([
            column.title, item.name_en, item.unit, required, plausible_range(item), rule_zh,
            rule_en,
        ])  # fmt: skip
    for row in (1, header_row):
        for cell in sheet[row]:
            cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFG", (60, 70, 14, 14, 22, 30, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
