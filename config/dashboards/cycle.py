"""What every dashboard measure counts over: the cycle, the filters, and an obligation's status
as it stood on a given day.

The current cycle is the latest national calendar year whose rules exist up to today; "the same
date last year" is the same measure computed as of today minus one year, over that date's cycle,
with each obligation's status as it stood then (met only if `met_at` falls on or before it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet, Subquery
from django.utils import timezone

from accounts import scoping
from deadlines.models import DeadlineRule, Obligation, ObligationKind, ObligationStatus, PeriodKind
from units.models import City, Province, Sector

MET = (ObligationStatus.MET_ON_TIME, ObligationStatus.MET_LATE)
UNMET = (ObligationStatus.OPEN, ObligationStatus.MISSED)
MEASURES = ("due", "on_time", "late", "missing", "pending")


@dataclass(frozen=True)
class Filters:
    city: City | None = None
    sector: str = ""

    @property
    def is_empty(self) -> bool:
        return self.city is None and not self.sector

    @property
    def sector_label(self) -> str:
        return Sector(self.sector).label if self.sector in Sector.values else ""

    def query(self) -> str:
        """The filters as URL parameters (for the downloads of the filtered tables)."""
        params = {"city": self.city.pk if self.city else "", "sector": self.sector}
        return urlencode({name: value for name, value in params.items() if value})


# --- the cycle ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cycle:
    """The national rules of one notice year, read as of one day."""

    year: int
    as_of: date
    yearly_rule_ids: tuple[int, ...]
    monthly_rule_ids: tuple[int, ...]
    period_years: tuple[tuple[str, int], ...]

    def period_year(self, kind: str) -> int:
        """The year the kind's obligations cover (the 2026 notice: 2025 reports and quotas)."""
        return dict(self.period_years).get(kind, self.year - 1)

    @property
    def monthly_year(self) -> int:
        return self.period_year(ObligationKind.MONTHLY_CERTIFICATION)

    @property
    def existing(self) -> Q:
        """The cycle's obligations that existed by `as_of`, as deadlines.generation creates
        them: a yearly one from the notice year's start, a month's from the month's first day."""
        return Q(rule_id__in=self.yearly_rule_ids) | Q(
            rule_id__in=self.monthly_rule_ids, period_start__lte=self.as_of
        )

    def months(self) -> list[date]:
        """The first days of the monthly periods that exist by `as_of`."""
        if not self.monthly_rule_ids:
            return []
        return [
            date(self.monthly_year, month, 1)
            for month in range(1, 13)
            if date(self.monthly_year, month, 1) <= self.as_of
        ]


def cycle_as_of(as_of: date) -> Cycle | None:
    """The cycle of the latest national calendar year up to `as_of`'s year (one query)."""
    latest = (
        DeadlineRule.objects.filter(province__isnull=True, year__lte=as_of.year)
        .order_by("-year")
        .values("year")[:1]
    )
    rules = list(
        DeadlineRule.objects.filter(province__isnull=True, year=Subquery(latest)).values_list(
            "pk", "year", "kind", "period_kind", "period_year_offset"
        )
    )
    if not rules:
        return None
    return Cycle(
        year=rules[0][1],
        as_of=as_of,
        yearly_rule_ids=tuple(pk for pk, _y, _k, period, _o in rules if period == PeriodKind.YEAR),
        monthly_rule_ids=tuple(
            pk for pk, _y, _k, period, _o in rules if period == PeriodKind.MONTH
        ),
        period_years=tuple(sorted({(kind, year + shift) for _pk, year, kind, _p, shift in rules})),
    )


def a_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def current_cycle(today: date) -> Cycle | None:
    return cycle_as_of(today)


def cycle_a_year_before(today: date, current: Cycle | None) -> Cycle | None:
    """Last year's cycle as of the same date; None when the calendar has no earlier year."""
    earlier = cycle_as_of(a_year_before(today))
    if earlier is None or current is None or earlier.year >= current.year:
        return None
    return earlier


# --- counting obligations -------------------------------------------------------------------------


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100 * part) / whole).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Tally:
    """How many obligations are due, and of them met on time, met late, missing (overdue and
    unmet) and pending (unmet, not yet due). Rates are shares of the decided ones (met, or past
    their due date): a month whose deadline is ahead and nothing met has no rate yet, not 0 %."""

    due: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0

    @property
    def met(self) -> int:
        return self.on_time + self.late

    @property
    def decided(self) -> int:
        return self.on_time + self.late + self.missing

    @property
    def on_time_rate(self) -> Decimal | None:
        return percent(self.on_time, self.decided)

    @property
    def late_rate(self) -> Decimal | None:
        return percent(self.late, self.decided)

    @property
    def missing_rate(self) -> Decimal | None:
        return percent(self.missing, self.decided)

    def __add__(self, other: Tally) -> Tally:
        return Tally(**{name: getattr(self, name) + getattr(other, name) for name in MEASURES})

    @classmethod
    def of(cls, row: dict) -> Tally:
        return cls(**{name: row.get(name) or 0 for name in MEASURES})


def end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def tally_aggregates(as_of: date) -> dict[str, Count]:
    """Conditional counts of the statuses as they stood at the end of `as_of`."""
    end = end_of(as_of)
    met_then = Q(met_at__isnull=True) | Q(met_at__lt=end)
    unmet = Q(status__in=UNMET) | Q(status__in=MET, met_at__gte=end)
    return {
        "due": Count("pk"),
        "on_time": Count("pk", filter=Q(status=ObligationStatus.MET_ON_TIME) & met_then),
        "late": Count("pk", filter=Q(status=ObligationStatus.MET_LATE) & met_then),
        "missing": Count("pk", filter=unmet & Q(due_on__lt=as_of)),
        "pending": Count("pk", filter=unmet & Q(due_on__gte=as_of)),
    }


def state_as_of(status: str, met_at: datetime | None, due_on: date, as_of: date) -> str:
    """One obligation's measure as it stood at the end of `as_of` (the heat map's cells)."""
    if status in MET and (met_at is None or timezone.localdate(met_at) <= as_of):
        return "on_time" if status == ObligationStatus.MET_ON_TIME else "late"
    return "missing" if due_on < as_of else "pending"


def in_scope(
    actor: scoping.Actor, province: Province | None, filters: Filters
) -> QuerySet[Obligation]:
    obligations = scoping.visible(actor, Obligation)
    if province is not None:
        obligations = obligations.filter(province=province)
    if filters.city is not None:
        obligations = obligations.filter(enterprise__city=filters.city)
    if filters.sector:
        obligations = obligations.filter(enterprise__industry__sector=filters.sector)
    return obligations


def in_cycle(
    actor: scoping.Actor, province: Province | None, filters: Filters, cycle: Cycle
) -> QuerySet[Obligation]:
    return in_scope(actor, province, filters).filter(cycle.existing).order_by()


def enterprise_filters(filters: Filters, path: str = "enterprise") -> Q:
    """The filters on a model reaching the enterprise through `path` ("": the enterprise)."""
    prefix = f"{path}__" if path else ""
    condition = Q()
    if filters.city is not None:
        condition &= Q(**{f"{prefix}city": filters.city})
    if filters.sector:
        condition &= Q(**{f"{prefix}industry__sector": filters.sector})
    return condition


def province_filter(province: Province | None, path: str) -> Q:
    return Q() if province is None else Q(**{path: province})
