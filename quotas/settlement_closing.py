"""The close of a compliance year and its shortfall cases: after the due date, every open
settlement is not settled, with its shortfall, a case (correction order, fine range per the
year's penalty rule) and, where the rule says so, the shortfall as a deduction from next year's
allocation. A case is corrected once the shortfall is surrendered (the deduction cancelled
unless a determination has netted it) and its fine decided within the rule's range. Every write
is one transaction, audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import scoping
from core import audit
from core.errors import DomainError, PermissionDenied
from core.models import AuditAction
from quotas.models import (
    Adjustment,
    AdjustmentKind,
    CaseStatus,
    PenaltyRule,
    Settlement,
    SettlementStatus,
    ShortfallCase,
)
from quotas.settlement_access import SETTLED, SETTLEMENT_FIELDS, require_province_staff
from quotas.surrenders import Tally, tallies_of, tonnes
from units.models import Province

CASE_SNAPSHOT = (
    "shortfall",
    "correction_due",
    "average_price",
    "fine_min",
    "fine_max",
    "penalty_decided",
    "deduction",
    "status",
    "note",
)
YUAN = Decimal("0.01")


def fine_range(
    rule: PenaltyRule, *, shortfall: Decimal, average_price: Decimal | None
) -> tuple[Decimal | None, Decimal | None]:
    """The fine range of the rule: multiples of the average market price × the shortfall where
    the rule has multiples (Interim Regulations art. 24), else its fixed amounts."""
    if rule.price_multiple_min is not None and rule.price_multiple_max is not None:
        if average_price is None:
            raise DomainError(
                _("Enter the average market price: the fine is a multiple of it."),
                field="average_price",
            )
        low = rule.price_multiple_min * average_price * shortfall
        high = rule.price_multiple_max * average_price * shortfall
        return low.quantize(YUAN, ROUND_HALF_UP), high.quantize(YUAN, ROUND_HALF_UP)
    return rule.fine_min, rule.fine_max


@dataclass(frozen=True)
class ClosingResult:
    closed: int
    shortfall: Decimal


@transaction.atomic
def close_year(
    *,
    actor: scoping.Actor,
    province: Province,
    year: int,
    today: date,
    average_price: Decimal | None,
) -> ClosingResult:
    """After the due date: every open settlement is not settled, with its shortfall, a case
    (correction order, fine range per the year's penalty rule) and, where the rule says so, the
    shortfall as a deduction from next year's allocation."""
    require_province_staff(actor, province)
    if average_price is not None and average_price <= 0:
        raise DomainError(_("The average price must be more than 0."), field="average_price")
    open_ones = Settlement.objects.select_for_update(of=("self",)).filter(
        enterprise__province=province, year=year, status=SettlementStatus.OPEN
    )
    due = list(open_ones.filter(due_on__lt=today).select_related("enterprise__province"))
    if not due:
        later = open_ones.order_by("due_on").values_list("due_on", flat=True).first()
        if later is None:
            raise DomainError(_("No settlement of %(year)d is open.") % {"year": year})
        raise DomainError(
            _("The settlements are due on %(date)s: they can be closed after that date.")
            % {"date": later.isoformat()}
        )
    rule = PenaltyRule.objects.filter(year=year).first()
    if rule is None:
        raise DomainError(
            _("There is no penalty rule for %(year)d; an administrator adds it first.")
            % {"year": year}
        )
    tallies = tallies_of(due)
    total = Decimal(0)
    for tally in tallies.values():
        total += _close(actor, tally, rule=rule, today=today, average_price=average_price)
    return ClosingResult(len(due), total)


def _close(actor, tally: Tally, *, rule: PenaltyRule, today: date, average_price) -> Decimal:
    settlement = tally.settlement
    shortfall = settlement.obligation - tally.total
    fine_min, fine_max = fine_range(rule, shortfall=shortfall, average_price=average_price)
    before = audit.snapshot(settlement, SETTLEMENT_FIELDS)
    settlement.status = SettlementStatus.NOT_SETTLED
    settlement.save(update_fields=["status", "updated_at"])
    code = settlement.enterprise.province.code
    audit.record(
        actor=actor.user,
        action=AuditAction.STATUS,
        target=settlement,
        tenant_code=code,
        changes=audit.diff(before, audit.snapshot(settlement, SETTLEMENT_FIELDS)),
    )
    deduction = None
    if rule.deduct_next_year:
        deduction = Adjustment.objects.create(
            enterprise=settlement.enterprise,
            year=settlement.year + 1,
            kind=AdjustmentKind.UNDER_SURRENDERED,
            tonnes=shortfall,
            reason=_("Not surrendered for %(year)d by %(date)s.")
            % {"year": settlement.year, "date": settlement.due_on.isoformat()},
            source=f"quotas.settlement:{settlement.pk}",
            created_by=actor.user,
        )
        audit.record(
            actor=actor.user,
            action=AuditAction.CREATE,
            target=deduction,
            tenant_code=code,
            changes=audit.diff({}, audit.snapshot(deduction, ("year", "kind", "tonnes", "reason"))),
        )
    case = ShortfallCase.objects.create(
        settlement=settlement,
        shortfall=shortfall,
        correction_due=today + timedelta(days=rule.correction_days),
        average_price=average_price,
        fine_min=fine_min,
        fine_max=fine_max,
        deduction=deduction,
    )
    audit.record(
        actor=actor.user,
        action=AuditAction.CREATE,
        target=case,
        tenant_code=code,
        changes=audit.diff({}, audit.snapshot(case, CASE_SNAPSHOT)),
    )
    return shortfall


def _lock_case(actor: scoping.Actor, case: ShortfallCase) -> ShortfallCase:
    queryset = ShortfallCase.objects.select_for_update(of=("self",)).select_related(
        "settlement__enterprise__province", "deduction"
    )
    case = scoping.get_visible(actor, queryset, pk=case.pk)
    if not scoping.can_change(actor, case):
        raise PermissionDenied(_("Only provincial staff decide shortfall cases."))
    return case


def _save_case(actor, case: ShortfallCase, before: dict) -> ShortfallCase:
    case.save()
    audit.record(
        actor=actor.user,
        action=AuditAction.STATUS,
        target=case,
        tenant_code=case.settlement.enterprise.province.code,
        changes=audit.diff(before, audit.snapshot(case, CASE_SNAPSHOT)),
        note=case.note,
    )
    return case


@transaction.atomic
def correct_case(*, actor: scoping.Actor, case: ShortfallCase, note: str = "") -> ShortfallCase:
    """The enterprise has surrendered the shortfall: the case is corrected and the deduction
    from next year's allocation cancelled (unless a determination has netted it already)."""
    case = _lock_case(actor, case)
    settlement = case.settlement
    if case.status in (CaseStatus.CORRECTED, CaseStatus.CLOSED):
        raise DomainError(_("This case is corrected already."))
    if settlement.status not in SETTLED:
        remaining = tallies_of([settlement])[settlement.pk].remaining
        raise DomainError(
            _("%(remaining)s t are still to surrender: record the surrenders first.")
            % {"remaining": tonnes(remaining)}
        )
    before = audit.snapshot(case, CASE_SNAPSHOT)
    deduction = case.deduction
    if deduction is not None and deduction.netted_in_id is None:
        case.deduction = None
        case.save(update_fields=["deduction", "updated_at"])
        audit.record(
            actor=actor.user,
            action=AuditAction.DELETE,
            target=deduction,
            tenant_code=settlement.enterprise.province.code,
            changes=audit.diff(audit.snapshot(deduction, ("year", "kind", "tonnes")), {}),
            note=_("Shortfall corrected: the deduction is cancelled."),
        )
        deduction.delete()
    case.status = CaseStatus.CLOSED if case.penalty_decided is not None else CaseStatus.CORRECTED
    case.note = _join_note(case.note, note)
    return _save_case(actor, case, before)


@transaction.atomic
def decide_penalty(
    *, actor: scoping.Actor, case: ShortfallCase, amount: Decimal | None, note: str = ""
) -> ShortfallCase:
    """The fine decided for the case, within the range of the penalty rule."""
    case = _lock_case(actor, case)
    if case.penalty_decided is not None:
        raise DomainError(_("The fine of this case is decided already."))
    if amount is None or amount < 0:
        raise DomainError(_("Enter the fine in CNY (0 or more)."), field="amount")
    low, high = case.fine_min, case.fine_max
    if (low is not None and amount < low) or (high is not None and amount > high):
        raise DomainError(
            _("The fine must be between CNY %(low)s and %(high)s.")
            % {"low": f"{low or 0:,}", "high": f"{high:,}" if high is not None else "—"},
            field="amount",
        )
    before = audit.snapshot(case, CASE_SNAPSHOT)
    case.penalty_decided = amount.quantize(YUAN, ROUND_HALF_UP)
    case.status = CaseStatus.CLOSED if case.status == CaseStatus.CORRECTED else CaseStatus.PENALISED
    case.note = _join_note(case.note, note)
    return _save_case(actor, case, before)


def _join_note(existing: str, note: str) -> str:
    note = (note or "").strip()
    return f"{existing}\n{note}".strip() if note else existing
