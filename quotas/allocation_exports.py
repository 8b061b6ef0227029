"""The written documents of allocation: the determination's data table to the national registry
(配额核定结果, xlsx and PDF) and the pre-allocation notice to an enterprise (预分配配额告知书,
PDF). Official Chinese texts whatever the reader's language; pure: batch and allocations in,
bytes out (the views read through quotas.allocation_selectors)."""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from core.pdf import render_pdf
from core.xlsx import workbook_bytes
from quotas.models import Allocation, AllocationBatch, BatchStatus
from units.imports.columns import SECTOR_LABELS_ZH

HEADERS = (
    "序号",
    "单位名称",
    "统一社会信用代码",
    "预分配配额量",
    "核定配额量",
    "调整量",
    "应补发/应收回配额量",
)
WIDTHS = (7, 44, 24, 18, 18, 14, 22)
FIRST_DATA_ROW = 4
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What spreadsheet programs take as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TONNES_FORMAT = "#,##0;-#,##0"
SIGN_NOTE = "注：单位为吨二氧化碳当量；应补发/应收回配额量为正数表示应补发，负数表示应收回。"
LABELS = (
    (re.compile(r"^(.*): generation$"), r"\1 发电量部分"),
    (re.compile(r"^(.*): heat$"), r"\1 供热量部分"),
    (re.compile(r"^ratio$"), "预分配比例"),
    (re.compile(r"^basis year's verified emissions$"), "基准年核查排放量"),
    (re.compile(r"^verified emissions$"), "核查排放量"),
)
FORMULA_WORDS = (
    (re.compile(r"\(cooling\)"), "（冷却方式修正系数）"),
    (re.compile(r"\(load factor ([^)]*)\)"), r"（负荷系数修正系数，负荷率 \1）"),
)


def sector_zh(sector: str) -> str:
    return SECTOR_LABELS_ZH.get(sector, sector)


def department(province) -> str:
    """The provincial department that signs: a municipality's or the Corps' is a bureau (局)."""
    name = province.name_zh
    if name.endswith("市") or "兵团" in name:
        return f"{name}生态环境局"
    return f"{name}生态环境厅"


