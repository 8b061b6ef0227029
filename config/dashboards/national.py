"""The national roll-up: the provincial dashboard's measures per province side by side, one
aggregate query per measure grouped by province (ministry reviewers and administrators)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from accounts import scoping
from config.dashboards.allowances import QUOTA_STEPS
from config.dashboards.cycle import (
    Cycle,
    Filters,
    Tally,
    enterprise_filters,
    in_cycle,
    percent,
    province_filter,
    tally_aggregates,
)
from config.dashboards.measures import may_see_national
from core.errors import PermissionDenied
from deadlines.models import ObligationKind
from quotas.models import Allocation, BatchStatus, Settlement, SettlementStatus, Surrender
from units.models import Enterprise, EnterpriseStatus, Province
from verification.models import Assignment, AssignmentStatus


@dataclass
class ProvinceRow:
    province: Province
    enterprises: int = 0
    obligations: Tally = field(default_factory=Tally)
    monthly: Tally = field(default_factory=Tally)
    verification: Tally = field(default_factory=Tally)
    verification_confirmed: int = 0
    pre_allocated_t: Decimal = Decimal(0)
    determined_t: Decimal = Decimal(0)
    issued_t: Decimal = Decimal(0)
    settlement_due: int = 0
    settled: int = 0
    surrendered_t: Decimal = Decimal(0)
    last_year: Tally | None = None

    @property
    def verification_confirmed_rate(self) -> Decimal | None:
        return percent(self.verification_confirmed, self.verification.due)

    @property
    def settled_rate(self) -> Decimal | None:
        return percent(self.settled, self.settlement_due)

    @property
    def last_year_on_time_rate(self) -> Decimal | None:
        return self.last_year.on_time_rate if self.last_year else None

    @property
    def last_year_missing(self) -> int | None:
        return self.last_year.missing if self.last_year else None


SORT_KEYS: dict[str, Callable[[ProvinceRow], Any]] = {
    "code": lambda row: row.province.code,
    "enterprises": lambda row: row.enterprises,
    "due": lambda row: row.obligations.due,
    "on_time": lambda row: row.obligations.on_time,
    "late": lambda row: row.obligations.late,
    "missing": lambda row: row.obligations.missing,
    "on_time_rate": lambda row: row.obligations.on_time_rate,
    "monthly_rate": lambda row: row.monthly.on_time_rate,
    "verification_confirmed": lambda row: row.verification_confirmed,
    "pre_allocated_t": lambda row: row.pre_allocated_t,
    "determined_t": lambda row: row.determined_t,
    "issued_t": lambda row: row.issued_t,
    "settled": lambda row: row.settled,
    "surrendered_t": lambda row: row.surrendered_t,
    "last_year_on_time_rate": lambda row: row.last_year_on_time_rate,
    "last_year_missing": lambda row: row.last_year_missing,
}


def sort_rows(rows: list[ProvinceRow], sort: str) -> list[ProvinceRow]:
    """Sorted by a SORT_KEYS column ("-" first: descending); rows without a value go last."""
    descending = sort.startswith("-")
    key = SORT_KEYS.get(sort.removeprefix("-"), SORT_KEYS["code"])
    present = [row for row in rows if key(row) is not None]
    absent = [row for row in rows if key(row) is None]
    present.sort(key=lambda row: (key(row), row.province.code), reverse=descending)
    return present + absent


def province_rollup(
    *,
    actor: scoping.Actor,
    filters: Filters,
    cycle: Cycle,
    last_cycle: Cycle | None,
    sort: str = "code",
) -> list[ProvinceRow]:
    """The province measures side by side, one aggregate query per measure grouped by province."""
    if not may_see_national(actor):
        raise PermissionDenied("the national roll-up is for ministry reviewers")
    rows = rollup_rows(actor=actor, filters=filters, cycle=cycle, last_cycle=last_cycle)
    return sort_rows(rows, sort)


def rollup_rows(
    *,
    actor: scoping.Actor,
    filters: Filters,
    cycle: Cycle,
    last_cycle: Cycle | None,
    province: Province | None = None,
) -> list[ProvinceRow]:
    """The roll-up's rows of every province (or of `province` alone), counting what the actor
    may see: the caller decides who may read them (the API serves staff their own row)."""
    filters = Filters(sector=filters.sector)
    provinces = Province.objects.all() if province is None else [province]
    rows = {each.pk: ProvinceRow(province=each) for each in provinces}
    for row in (
        scoping.visible(actor, Enterprise)
        .filter(
            enterprise_filters(filters, ""),
            province_filter(province, "province"),
            status=EnterpriseStatus.ACTIVE,
        )
        .values("province")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        rows[row["province"]].enterprises = row["count"]
    for row in (
        in_cycle(actor, province, filters, cycle)
        .values("province", "kind")
        .annotate(**tally_aggregates(cycle.as_of))
    ):
        target, tally = rows[row["province"]], Tally.of(row)
        target.obligations += tally
        if row["kind"] == ObligationKind.MONTHLY_CERTIFICATION:
            target.monthly = tally
        elif row["kind"] == ObligationKind.VERIFICATION:
            target.verification = tally
    if last_cycle is not None:
        for row in (
            in_cycle(actor, province, filters, last_cycle)
            .values("province")
            .annotate(**tally_aggregates(last_cycle.as_of))
        ):
            rows[row["province"]].last_year = Tally.of(row)
        for row in rows.values():
            row.last_year = row.last_year or Tally()
    _rollup_quotas(actor, filters, cycle, province, rows)
    return list(rows.values())


def _rollup_quotas(
    actor: scoping.Actor,
    filters: Filters,
    cycle: Cycle,
    province: Province | None,
    rows: dict[int, ProvinceRow],
) -> None:
    for row in (
        scoping.visible(actor, Assignment)
        .filter(
            enterprise_filters(filters),
            province_filter(province, "enterprise__province"),
            year=cycle.period_year(ObligationKind.VERIFICATION),
            status=AssignmentStatus.CONFIRMED,
        )
        .values("enterprise__province")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        rows[row["enterprise__province"]].verification_confirmed = row["count"]
    sums = {
        f"{tonnes}_t": Sum(tonnes, filter=Q(**{f"{batch}__status": BatchStatus.APPROVED}))
        for _kind, batch, tonnes in QUOTA_STEPS
    }
    for row in (
        scoping.visible(actor, Allocation)
        .filter(
            enterprise_filters(filters),
            province_filter(province, "enterprise__province"),
            year=cycle.period_year(ObligationKind.DETERMINATION),
        )
        .values("enterprise__province")
        .annotate(**sums)
        .order_by()
    ):
        target = rows[row["enterprise__province"]]
        target.pre_allocated_t = row["pre_allocated_t"] or Decimal(0)
        target.determined_t = row["determined_t"] or Decimal(0)
        target.issued_t = row["issued_t"] or Decimal(0)
    settlement_year = cycle.period_year(ObligationKind.SETTLEMENT)
    for row in (
        scoping.visible(actor, Settlement)
        .filter(
            enterprise_filters(filters),
            province_filter(province, "enterprise__province"),
            year=settlement_year,
        )
        .values("enterprise__province")
        .annotate(
            due=Count("pk"),
            settled=Count(
                "pk", filter=Q(status__in=[SettlementStatus.ON_TIME, SettlementStatus.LATE])
            ),
        )
        .order_by()
    ):
        target = rows[row["enterprise__province"]]
        target.settlement_due, target.settled = row["due"], row["settled"]
    for row in (
        scoping.visible(actor, Surrender)
        .filter(
            enterprise_filters(filters, "settlement__enterprise"),
            province_filter(province, "settlement__enterprise__province"),
            settlement__year=settlement_year,
        )
        .values("settlement__enterprise__province")
        .annotate(tonnes=Sum("quantity"))
        .order_by()
    ):
        rows[row["settlement__enterprise__province"]].surrendered_t = row["tonnes"] or Decimal(0)


def totals(rows: list[ProvinceRow]) -> ProvinceRow:
    """The national total of the roll-up's columns (a row without a province)."""
    total = ProvinceRow(province=None)  # type: ignore[arg-type]
    for row in rows:
        total.enterprises += row.enterprises
        total.obligations += row.obligations
        total.monthly += row.monthly
        total.verification += row.verification
        total.verification_confirmed += row.verification_confirmed
        total.pre_allocated_t += row.pre_allocated_t
        total.determined_t += row.determined_t
        total.issued_t += row.issued_t
        total.settlement_due += row.settlement_due
        total.settled += row.settled
        total.surrendered_t += row.surrendered_t
        if row.last_year is not None:
            total.last_year = (total.last_year or Tally()) + row.last_year
    return total
