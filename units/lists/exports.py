"""The published list in the notice's disclosure format (Appendix 2, domain-facts §3): the rows,
the xlsx and the PDF. Pure: entries and dates in, bytes out; the views fetch through the
selectors. The documents are official Chinese texts, so they do not follow the reader's language."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.pdf import render_pdf
from core.xlsx import workbook_bytes
from units.models import Decision, ListEntry, ListScope

HEADERS = (
    "序号",
    "省份",
    "地市",
    "重点排放单位名称",
    "统一社会信用代码",
    "行业（行业代码）",
    "备注",
)
WIDTHS = (7, 16, 14, 46, 24, 30, 26)
# Published lists mark only the changes: a continuing unit's remark stays blank.
REMARKS = {Decision.NEW: "新增", Decision.CONTINUING: "", Decision.REMOVED: "移出"}
HEADINGS = {
    ListScope.MARKET: "全国碳排放权交易市场重点排放单位",
    ListScope.REPORTING_ONLY: "纳入年度温室气体排放报告管理的单位",
}
SHEET_NAMES = {
    ListScope.MARKET: "重点排放单位名录",
    ListScope.REPORTING_ONLY: "年度排放报告管理单位",
}
# What spreadsheet programs take as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FIRST_DATA_ROW = 4
NATIONAL = "全国"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Section:
    scope: str
    heading: str
    rows: list[tuple]


@dataclass(frozen=True)
class Disclosure:
    """One document: a province's list, or the national roll-up (`place` is then NATIONAL)."""

    place: str
    year: int
    date_label: str
    dated: date | None
    sections: list[Section]

    @property
    def title(self) -> str:
        if self.place == NATIONAL:
            return f"{self.year}年度全国碳排放权交易市场重点排放单位名录（全国汇总）"
        return f"{self.place}{self.year}年度全国碳排放权交易市场重点排放单位名录"

    @property
    def place_label(self) -> str:
        return "范围" if self.place == NATIONAL else "省份"

    def filename(self, extension: str) -> str:
        return filename(self.place, self.year, extension)


def filename(place: str, year: int, extension: str) -> str:
    return f"{place}{year}年度重点排放单位名录.{extension}"


def remark(entry: ListEntry) -> str:
    parts = [REMARKS.get(entry.decision, "")]
    if entry.reason_code == "merged":
        # The name frozen at formulation: the document says what was decided then.
        merged_into = (entry.explanation or {}).get("merged_into", "")
        parts.append(f"合并至{merged_into}" if merged_into else "合并")
    return "；".join(part for part in parts if part)


def disclosure_rows(entries: Iterable[ListEntry]) -> list[tuple]:
    """One section's rows in the disclosure columns, numbered from 1."""
    rows = []
    for number, entry in enumerate(entries, start=1):
        shown = entry.as_published()
        rows.append((
            number,
            entry.unit_list.province.name_zh,
            shown.city_zh,
            shown.name,
            shown.uscc,
            f"{shown.industry_zh}（{shown.industry_code}）",
            remark(entry),
        ))  # fmt: skip
    return rows


def sections(entries: Iterable[ListEntry]) -> list[Section]:
    """The market list first, the reporting-only units apart; both always, so every file has
    the same shape."""
    by_scope: dict[str, list[ListEntry]] = {scope: [] for scope in HEADINGS}
    for entry in entries:
        by_scope[entry.scope].append(entry)
    return [
        Section(scope, HEADINGS[scope], disclosure_rows(group)) for scope, group in by_scope.items()
    ]


def disclosure(
    *, place: str, year: int, date_label: str, on: date | None, entries: Iterable[ListEntry]
) -> Disclosure:
    return Disclosure(place, year, date_label, on, sections(entries))


def list_xlsx(*, title: str, sections: Sequence[Section]) -> bytes:
    """A sheet per scope: title, section heading, the Chinese header row (frozen), the rows."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for section in sections:
        _write_sheet(workbook.create_sheet(SHEET_NAMES[section.scope]), title, section)
    return workbook_bytes(workbook)


def _write_sheet(sheet: Worksheet, title: str, section: Section) -> None:
    last = get_column_letter(len(HEADERS))
    for row, text, size in ((1, title, 14), (2, section.heading, 11)):
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
        cell.alignment = Alignment(horizontal="center")
    for row, values in enumerate(section.rows, start=FIRST_DATA_ROW):
        for column, value in enumerate(values, start=1):
            _put(sheet, row, column, value)
    for column, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    sheet.print_title_rows = f"{FIRST_DATA_ROW - 1}:{FIRST_DATA_ROW - 1}"
    sheet.page_setup.orientation = "landscape"


def _put(sheet: Worksheet, row: int, column: int, value):
    cell = sheet.cell(row=row, column=column)
    if not isinstance(value, str):
        cell.value = value
    elif value:
        cell.value = value
        # openpyxl stores a string that starts with "=" as a formula: unit names are data.
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            # Excel's own marker for "typed as text": shown as is, and still text after an edit.
            cell.quotePrefix = True
    return cell


def list_pdf(*, document: Disclosure) -> bytes:
    html = render_to_string("units/lists/disclosure_pdf.html", {"doc": document})
    return render_pdf(html)
