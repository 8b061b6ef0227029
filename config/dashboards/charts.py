"""Chart.js configurations of the dashboards' charts, built from the measures with every label
through gettext, so a chart reads in the page's language. The page renders each with
json_script next to the table that holds the same figures (the fallback)."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from config.dashboards import measures
from config.dashboards.allowances import SettlementProgress, StepRow
from config.dashboards.national import ProvinceRow

ON_TIME, LATE, MISSING, PENDING = "#067647", "#dc6803", "#b42318", "#98a2b3"
ACCENT, SECOND = "#0b6e4f", "#7cb3a1"


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    config: dict


def _dataset(label: str, data: list, colour: str) -> dict:
    return {"label": label, "data": data, "backgroundColor": colour}


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _stacked(horizontal: bool = False, *, percent: bool = False, title: str = "") -> dict:
    value_axis = {"stacked": True, "beginAtZero": True, "title": {"display": True, "text": title}}
    if percent:
        value_axis |= {"max": 100, "stacked": False}
    axes = {"x": {"stacked": not percent}, "y": value_axis}
    if horizontal:
        axes = {"y": {"stacked": not percent}, "x": value_axis}
    return {
        "responsive": True,
        "maintainAspectRatio": False,
        "indexAxis": "y" if horizontal else "x",
        "scales": axes,
        "plugins": {"legend": {"position": "bottom"}},
    }


def obligations(rows: list[measures.KindRow]) -> Chart:
    labels = [str(row.label) for row in rows]
    return Chart(
        id="chart-obligations",
        title=_("Obligations of the cycle by status"),
        config={
            "type": "bar",
            "data": {
                "labels": labels,
                "datasets": [
                    _dataset(_("Met on time"), [r.on_time for r in rows], ON_TIME),
                    _dataset(_("Met late"), [r.late for r in rows], LATE),
                    _dataset(_("Missing"), [r.missing for r in rows], MISSING),
                    _dataset(_("Not yet due"), [r.pending for r in rows], PENDING),
                ],
            },
            "options": _stacked(horizontal=True, title=_("Obligations")),
        },
    )


def _month_label(month) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT")


def monthly(rows: list[measures.MonthRow], last_year: list[measures.MonthRow]) -> Chart:
    earlier = {row.month.month: row.on_time_rate for row in last_year}
    datasets = [_dataset(_("On-time rate (%)"), [_number(r.on_time_rate) for r in rows], ACCENT)]
    if last_year:
        datasets.append(
            _dataset(
                _("Same date last year (%)"),
                [_number(earlier.get(row.month.month)) for row in rows],
                SECOND,
            )
        )
    return Chart(
        id="chart-monthly",
        title=_("Monthly certification on-time rate by month"),
        config={
            "type": "bar",
            "data": {"labels": [_month_label(row.month) for row in rows], "datasets": datasets},
            "options": _stacked(percent=True, title=_("On time (%)")),
        },
    )


def verification(rows: list[measures.SectorRow]) -> Chart:
    def part(function) -> list[int]:
        return [function(row) for row in rows]

    return Chart(
        id="chart-verification",
        title=_("Verification progress by sector"),
        config={
            "type": "bar",
            "data": {
                "labels": [str(row.label) for row in rows],
                "datasets": [
                    _dataset(_("Confirmed"), part(lambda r: r.confirmed), ON_TIME),
                    _dataset(
                        _("Conclusion awaiting confirmation"),
                        part(lambda r: r.concluded),
                        SECOND,
                    ),
                    _dataset(
                        _("Assigned, in progress"),
                        part(lambda r: r.assigned - r.confirmed - r.concluded),
                        LATE,
                    ),
                    _dataset(
                        _("Not assigned"), part(lambda r: max(r.due - r.assigned, 0)), PENDING
                    ),
                ],
            },
            "options": _stacked(title=_("Units")),
        },
    )


def quotas(steps: list[StepRow], settlement: SettlementProgress | None) -> Chart:
    labels = [str(step.label) for step in steps]
    data = [_number(step.approved_rate) for step in steps]
    if settlement is not None:
        labels.append(_("Quota settlement"))
        data.append(_number(settlement.settled_rate))
    return Chart(
        id="chart-quotas",
        title=_("Allocation and settlement progress (share of units due)"),
        config={
            "type": "bar",
            "data": {
                "labels": labels,
                "datasets": [_dataset(_("Done (%)"), data, ACCENT)],
            },
            "options": _stacked(percent=True, title=_("Units done (%)")),
        },
    )


def national(rows: list[ProvinceRow], localized_name) -> Chart:
    return Chart(
        id="chart-national",
        title=_("On-time rate of the cycle's obligations by province"),
        config={
            "type": "bar",
            "data": {
                "labels": [localized_name(row.province) for row in rows],
                "datasets": [
                    _dataset(
                        _("Met on time (%)"),
                        [_number(row.obligations.on_time_rate) for row in rows],
                        ACCENT,
                    ),
                    _dataset(
                        _("Missing (%)"),
                        [_number(row.obligations.missing_rate) for row in rows],
                        MISSING,
                    ),
                ],
            },
            "options": _stacked(percent=True, title=_("Share of obligations (%)")),
        },
    )
