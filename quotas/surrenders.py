"""Surrenders against a settlement: the tally of what has been surrendered (allowances by
vintage, CCERs within the plan's limit), the checks every surrender passes
(`surrender_refusals`), the write (`add_surrender`), and the settlement settled once the
obligation is covered, on time or late, its calendar obligation met. Surrenders typed in by staff
(`record_surrender`) and imported from the registry's export (quotas.registry_import) go through
the same checks and the same write, so both give the same rows. A refused surrender names every
field, and nothing is saved. Also the tonnes and percentages as the messages and documents show
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import scoping
from core import audit
from core.errors import DomainError
from core.models import AuditAction
from deadlines import services as deadlines
from deadlines.models import ObligationKind
from quotas import calculation
from quotas.models import Allocation, Settlement, SettlementStatus, Surrender, SurrenderKind
from quotas.settlement_access import ACCEPTS_SURRENDERS, SETTLEMENT_FIELDS, lock_settlement

SURRENDER_FIELDS = ("kind", "vintage", "quantity", "surrendered_on", "registry_reference")


def tonnes(value: Decimal | int) -> str:
    """Whole tonnes with thousands separators, as the messages and documents show them."""
    return f"{int(value):,}"


def percent(value: Decimal) -> str:
    return format(value.normalize(), "f")


@dataclass
class Tally:
    """A settlement with what has been surrendered against it so far (updated as rows are
    added, so one file's rows are checked against each other too)."""

    settlement: Settlement
    ccer_limit_pct: Decimal
    total: Decimal = Decimal(0)
    ccer: Decimal = Decimal(0)
    last_on: date | None = None

    @property
    def ccer_allowed(self) -> Decimal:
        return calculation.ccer_allowance(self.settlement.obligation, self.ccer_limit_pct)

    @property
    def remaining(self) -> Decimal:
        return max(self.settlement.obligation - self.total, Decimal(0))

    @property
    def covered(self) -> bool:
        return self.total >= self.settlement.obligation and self.last_on is not None

    def add(self, kind: str, quantity: Decimal, on: date) -> None:
        self.total += quantity
        if kind == SurrenderKind.CCER:
            self.ccer += quantity
        self.last_on = max(self.last_on or on, on)


def tallies_of(settlements: list[Settlement]) -> dict[int, Tally]:
    """Each settlement's tally, with the CCER limit of the plan its allocation was made under."""
    by_pk = {settlement.pk: settlement for settlement in settlements}
    limits = {
        (enterprise_id, year): limit
        for enterprise_id, year, limit in Allocation.objects.filter(
            enterprise_id__in={s.enterprise_id for s in settlements},
            year__in={s.year for s in settlements},
        ).values_list("enterprise_id", "year", "plan__ccer_limit_pct")
    }
    tallies = {
        pk: Tally(s, limits.get((s.enterprise_id, s.year), Decimal(0))) for pk, s in by_pk.items()
    }
    sums = (
        Surrender.objects.filter(settlement_id__in=list(by_pk))
        .values("settlement_id")
        .annotate(
            total=Sum("quantity"),
            ccer=Sum("quantity", filter=Q(kind=SurrenderKind.CCER)),
            last_on=Max("surrendered_on"),
        )
    )
    for row in sums:
        tally = tallies[row["settlement_id"]]
        tally.total, tally.ccer = row["total"], row["ccer"] or Decimal(0)
        tally.last_on = row["last_on"]
    return tallies


def surrender_refusals(
    tally: Tally, *, kind: str, quantity: Decimal | None, vintage: int | None, on: date | None
) -> list[tuple[str, str]]:
    """Why this surrender cannot count against the settlement, as (field, message) pairs."""
    settlement = tally.settlement
    refusals = []
    if settlement.status not in ACCEPTS_SURRENDERS:
        refusals.append(("kind", _("This settlement is already complete.")))
    if kind not in SurrenderKind.values:
        refusals.append(("kind", _("Choose allowances (配额) or CCER.")))
    if kind == SurrenderKind.ALLOWANCE:
        if vintage is None:
            refusals.append(("vintage", _("Enter the vintage (year) of the allowances.")))
        elif vintage > settlement.year:
            refusals.append(
                ("vintage", _("Allowances of vintage %(vintage)d cannot be surrendered for "
                              "%(year)d: only vintages up to %(year)d count.")
                 % {"vintage": vintage, "year": settlement.year})
            )  # fmt: skip
    if on is not None and on > timezone.localdate():
        refusals.append(("surrendered_on", _("The date of surrender cannot be in the future.")))
    if quantity is None or quantity != quantity.to_integral_value() or quantity < 1:
        refusals.append(("quantity", _("Enter whole tonnes, at least 1.")))
        return refusals
    if kind == SurrenderKind.CCER and tally.ccer + quantity > tally.ccer_allowed:
        refusals.append(("quantity", _ccer_message(tally, quantity)))
    if quantity > tally.remaining:
        refusals.append(
            ("quantity", _("Only %(remaining)s t remain to surrender (obligation "
                           "%(obligation)s t); %(excess)s t more than the obligation.")
             % {"remaining": tonnes(tally.remaining),
                "obligation": tonnes(settlement.obligation),
                "excess": tonnes(quantity - tally.remaining)})
        )  # fmt: skip
    return refusals


def _ccer_message(tally: Tally, quantity: Decimal) -> str:
    message = _(
        "at most %(allowed)s t CCER may count (%(pct)s%% of %(obligation)s t); "
        "%(excess)s t more than allowed"
    ) % {
        "allowed": tonnes(tally.ccer_allowed),
        "pct": percent(tally.ccer_limit_pct),
        "obligation": tonnes(tally.settlement.obligation),
        "excess": tonnes(tally.ccer + quantity - tally.ccer_allowed),
    }
    if tally.ccer:
        message += _(" (%(done)s t CCER already surrendered)") % {"done": tonnes(tally.ccer)}
    return message


def _reference_taken(reference: str) -> bool:
    return bool(reference) and Surrender.objects.filter(registry_reference=reference).exists()


class SurrenderRefused(DomainError):
    """The surrender cannot be recorded; `errors` has every (field, message), nothing is saved."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(message for _field, message in errors), field=errors[0][0])
        self.errors = errors


def add_surrender(actor, tally: Tally, *, action: str, **values: Any) -> Surrender:
    surrender = Surrender.objects.create(
        settlement=tally.settlement, recorded_by=actor.user, **values
    )
    audit.record(
        actor=actor.user,
        action=action,
        target=surrender,
        tenant_code=tally.settlement.enterprise.province.code,
        changes=audit.diff({}, audit.snapshot(surrender, SURRENDER_FIELDS)),
        note=f"quotas.settlement:{tally.settlement.pk}",
    )
    tally.add(surrender.kind, surrender.quantity, surrender.surrendered_on)
    if tally.covered:
        settle(actor, tally)
    return surrender


def settle(actor, tally: Tally) -> None:
    """The surrendered total reached the obligation: settled on the last surrender's date, on
    time or late against the due date, and the calendar's settlement obligation met."""
    settlement = tally.settlement
    before = audit.snapshot(settlement, SETTLEMENT_FIELDS)
    settlement.settled_on = tally.last_on
    on_time = tally.last_on <= settlement.due_on
    settlement.status = SettlementStatus.ON_TIME if on_time else SettlementStatus.LATE
    settlement.save(update_fields=["status", "settled_on", "updated_at"])
    audit.record(
        actor=actor.user,
        action=AuditAction.STATUS,
        target=settlement,
        tenant_code=settlement.enterprise.province.code,
        changes=audit.diff(before, audit.snapshot(settlement, SETTLEMENT_FIELDS)),
    )
    met_at = timezone.make_aware(datetime.combine(settlement.settled_on, time(12)))
    deadlines.fulfil(
        actor=actor,
        kind=ObligationKind.SETTLEMENT,
        enterprise=settlement.enterprise,
        period_start=date(settlement.year, 1, 1),
        met_at=met_at,
        fulfilment=f"quotas.settlement:{settlement.pk}",
    )


@transaction.atomic
def record_surrender(
    *,
    actor: scoping.Actor,
    settlement: Settlement,
    kind: str,
    quantity: Decimal | None,
    vintage: int | None,
    surrendered_on: date | None,
    registry_reference: str = "",
) -> Surrender:
    """Staff record allowances (of a vintage up to the compliance year) or CCERs (within the
    plan's limit) surrendered in the registry; never more than the obligation."""
    settlement = lock_settlement(actor, settlement)
    tally = tallies_of([settlement])[settlement.pk]
    reference = (registry_reference or "").strip()
    refusals = surrender_refusals(
        tally, kind=kind, quantity=quantity, vintage=vintage, on=surrendered_on
    )
    if surrendered_on is None:
        refusals.append(("surrendered_on", _("Enter the date of surrender.")))
    if _reference_taken(reference):
        refusals.append(("registry_reference", _("This registry reference is recorded already.")))
    if refusals:
        raise SurrenderRefused(refusals)
    return add_surrender(
        actor,
        tally,
        action=AuditAction.CREATE,
        kind=kind,
        quantity=quantity,
        vintage=vintage if kind == SurrenderKind.ALLOWANCE else None,
        surrendered_on=surrendered_on,
        registry_reference=reference,
    )
