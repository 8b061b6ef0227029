"""Determination of allowances (issue 7 item 3): from the compliance year's confirmed
verification (VerifiedFigures), the determined allowances; with the approved pre-allocation and
the enterprise's pending adjustments they give to_issue = determined − pre-allocated −
adjustments (negative: to withdraw). Approval (quotas.batch_workflow) nets the adjustments
(netted_in), meets the determination obligations and opens the enterprise's review window
(quotas.allocation_reviews).
"""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import scoping
from core.errors import DomainError
from quotas import inputs
from quotas.batch_access import require_staff
from quotas.drafting import StepFields, batch_of, calculate_step, lines_json, open_draft, plan_for
from quotas.models import Adjustment, AllocationBatch, BatchStatus, Step
from units.models import Province

DETERMINATION_FIELDS = StepFields(
    audited=("plan", "determined", "adjustments", "to_issue"),
    saved=(
        "plan",
        "determined",
        "adjustments",
        "to_issue",
        "determination_lines",
        "determination_inputs",
        "determination_batch",
    ),
    cleared={
        "determined": None,
        "adjustments": 0,
        "to_issue": None,
        "determination_lines": [],
        "determination_inputs": {},
        "determination_batch": None,
    },
)


@transaction.atomic
def draft_determination(
    *, actor: scoping.Actor, province: Province, year: int, sector: str
) -> AllocationBatch:
    """Draft (or refresh) the determination from the year's confirmed verification: the
    determined allowances, and the true-up against the approved pre-allocation and the pending
    adjustments (to_issue; negative: to withdraw)."""
    require_staff(actor, province.pk)
    plan = plan_for(year, sector)
    pre_batch = batch_of(province, year, sector, Step.PRE_ALLOCATION)
    if pre_batch is not None and pre_batch.status != BatchStatus.APPROVED:
        raise DomainError(_("Approve the pre-allocation of this sector and year first."))
    issuance = batch_of(province, year, sector, Step.ALLOCATION)
    if issuance is not None and issuance.status == BatchStatus.APPROVED:
        raise DomainError(_("The allowances of this sector and year are issued already."))
    batch = open_draft(actor, province, year, sector, Step.DETERMINATION)
    pending = pending_adjustments(
        year, enterprise__province=province, enterprise__industry__sector=sector
    )

    def fill(allocation, rules, data, result):
        adjustments = pending.get(allocation.enterprise_id, [])
        fill_determination(allocation, plan, rules, data, result, adjustments, pre_batch)

    calculate_step(actor, batch, plan, data_year=year, fields=DETERMINATION_FIELDS, fill=fill)
    return batch


def pending_adjustments(year: int, **enterprises) -> dict[int, list[Adjustment]]:
    """The adjustments of the year not yet netted, by enterprise id (of the enterprises the
    lookups select)."""
    pending: dict[int, list[Adjustment]] = {}
    rows = Adjustment.objects.filter(year=year, netted_in__isnull=True, **enterprises).order_by(
        "created_at", "pk"
    )
    for adjustment in rows:
        pending.setdefault(adjustment.enterprise_id, []).append(adjustment)
    return pending


def _adjustment_json(adjustment: Adjustment) -> dict:
    return {
        "id": adjustment.pk,
        "public_id": str(adjustment.public_id),
        "kind": adjustment.kind,
        "tonnes": format(adjustment.tonnes, "f"),
        "reason": adjustment.reason,
    }


def fill_determination(allocation, plan, rules, data, result, adjustments, pre_batch) -> None:
    """Set the determination's figures, lines and inputs on the allocation."""
    counted = pre_batch is not None and allocation.pre_allocation_batch_id == pre_batch.pk
    pre_allocated = allocation.pre_allocated if counted and allocation.pre_allocated else Decimal(0)
    netted = sum((a.tonnes for a in adjustments), Decimal(0))
    stored = inputs.as_inputs_json(plan, rules, data)
    stored["pre_allocated"] = format(pre_allocated, "f")
    stored["pre_allocation_batch"] = str(pre_batch.public_id) if counted else None
    stored["adjustments"] = [_adjustment_json(a) for a in adjustments]
    allocation.determination_inputs = stored
    allocation.determination_lines = lines_json(result)
    allocation.determined = result.total if result else None
    allocation.adjustments = netted if result else Decimal(0)
    allocation.to_issue = true_up(result.total, pre_allocated, netted) if result else None


def true_up(determined: Decimal, pre_allocated: Decimal, adjustments: Decimal) -> Decimal:
    """What is still to issue (negative: to withdraw)."""
    return determined - pre_allocated - adjustments
