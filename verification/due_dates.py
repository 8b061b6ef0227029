"""The verification deadline of each annual report: the calendar's obligation for the unit and
year, else the national rule for the unit's sector, carried to the year when the calendar has
none of its own. An assignment keeps the deadline it was given."""

import copy
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from deadlines.models import DeadlineRule, DueKind, Obligation, ObligationKind
from reporting.models import AnnualReport


def _shifted_due(rule: DeadlineRule, year: int) -> date:
    """The rule's due date for the reports of `year`, also when the rule is an earlier or a
    later year's (the calendar carried forward)."""
    moved = copy.copy(rule)
    moved.year = year - rule.period_year_offset
    period_end = date(year, 12, 31)
    if rule.due_kind == DueKind.DAYS_AFTER_PERIOD:
        return period_end + timedelta(days=rule.offset_days)
    return moved.due_on(period_end)


def _national_due(rules: list[DeadlineRule], enterprise, year: int) -> date | None:
    industry = enterprise.industry
    by_year = defaultdict(list)
    for rule in rules:
        by_year[rule.period_year].append(rule)
    if not by_year:
        return None
    earlier = [period for period in by_year if period <= year]
    chosen = max(earlier) if earlier else min(by_year)
    for rule in by_year[chosen]:
        if rule.applies_to(sector=industry.sector, in_market=industry.is_market_sector):
            return _shifted_due(rule, year)
    return None


def due_dates(reports: Sequence[AnnualReport]) -> dict[int, date | None]:
    """Each report's verification deadline: the calendar's obligation for the unit and year
    (extended if it was), else the national rule for the unit's sector. Two queries.
    Reports need `enterprise__industry`."""
    if not reports:
        return {}
    obligations = {}
    for enterprise_id, period_start, due_on in (
        Obligation.objects.filter(
            kind=ObligationKind.VERIFICATION,
            enterprise__in={report.enterprise_id for report in reports},
            period_start__in={date(report.year, 1, 1) for report in reports},
        )
        .order_by("-due_on")
        .values_list("enterprise_id", "period_start", "due_on")
    ):
        obligations[(enterprise_id, period_start.year)] = due_on  # the earliest wins
    rules = list(
        DeadlineRule.objects.filter(kind=ObligationKind.VERIFICATION, province__isnull=True)
    )
    return {
        report.pk: obligations.get((report.enterprise_id, report.year))
        or _national_due(rules, report.enterprise, report.year)
        for report in reports
    }
