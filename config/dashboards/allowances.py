"""The allowances part of a province's dashboard: pre-allocation, determination, allocation
(issuance) and settlement progress, in enterprises and in tonnes, from aggregate queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, Sum

from accounts import scoping
from config.dashboards.cycle import Cycle, Filters, enterprise_filters, percent, province_filter
from deadlines.models import ObligationKind
from quotas.models import (
    Allocation,
    BatchStatus,
    Settlement,
    SettlementStatus,
    Surrender,
    SurrenderKind,
)
from units.models import Province

if TYPE_CHECKING:
    from config.dashboards.measures import KindRow

QUOTA_STEPS = (
    (ObligationKind.PRE_ALLOCATION, "pre_allocation_batch", "pre_allocated"),
    (ObligationKind.DETERMINATION, "determination_batch", "determined"),
    (ObligationKind.ALLOCATION, "allocation_batch", "issued"),
)


@dataclass(frozen=True)
class StepRow:
    """One allocation step: units that must have it, units whose figure is approved (and its
    tonnes), units whose figure awaits approval (and its tonnes)."""

    kind: str
    year: int
    due: int
    deadline: date | None
    approved: int
    approved_t: Decimal
    drafted: int
    drafted_t: Decimal

    @property
    def label(self) -> str:
        return ObligationKind(self.kind).label

    @property
    def approved_rate(self) -> Decimal | None:
        return percent(self.approved, self.due)


def allocation_progress(
    *,
    actor: scoping.Actor,
    province: Province | None,
    filters: Filters,
    cycle: Cycle,
    kinds: list[KindRow],
) -> list[StepRow]:
    """Pre-allocation, determination and allocation (issuance) of the cycle's quota year, in
    enterprises and tonnes; `kinds` (obligation_progress) gives how many are due and when."""
    year = cycle.period_year(ObligationKind.DETERMINATION)
    aggregates: dict[str, Any] = {}
    for kind, batch, tonnes in QUOTA_STEPS:
        approved = Q(**{f"{tonnes}__isnull": False, f"{batch}__status": BatchStatus.APPROVED})
        drafted = Q(**{f"{tonnes}__isnull": False}) & (
            Q(**{f"{batch}__isnull": True})
            | Q(**{f"{batch}__status__in": [BatchStatus.DRAFT, BatchStatus.SUBMITTED]})
        )
        aggregates |= {
            f"{kind}_approved": Count("pk", filter=approved),
            f"{kind}_approved_t": Sum(tonnes, filter=approved),
            f"{kind}_drafted": Count("pk", filter=drafted),
            f"{kind}_drafted_t": Sum(tonnes, filter=drafted),
        }
    totals = (
        scoping.visible(actor, Allocation)
        .filter(
            province_filter(province, "enterprise__province"),
            enterprise_filters(filters),
            year=year,
        )
        .aggregate(**aggregates)
    )
    due = {row.kind: row for row in kinds}
    return [
        StepRow(
            kind=kind,
            year=year,
            due=due[kind].due if kind in due else 0,
            deadline=due[kind].deadline if kind in due else None,
            approved=totals[f"{kind}_approved"],
            approved_t=totals[f"{kind}_approved_t"] or Decimal(0),
            drafted=totals[f"{kind}_drafted"],
            drafted_t=totals[f"{kind}_drafted_t"] or Decimal(0),
        )
        for kind, _batch, _tonnes in QUOTA_STEPS
    ]


@dataclass(frozen=True)
class SettlementProgress:
    year: int
    due: int
    on_time: int
    late: int
    not_settled: int
    open: int
    to_surrender_t: Decimal
    allowances_t: Decimal
    ccer_t: Decimal

    @property
    def settled(self) -> int:
        return self.on_time + self.late

    @property
    def surrendered_t(self) -> Decimal:
        return self.allowances_t + self.ccer_t

    @property
    def settled_rate(self) -> Decimal | None:
        return percent(self.settled, self.due)


def settlement_progress(
    *, actor: scoping.Actor, province: Province | None, filters: Filters, cycle: Cycle
) -> SettlementProgress:
    """The settlements of the cycle's compliance year: units and tonnes to surrender, settled
    on time or late, and the allowances and CCER surrendered so far."""
    year = cycle.period_year(ObligationKind.SETTLEMENT)
    settlements = (
        scoping.visible(actor, Settlement)
        .filter(
            province_filter(province, "enterprise__province"),
            enterprise_filters(filters),
            year=year,
        )
        .aggregate(
            due=Count("pk"),
            on_time=Count("pk", filter=Q(status=SettlementStatus.ON_TIME)),
            late=Count("pk", filter=Q(status=SettlementStatus.LATE)),
            not_settled=Count("pk", filter=Q(status=SettlementStatus.NOT_SETTLED)),
            open=Count("pk", filter=Q(status=SettlementStatus.OPEN)),
            to_surrender_t=Sum("obligation"),
        )
    )
    surrendered = (
        scoping.visible(actor, Surrender)
        .filter(
            province_filter(province, "settlement__enterprise__province"),
            enterprise_filters(filters, "settlement__enterprise"),
            settlement__year=year,
        )
        .aggregate(
            allowances_t=Sum("quantity", filter=Q(kind=SurrenderKind.ALLOWANCE)),
            ccer_t=Sum("quantity", filter=Q(kind=SurrenderKind.CCER)),
        )
    )
    return SettlementProgress(
        year=year,
        due=settlements["due"],
        on_time=settlements["on_time"],
        late=settlements["late"],
        not_settled=settlements["not_settled"],
        open=settlements["open"],
        to_surrender_t=settlements["to_surrender_t"] or Decimal(0),
        allowances_t=surrendered["allowances_t"] or Decimal(0),
        ccer_t=surrendered["ccer_t"] or Decimal(0),
    )
