"""The province's compliance summary table (清缴完成和处理情况汇总表, domain-facts §3) as xlsx and
PDF in the official layout, one table per compliance year with the seal block, and the import
template of the registry's surrender export. Pure: rows in, bytes out; the views read through
quotas.compliance and quotas.settlement_selectors. The documents are Chinese texts whatever the
reader's language."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from core.pdf import render_pdf
from core.xlsx import MAX_DATA_ROWS, workbook_bytes
from quotas.compliance import SummaryRow, zh_date
from quotas.registry_import import SURRENDER_COLUMNS, SURRENDER_SHEET
from quotas.settlement_selectors import Counts

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
HEADERS = (
    "序号",
    "重点排放单位名称",
    "是否按时完成履约",
    "是否超时完成履约",
    "是否未完成履约",
    "未按时完成履约的是否已作出处罚（是/否）",
    "备注",
)
WIDTHS = (7, 42, 14, 14, 14, 22, 40)
FIRST_DATA_ROW = 4
SEAL = "（省级生态环境主管部门盖章）"
# What spreadsheet programs take as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
INSTRUCTIONS_SHEET = "填写说明"


@dataclass(frozen=True)
class Summary:
    """One year's table of one province."""

    province: str
    year: int
    dated: date
    rows: list[SummaryRow]
    counts: Counts

    @property
    def title(self) -> str:
        return f"{self.province}{self.year}年度碳排放配额清缴完成和处理情况汇总表"

    @property
    def dated_label(self) -> str:
        return zh_date(self.dated)

    @property
    def totals(self) -> str:
        c = self.counts
        return (
            f"合计：重点排放单位{c.total}家，按时完成履约{c.on_time}家，超时完成履约{c.late}家，"
            f"未完成履约{c.not_settled}家，清缴期内尚未完成{c.open}家；已作出处罚{c.penalised}家。"
        )

    def filename(self, extension: str) -> str:
        return f"{self.province}{self.year}年度清缴完成和处理情况汇总表.{extension}"


def _put(sheet: Worksheet, row: int, column: int, value):
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        if value:
            cell.value = value
            # openpyxl stores a string that starts with "=" as a formula: names are data.
            cell.data_type = "s"
            cell.quotePrefix = value.startswith(FORMULA_STARTS)
    else:
        cell.value = value
    return cell


def summary_xlsx(summary: Summary) -> bytes:
    """Title, year, the header row (frozen, repeated on print), the rows, totals, seal block."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{summary.year}年度"
    last = get_column_letter(len(HEADERS))
    title = _put(sheet, 1, 1, summary.title)
    title.font = Font(bold=True, size=14)
    title.alignment = Alignment(horizontal="center")
    sheet.merge_cells(f"A1:{last}1")
    _put(sheet, 2, 1, f"填报单位：{summary.province}生态环境厅{SEAL}")
    sheet.merge_cells(f"A2:{last}2")
    thin = Side(style="thin", color="888888")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for column, header in enumerate(HEADERS, start=1):
        cell = _put(sheet, FIRST_DATA_ROW - 1, column, header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF2F6")
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    row_number = FIRST_DATA_ROW
    for row in summary.rows:
        values = (row.number, row.name, row.on_time, row.late, row.not_settled, row.penalised,
                  row.remark)  # fmt: skip
        for column, value in enumerate(values, start=1):
            cell = _put(sheet, row_number, column, value)
            cell.border = border
            if 3 <= column <= 6:
                cell.alignment = Alignment(horizontal="center")
        row_number += 1
    _put(sheet, row_number + 1, 1, summary.totals)
    sheet.merge_cells(f"A{row_number + 1}:{last}{row_number + 1}")
    _put(sheet, row_number + 3, 5, f"填报日期：{summary.dated_label}")
    _put(sheet, row_number + 4, 5, f"（盖章）{SEAL}")
    for column, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.row_dimensions[FIRST_DATA_ROW - 1].height = 32
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    sheet.print_title_rows = f"{FIRST_DATA_ROW - 1}:{FIRST_DATA_ROW - 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.oddFooter.right.text = SEAL
    sheet.oddFooter.center.text = "第 &P 页 共 &N 页"
    return workbook_bytes(workbook)


def summary_pdf(summary: Summary) -> bytes:
    html = render_to_string("quotas/compliance_summary.html", {"doc": summary, "seal": SEAL})
    return render_pdf(html)


# --- the import template --------------------------------------------------------------------------


def import_template(year: int) -> bytes:
    """The registry export's layout: one surrender per row, with the instructions."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SURRENDER_SHEET
    for index, column in enumerate(SURRENDER_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=f"{column.zh}\n{column.en}")
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.comment = Comment(f"{column.help_zh}\n{column.help_en}", "template", height=110,
                               width=260)  # fmt: skip
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        if column.key in ("uscc", "reference", "name"):
            # Text format keeps long codes from turning into rounded numbers.
            sheet.column_dimensions[letter].number_format = "@"
    kinds = DataValidation(type="list", formula1='"配额,CCER"', allow_blank=True)
    kinds.error, kinds.errorTitle, kinds.showErrorMessage = "请选择：配额或CCER", "类型", True
    sheet.add_data_validation(kinds)
    kind_letter = get_column_letter([c.key for c in SURRENDER_COLUMNS].index("kind") + 1)
    kinds.add(f"{kind_letter}2:{kind_letter}{MAX_DATA_ROWS + 1}")
    sheet.row_dimensions[1].height = 34
    sheet.freeze_panes = "A2"
    _write_instructions(workbook.create_sheet(INSTRUCTIONS_SHEET), year)
    return workbook_bytes(workbook)


def _write_instructions(sheet: Worksheet, year: int) -> None:
    limit = f"{settings.IMPORT_MAX_UPLOAD_BYTES / (1024 * 1024):g} MB"
    notes = [
        ("每行一条清缴记录（注册登记系统导出），不要修改表头。",
         "One surrender per row (the registry's export); keep the header row."),
        (f"配额的年份不得晚于{year}年度；CCER抵销比例不得超过应清缴量的分配方案上限。",
         f"Allowances of vintages after {year} do not count; CCERs are limited to the plan's "
         "share of the obligation."),
        ("清缴总量不得超过应清缴配额量；登记编号不得重复。",
         "Never more than the obligation; registry references must be unique."),
        (f"只接受 .xlsx 文件，文件不超过 {limit}，最多 {MAX_DATA_ROWS} 行；"
         "不接受公式和合并单元格。",
         f"Only .xlsx files of at most {limit} and {MAX_DATA_ROWS} rows; no formulas or merged "
         "cells."),
        ("导入为全有或全无：只要有一行有错，整个文件都不导入，系统会列出全部错误（行号和列名）。",
         "All or nothing: if any row has an error, nothing is imported and every error is listed "
         "by row and column."),
    ]  # fmt: skip
    sheet.append(["填写说明", "Instructions"])
    sheet.append([])
    for zh, en in notes:
        sheet.append([zh, en])
    sheet.append([])
    sheet.append(["列名", "Column", "说明", "Description"])
    for column in SURRENDER_COLUMNS:
        sheet.append([column.zh, column.en, column.help_zh, column.help_en])
    for letter, width in zip("ABCD", (60, 60, 50, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
