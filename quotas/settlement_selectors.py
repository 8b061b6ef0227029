"""The reads of settlements: the provinces the actor may read, a province's settlements of the
year with what each has surrendered, one settlement with its tally and audit trail, a shortfall
case, the year's penalty rule, and the count of settlements in each state. Every read is scoped
through accounts.scoping.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from accounts import scoping
from core.models import AuditEvent, target_label
from quotas.models import (
    Adjustment,
    PenaltyRule,
    Settlement,
    SettlementStatus,
    ShortfallCase,
    Surrender,
    SurrenderKind,
)
from quotas.surrenders import Tally, tallies_of
from units.models import Province


def provinces_for(*, actor: scoping.Actor) -> QuerySet[Province]:
    """The provinces whose settlements the actor may read: staff their own, national roles all."""
    if actor.sees_all_provinces:
        return Province.objects.all()
    return Province.objects.filter(pk__in=actor.province_ids)


def visible_settlements(actor: scoping.Actor) -> QuerySet[Settlement]:
    return scoping.visible(actor, Settlement)


def settlements_for(
    *, actor: scoping.Actor, province: Province, year: int, status: str = ""
) -> QuerySet[Settlement]:
    """The province's settlements of the year with what each has surrendered (one query)."""
    rows = (
        visible_settlements(actor)
        .filter(enterprise__province=province, year=year)
        .select_related("enterprise", "case")
        .annotate(
            surrendered=Coalesce(Sum("surrenders__quantity"), Decimal(0)),
            ccer=Coalesce(
                Sum("surrenders__quantity", filter=Q(surrenders__kind=SurrenderKind.CCER)),
                Decimal(0),
            ),
        )
        .order_by("enterprise__name_zh", "pk")
    )
    if status:
        rows = rows.filter(status=status)
    return rows


def settlement_detail(*, actor: scoping.Actor, public_id) -> Settlement:
    queryset = Settlement.objects.select_related(
        "enterprise__province", "case__deduction"
    ).prefetch_related(
        Prefetch("surrenders", queryset=Surrender.objects.select_related("recorded_by"))
    )
    return scoping.get_visible(actor, queryset, public_id=public_id)


def tally_of(settlement: Settlement) -> Tally:
    """What has been surrendered against one settlement, and what the CCER limit allows."""
    return tallies_of([settlement])[settlement.pk]


def history(*, actor: scoping.Actor, settlement: Settlement) -> QuerySet[AuditEvent]:
    """The audit events of a settlement, its surrenders, case and deduction, newest first."""
    scoping.get_visible(actor, Settlement, pk=settlement.pk)
    surrender_ids = [str(pk) for pk in settlement.surrenders.values_list("pk", flat=True)]
    condition = Q(target_type=target_label(Settlement), target_id=str(settlement.pk)) | Q(
        target_type=target_label(Surrender), target_id__in=surrender_ids
    )
    case = ShortfallCase.objects.filter(settlement=settlement).first()
    if case is not None:
        condition |= Q(target_type=target_label(ShortfallCase), target_id=str(case.pk))
    condition |= Q(
        target_type=target_label(Adjustment),
        target_id__in=[
            str(pk)
            for pk in Adjustment.objects.filter(
                source=f"quotas.settlement:{settlement.pk}"
            ).values_list("pk", flat=True)
        ],
    )
    return AuditEvent.objects.filter(condition).order_by("-occurred_at", "-id")


def case_detail(*, actor: scoping.Actor, public_id) -> ShortfallCase:
    queryset = ShortfallCase.objects.select_related(
        "settlement__enterprise__province", "deduction__netted_in"
    )
    return scoping.get_visible(actor, queryset, public_id=public_id)


def penalty_rule(year: int) -> PenaltyRule | None:
    return PenaltyRule.objects.filter(year=year).first()


@dataclass(frozen=True)
class Counts:
    total: int
    on_time: int
    late: int
    not_settled: int
    open: int
    penalised: int

    @property
    def settled(self) -> int:
        return self.on_time + self.late


def counts(*, actor: scoping.Actor, province: Province, year: int) -> Counts:
    """How many settlements of the year are in each state, and how many have a fine decided."""
    found = visible_settlements(actor).filter(enterprise__province=province, year=year)
    totals = found.aggregate(
        total=Count("pk"),
        on_time=Count("pk", filter=Q(status=SettlementStatus.ON_TIME)),
        late=Count("pk", filter=Q(status=SettlementStatus.LATE)),
        not_settled=Count("pk", filter=Q(status=SettlementStatus.NOT_SETTLED)),
        open=Count("pk", filter=Q(status=SettlementStatus.OPEN)),
        penalised=Count("pk", filter=Q(case__penalty_decided__isnull=False)),
    )
    return Counts(**totals)
