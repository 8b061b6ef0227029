"""Every dashboard table as an xlsx sheet, headers in the reader's language (gettext), figures as
numbers. Pure: the measures in, bytes out."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from config.dashboards import measures
from config.dashboards.allowances import SettlementProgress
from config.dashboards.cycle import Tally
from config.dashboards.national import ProvinceRow
from core.xlsx import workbook_bytes
from deadlines.models import ObligationStatus

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What spreadsheet programs take as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TONNES_FORMAT = "#,##0;-#,##0"
PERCENT_FORMAT = "0.0"


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: list[str]
    rows: list[list]


def _name(obj) -> str:
    """The English name for English readers when there is one, else the Chinese."""
    if obj is None:
        return ""
    english = getattr(obj, "name_en", "")
    if english and (get_language() or "").startswith("en"):
        return english
    return obj.name_zh


def state_label(state: str | None) -> str:
    return {
        "on_time": _("Met on time"),
        "late": _("Met late"),
        "missing": _("Missing"),
        "pending": _("Not yet due"),
        None: "",
    }[state]


def _pct(value: Decimal | None) -> float | None:
    """A percentage as a number with one decimal (the page shows the same)."""
    return None if value is None else float(value)


def _tally(tally: Tally) -> list:
    return [
        tally.due,
        tally.on_time,
        tally.late,
        tally.missing,
        tally.pending,
        _pct(tally.on_time_rate),
    ]


def _tally_headers() -> list[str]:
    return [
        _("Due"),
        _("Met on time"),
        _("Met late"),
        _("Missing"),
        _("Not yet due"),
        _("On-time rate (%)"),
    ]


def obligations(data: measures.ProvinceDashboard) -> Sheet:
    return Sheet(
        title=_("Obligations"),
        headers=[_("Obligation"), _("Deadline"), _("Days left"), *_tally_headers()],
        rows=[[str(r.label), r.deadline, r.days_left, *_tally(r)] for r in data.obligations],
    )


def comparison(data: measures.ProvinceDashboard) -> Sheet:
    this, last = _("this cycle"), _("same date last year")
    return Sheet(
        title=_("Last year"),
        headers=[
            _("Obligation"),
            *(f"{header} ({this})" for header in _tally_headers()),
            *(f"{header} ({last})" for header in _tally_headers()),
        ],
        rows=[[str(r.label), *_tally(r.now), *_tally(r.then)] for r in data.comparison],
    )


def monthly(data: measures.ProvinceDashboard) -> Sheet:
    return Sheet(
        title=_("Monthly certifications"),
        headers=[_("Month"), _("Due date"), *_tally_headers()],
        rows=[
            [date_format(r.month, "YEAR_MONTH_FORMAT"), r.due_on, *_tally(r)] for r in data.monthly
        ],
    )


def late(data: measures.ProvinceDashboard) -> Sheet:
    heatmap: measures.HeatMap = data.late
    return Sheet(
        title=_("Late certifications"),
        headers=[
            _("Key emission unit"),
            *(date_format(month, "YEAR_MONTH_FORMAT") for month in heatmap.months),
            _("Met late"),
            _("Missing"),
        ],
        rows=[
            [
                _name(row),
                *(state_label(cell) for cell in row.cells),
                row.late,
                row.missing,
            ]
            for row in heatmap.rows
        ],
    )


def verification(data: measures.ProvinceDashboard) -> Sheet:
    return Sheet(
        title=_("Verification"),
        headers=[
            _("Sector"),
            _("Deadline"),
            _("Days left"),
            _("Units due"),
            _("Assigned"),
            _("Conclusion awaiting confirmation"),
            _("Confirmed"),
            _("Confirmed (%)"),
            _("Met on time"),
            _("Met late"),
            _("Missing"),
        ],
        rows=[
            [
                str(r.label),
                r.deadline,
                r.days_left,
                r.due,
                r.assigned,
                r.concluded,
                r.confirmed,
                _pct(r.confirmed_rate),
                r.on_time,
                r.late,
                r.missing,
            ]
            for r in data.verification
        ],
    )


def allocation(data: measures.ProvinceDashboard) -> Sheet:
    return Sheet(
        title=_("Allocation"),
        headers=[
            _("Step"),
            _("Compliance year"),
            _("Deadline"),
            _("Units due"),
            _("Approved (units)"),
            _("Approved (t)"),
            _("Approved (%)"),
            _("Awaiting approval (units)"),
            _("Awaiting approval (t)"),
        ],
        rows=[
            [
                str(r.label),
                r.year,
                r.deadline,
                r.due,
                r.approved,
                r.approved_t,
                _pct(r.approved_rate),
                r.drafted,
                r.drafted_t,
            ]
            for r in data.allocation
        ],
    )


def settlement(data: measures.ProvinceDashboard) -> Sheet:
    s: SettlementProgress = data.settlement
    return Sheet(
        title=_("Settlement"),
        headers=[
            _("Compliance year"),
            _("Units to settle"),
            _("Settled on time"),
            _("Settled late"),
            _("Not settled"),
            _("Not yet settled"),
            _("Settled (%)"),
            _("To surrender (t)"),
            _("Allowances surrendered (t)"),
            _("CCER surrendered (t)"),
        ],
        rows=[
            [
                s.year,
                s.due,
                s.on_time,
                s.late,
                s.not_settled,
                s.open,
                _pct(s.settled_rate),
                s.to_surrender_t,
                s.allowances_t,
                s.ccer_t,
            ]
        ],
    )


def overdue(data: measures.ProvinceDashboard) -> Sheet:
    today: date = data.today
    return Sheet(
        title=_("Overdue"),
        headers=[
            _("Obligation"),
            _("Period"),
            _("Key emission unit"),
            _("Unified social credit code"),
            _("City"),
            _("Due date"),
            _("Days overdue"),
            _("Status"),
        ],
        rows=[
            [
                o.get_kind_display(),
                o.period_label,
                _name(o.enterprise) if o.enterprise else _name(o.province),
                o.enterprise.uscc if o.enterprise else "",
                _name(o.enterprise.city) if o.enterprise and o.enterprise.city else "",
                o.due_on,
                (today - o.due_on).days,
                str(ObligationStatus(o.status).label),
            ]
            for o in data.overdue.rows
        ],
    )


def national(rows: list[ProvinceRow]) -> Sheet:
    headers = [
        _("Code"),
        _("Province"),
        _("Active units"),
        *_tally_headers(),
        _("Monthly certifications on time (%)"),
        _("Verifications due"),
        _("Verifications confirmed"),
        _("Pre-allocated (t)"),
        _("Determined (t)"),
        _("Issued (t)"),
        _("Settlements"),
        _("Settled"),
        _("Surrendered (t)"),
        _("On-time rate, same date last year (%)"),
        _("Missing, same date last year"),
    ]
    return Sheet(
        title=_("Provinces"),
        headers=headers,
        rows=[
            [
                r.province.code,
                _name(r.province),
                r.enterprises,
                *_tally(r.obligations),
                _pct(r.monthly.on_time_rate),
                r.verification.due,
                r.verification_confirmed,
                r.pre_allocated_t,
                r.determined_t,
                r.issued_t,
                r.settlement_due,
                r.settled,
                r.surrendered_t,
                _pct(r.last_year_on_time_rate),
                r.last_year_missing,
            ]
            for r in rows
        ],
    )


PROVINCE_TABLES: dict[str, Callable[[measures.ProvinceDashboard], Sheet]] = {
    "obligations": obligations,
    "comparison": comparison,
    "monthly": monthly,
    "late": late,
    "verification": verification,
    "allocation": allocation,
    "settlement": settlement,
    "overdue": overdue,
}


def workbook(sheet: Sheet, *, heading: str) -> bytes:
    """One sheet: a heading line (what, where, as of when), the header row (frozen), the rows."""
    book = Workbook()
    ws = book.active
    ws.title = _sheet_title(sheet.title)
    _put(ws, 1, 1, heading).font = Font(bold=True, size=12)
    for column, header in enumerate(sheet.headers, start=1):
        cell = _put(ws, 3, column, header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF2F6")
        ws.column_dimensions[get_column_letter(column)].width = max(12, min(40, len(header) + 4))
    for number, values in enumerate(sheet.rows, start=4):
        for column, value in enumerate(values, start=1):
            _put(ws, number, column, value)
    ws.freeze_panes = "A4"
    return workbook_bytes(book)


def _sheet_title(title: str) -> str:
    for character in "[]:*?/\\":
        title = title.replace(character, " ")
    return title[:31]


def _put(ws, row: int, column: int, value):
    """A cell: tonnes and percentages as numbers, text never taken as a formula."""
    cell = ws.cell(row=row, column=column)
    if value is None or value == "":
        return cell
    if isinstance(value, Decimal):
        cell.value = int(value)
        cell.number_format = TONNES_FORMAT
    elif isinstance(value, float):
        cell.value = value
        cell.number_format = PERCENT_FORMAT
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, str):
        cell.value = value
        cell.data_type = "s"
        cell.quotePrefix = value.startswith(FORMULA_STARTS)
    else:
        cell.value = value
    return cell
