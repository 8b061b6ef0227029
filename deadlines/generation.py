"""Turning rules into obligations, in a fixed number of queries whatever the number of units."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from deadlines.calendar import ensure_rules
from deadlines.models import DeadlineRule, Obligation, PeriodKind
from units.models import Enterprise, EnterpriseStatus, Province


@dataclass(frozen=True)
class Covered:
    """What the calendar needs to know about an enterprise."""

    id: int
    province_id: int
    sector: str
    in_market: bool


def covered_enterprises(*, enterprise_ids: Iterable[int] | None = None) -> list[Covered]:
    """Active enterprises; closed and merged units get no new obligations.

    Being in the market follows the industry for now; the published list decides it once the
    list issue lands.
    """
    enterprises = Enterprise.objects.filter(status=EnterpriseStatus.ACTIVE)
    if enterprise_ids is not None:
        enterprises = enterprises.filter(pk__in=list(enterprise_ids))
    rows = enterprises.values_list(
        "pk", "province_id", "industry__sector", "industry__is_market_sector"
    )
    return [Covered(*row) for row in rows.iterator(chunk_size=5000)]


def exists_from(rule: DeadlineRule, period_start: date) -> date:
    """The day an obligation appears: a month's on the month's first day, a yearly one on the
    first day of its notice year (so the whole year shows in calendars)."""
    if rule.period_kind == PeriodKind.MONTH:
        return period_start
    return date(rule.year, 1, 1)


def planned(
    rules: Iterable[DeadlineRule],
    enterprises: list[Covered],
    province_ids: list[int],
    *,
    today: date,
) -> Iterator[Obligation]:
    for rule in rules:
        for period_start, period_end in rule.periods():
            if exists_from(rule, period_start) > today:
                continue
            due = rule.due_on(period_end)
            common = {
                "rule": rule,
                "kind": rule.kind,
                "period_start": period_start,
                "period_end": period_end,
                "original_due_on": due,
                "due_on": due,
            }
            if not rule.per_enterprise:
                for province_id in province_ids:
                    yield Obligation(province_id=province_id, enterprise=None, **common)
                continue
            for unit in enterprises:
                if rule.applies_to(sector=unit.sector, in_market=unit.in_market):
                    yield Obligation(province_id=unit.province_id, enterprise_id=unit.id, **common)


def _key(obligation: Obligation) -> tuple:
    return (
        obligation.rule_id,
        obligation.enterprise_id,
        obligation.province_id,
        obligation.period_start,
    )


def generate_obligations(
    *,
    today: date,
    enterprise_ids: Iterable[int] | None = None,
    province_ids: Iterable[int] | None = None,
) -> int:
    """Create the obligations that exist by `today` and are missing; returns how many.

    Covers last year's and this year's rules, so a sweep that did not run for a while, or was
    killed halfway, catches up. The unique constraints make concurrent runs harmless. Passing ids
    limits the work to those enterprises / provinces (an empty list: none of them).
    """
    rules = [rule for year in (today.year - 1, today.year) for rule in ensure_rules(year=year)]
    if not rules:
        return 0
    enterprises = covered_enterprises(enterprise_ids=enterprise_ids)
    if province_ids is None:
        province_ids = Province.objects.values_list("pk", flat=True)
    province_ids = list(province_ids)
    existing_rows = Obligation.objects.filter(rule__in=rules)
    if enterprise_ids is not None:
        # Only the named units' and provinces' rows, not the whole calendar.
        existing_rows = existing_rows.filter(
            Q(enterprise__in=[unit.id for unit in enterprises])
            | Q(enterprise__isnull=True, province__in=province_ids)
        )
    existing = set(
        existing_rows.values_list("rule_id", "enterprise_id", "province_id", "period_start")
    )
    missing = [
        obligation
        for obligation in planned(rules, enterprises, province_ids, today=today)
        if _key(obligation) not in existing
    ]
    # No batch size: one INSERT on PostgreSQL, so the query count does not grow with the units.
    Obligation.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)
