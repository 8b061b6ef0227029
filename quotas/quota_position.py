"""An enterprise's quota position per compliance year: its allowances pre-allocated, determined
and issued (each once approved), the settlement's obligation, what was surrendered (allowances
by vintage, CCER), the balance to surrender, the deadline and the status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from accounts import scoping
from deadlines.models import Obligation, ObligationKind
from quotas.models import Allocation, Settlement, Step, SurrenderKind
from quotas.settlement_opening import default_due_on
from quotas.settlement_selectors import visible_settlements
from units.models import Enterprise


@dataclass
class YearPosition:
    """An enterprise's allowances and settlement for one compliance year."""

    year: int
    allocation: Allocation | None = None
    settlement: Settlement | None = None
    deadline: date | None = None
    by_vintage: dict[int, Decimal] = field(default_factory=dict)
    ccer: Decimal = Decimal(0)

    def _approved(self, step: str, figure: str):
        """A step's figure once its batch is approved (staff see drafts on the batch and
        allocation pages)."""
        if self.allocation is None or not self.allocation.is_approved(step):
            return None
        return getattr(self.allocation, figure)

    @property
    def pre_allocated(self) -> Decimal | None:
        return self._approved(Step.PRE_ALLOCATION, "pre_allocated")

    @property
    def determined(self) -> Decimal | None:
        return self._approved(Step.DETERMINATION, "determined")

    @property
    def issued(self) -> Decimal | None:
        return self._approved(Step.ALLOCATION, "issued")

    @property
    def issued_on(self) -> date | None:
        return self._approved(Step.ALLOCATION, "issued_on")

    @property
    def surrendered(self) -> Decimal:
        return sum(self.by_vintage.values(), Decimal(0)) + self.ccer

    @property
    def balance(self) -> Decimal | None:
        if self.settlement is None:
            return None
        return max(self.settlement.obligation - self.surrendered, Decimal(0))

    @property
    def vintages(self) -> list[tuple[int, Decimal]]:
        return sorted(self.by_vintage.items())


def position(*, actor: scoping.Actor, enterprise: Enterprise) -> list[YearPosition]:
    """The enterprise's quota position per compliance year, newest first: pre-allocated,
    determined, issued (each once approved), the obligation, what was surrendered (allowances
    by vintage, CCER), the balance to surrender, the deadline and the status."""
    enterprise = scoping.get_visible(actor, Enterprise, pk=enterprise.pk)
    years: dict[int, YearPosition] = {}
    allocations = (
        scoping.visible(actor, Allocation)
        .filter(enterprise=enterprise)
        .select_related("pre_allocation_batch", "determination_batch", "allocation_batch")
    )
    for allocation in allocations:
        years.setdefault(allocation.year, YearPosition(allocation.year)).allocation = allocation
    settlements = (
        visible_settlements(actor)
        .filter(enterprise=enterprise)
        .prefetch_related("surrenders")
        .select_related("case")
    )
    for settlement in settlements:
        row = years.setdefault(settlement.year, YearPosition(settlement.year))
        row.settlement, row.deadline = settlement, settlement.due_on
        for surrender in settlement.surrenders.all():
            if surrender.kind == SurrenderKind.CCER:
                row.ccer += surrender.quantity
            else:
                row.by_vintage[surrender.vintage] = (
                    row.by_vintage.get(surrender.vintage, Decimal(0)) + surrender.quantity
                )
    # One query whatever the years: the calendar's date for a year not yet opened.
    due = dict(
        scoping.visible(actor, Obligation)
        .filter(
            kind=ObligationKind.SETTLEMENT,
            enterprise=enterprise,
            period_start__in=[date(year, 1, 1) for year in years],
        )
        .values_list("period_start__year", "due_on")
    )
    for year, row in years.items():
        if row.deadline is None:
            row.deadline = due.get(year, default_due_on(year))
    return [years[year] for year in sorted(years, reverse=True)]