def tonnes(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


# --- the registry table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistryTable:
    title: str
    department: str
    year: int
    sector: str
    rows: list[tuple]
    totals: tuple
    is_draft: bool
    dated: date | None
    prepared_by: str
    approved_by: str

    def filename(self, extension: str) -> str:
        return f"{self.title}.{extension}"


def _counted_pre_allocation(allocation: Allocation) -> Decimal | None:
    """The pre-allocation the true-up subtracted, as the determination stored it."""
    stored = (allocation.determination_inputs or {}).get("pre_allocated")
    return None if stored is None else Decimal(stored)


def registry_table(batch: AllocationBatch, allocations: list[Allocation]) -> RegistryTable:
    rows = [
        (
            number,
            allocation.enterprise.name_zh,
            allocation.enterprise.uscc,
            _counted_pre_allocation(allocation),
            allocation.determined,
            allocation.adjustments,
            allocation.to_issue,
        )
        for number, allocation in enumerate(allocations, start=1)
    ]
    totals = tuple(
        sum((row[column] for row in rows if row[column] is not None), Decimal(0))
        for column in range(3, 7)
    )
    is_draft = batch.status != BatchStatus.APPROVED
    place = f"{batch.province.name_zh}{batch.year}年度{sector_zh(batch.sector)}行业"
    title = f"{place}重点排放单位配额核定结果"
    return RegistryTable(
        title=f"{title}（草稿）" if is_draft else title,
        department=department(batch.province),
        year=batch.year,
        sector=sector_zh(batch.sector),
        rows=rows,
        totals=totals,
        is_draft=is_draft,
        dated=timezone.localdate(batch.approved_at) if batch.approved_at else None,
        prepared_by=_person(batch.prepared_by),
        approved_by=_person(batch.approved_by),
    )


def registry_xlsx(table: RegistryTable) -> bytes:
    """One sheet: title, the department and date, the header row (frozen), the units, the
    totals, the signature and seal lines."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "配额核定结果"
    last = get_column_letter(len(HEADERS))
    dated = f"{table.dated:%Y年%m月%d日}" if table.dated else "    年  月  日"
    for row, text, size in (
        (1, table.title, 14),
        (2, f"填报单位：{table.department}    日期：{dated}", 10),
    ):
        cell = _put(sheet, row, 1, text)
        cell.font = Font(bold=True, size=size)
        cell.alignment = Alignment(horizontal="center")
        sheet.merge_cells(f"A{row}:{last}{row}")
    thin = Side(style="thin", color="888888")
    for column, header in enumerate(HEADERS, start=1):
        cell = _put(sheet, FIRST_DATA_ROW - 1, column, header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF2F6")
        cell.border = Border(bottom=thin)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    row = FIRST_DATA_ROW
    for values in table.rows:
        _write_row(sheet, row, values)
        row += 1
    _write_row(sheet, row, ("合计", "", "", *table.totals))
    for column in range(1, len(HEADERS) + 1):
        sheet.cell(row=row, column=column).font = Font(bold=True)
    for offset, text in enumerate(
        (
            SIGN_NOTE,
            f"经办人：{table.prepared_by}        审核人：{table.approved_by}",
            f"{table.department}（盖章）",
        ),
        start=2,
    ):
        _put(sheet, row + offset, 1, text)
    for column, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    sheet.print_title_rows = f"{FIRST_DATA_ROW - 1}:{FIRST_DATA_ROW - 1}"
    sheet.page_setup.orientation = "landscape"
    return workbook_bytes(workbook)


def _put(sheet, row: int, column: int, value):
    """A cell whose text is never taken as a formula: unit names are data."""
    cell = sheet.cell(row=row, column=column)
    if value not in (None, ""):
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"
            cell.quotePrefix = value.startswith(FORMULA_STARTS)
    return cell


def _write_row(sheet, row: int, values: tuple) -> None:
    for column, value in enumerate(values, start=1):
        if isinstance(value, Decimal):
            cell = sheet.cell(row=row, column=column, value=int(value))
            cell.number_format = TONNES_FORMAT
        else:
            _put(sheet, row, column, value)


def registry_pdf(table: RegistryTable) -> bytes:
    html = render_to_string(
        "quotas/registry_table.html",
        {
            "table": table,
            "headers": HEADERS,
            "note": SIGN_NOTE,
            "rows": _shown_rows(table),
            "totals": [tonnes(total) for total in table.totals],
        },
    )
    return render_pdf(html)


def _shown_rows(table: RegistryTable) -> list[tuple]:
    return [(*row[:3], *(tonnes(value) for value in row[3:])) for row in table.rows]


# --- the pre-allocation notice --------------------------------------------------------------------


def line_zh(line: dict) -> dict:
    """A calculation line in the notice's Chinese: the label and the formula's words."""
    label, formula = line["label"], line["formula"]
    for pattern, replacement in LABELS:
        label = pattern.sub(replacement, label)
    for pattern, replacement in FORMULA_WORDS:
        formula = pattern.sub(replacement, formula)
    return {"label": label, "formula": formula, "tonnes": Decimal(line["tonnes"])}


def notice_pdf(allocation: Allocation) -> bytes:
    """The pre-allocation notice of one enterprise: the calculation line by line, the total,
    and its right to a review (Measures art. 16, the plan's windows in working days)."""
    batch = allocation.pre_allocation_batch
    stored = allocation.pre_allocation_inputs or {}
    context = {
        "allocation": allocation,
        "enterprise": allocation.enterprise,
        "plan": allocation.plan,
        # Plan sources are bilingual ("中文 / English"): the notice cites the Chinese title.
        "source": allocation.plan.source.split(" / ")[0],
        "sector": sector_zh(allocation.plan.sector),
        "department": department(allocation.enterprise.province),
        "basis_year": stored.get("data_year"),
        "lines": [line_zh(line) for line in allocation.pre_allocation_lines],
        "total": tonnes(allocation.pre_allocated),
        "is_draft": batch is None or batch.status != BatchStatus.APPROVED,
        "dated": timezone.localdate(batch.approved_at) if batch and batch.approved_at else None,
    }
    return render_pdf(render_to_string("quotas/notice.html", context))


def notice_filename(allocation: Allocation) -> str:
    return f"{allocation.enterprise.name_zh}{allocation.year}年度预分配配额告知书.pdf"
