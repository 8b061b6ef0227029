"""Pre-allocation, determination and allocation (issuance) of allowances (issue 7 items 2-4):
the writes and the reads behind the batch and allocation pages.

Each step is a batch of a province, year and sector, drafted (and refreshed while a draft) by
the province's staff, submitted, and approved by a different staff member; a submitted batch
can be returned to draft with a comment. What the draft computes per covered enterprise (the
province's active units of the plan's sector, in the market) is stored on its Allocation with
the lines and every input (quotas.inputs), so `recompute` gives the same figures from the
stored inputs alone. An enterprise whose data is missing is kept in the batch with the missing
item named; a batch with such an enterprise cannot be submitted.

- Pre-allocation: from the plan's basis year's verified data. Approval meets the calendar's
  pre-allocation obligation of each enterprise and makes its PDF notice available.
- Determination: from the compliance year's confirmed verification (VerifiedFigures): the
  determined allowances, the approved pre-allocation and the enterprise's pending adjustments
  give to_issue = determined − pre-allocated − adjustments (negative: to withdraw). Approval
  nets the adjustments (netted_in), meets the determination obligations and opens the
  enterprise's review window (plan.review_window_days working days).
- Allocation: the issuance of the approved determination (issued = to_issue, on the date
  recorded), once the determination can no longer change (the review window closed and no
  review awaiting a decision); approval meets the allocation obligations.
- Review: an enterprise asks within the window; staff decide within theirs, finally. Upheld,
  the determination returns to draft for the staff to redo it.

Every write takes the acting user, runs in one transaction with the batch locked, and audits
each figure it changes (before/after).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import recipients, scoping
from core import audit
from core.errors import DomainError, PermissionDenied
from core.models import AuditAction, AuditEvent, target_label
from deadlines import services as deadlines
from deadlines.models import Notification, NotificationKind, ObligationKind
from quotas import calculation, inputs
from quotas.models import (
    Adjustment,
    Allocation,
    AllocationBatch,
    AllocationPlan,
    AllocationReview,
    BatchStatus,
    PreAllocationBasis,
    ReviewStatus,
    Step,
)
from units.models import Enterprise, EnterpriseStatus, Province
from verification.workdays import add_working_days

BATCH_FIELDS = (
    "status",
    "prepared_by",
    "submitted_by",
    "submitted_at",
    "approved_by",
    "approved_at",
)
ISSUE_FIELDS = ("issued", "issued_on")
REVIEW_FIELDS = ("status", "decision", "decided_by", "decided_at")
BATCH_OF_STEP = {
    Step.PRE_ALLOCATION: "pre_allocation_batch",
    Step.DETERMINATION: "determination_batch",
    Step.ALLOCATION: "allocation_batch",
}
OBLIGATION_OF_STEP = {
    Step.PRE_ALLOCATION: ObligationKind.PRE_ALLOCATION,
    Step.DETERMINATION: ObligationKind.DETERMINATION,
    Step.ALLOCATION: ObligationKind.ALLOCATION,
}


# --- who may act ----------------------------------------------------------------------------------


def _require_staff(actor: scoping.Actor, province_id: int) -> None:
    """Allocation is the provincial department's: province-wide staff (or administrators)."""
    if not (actor.is_administrator or scoping.staff_covers(actor, province_id, None)):
        raise PermissionDenied(_("Only the province's staff can work on its allocation."))


def _lock(actor: scoping.Actor, batch: AllocationBatch) -> AllocationBatch:
    locked = scoping.get_visible(
        actor,
        AllocationBatch.objects.select_for_update(of=("self",)).select_related("province"),
        pk=batch.pk,
    )
    _require_staff(actor, locked.province_id)
    return locked


def _require_status(batch: AllocationBatch, status: str) -> None:
    if batch.status == status:
        return
    if batch.status == BatchStatus.APPROVED:
        raise DomainError(_("This batch is approved; its figures are final."))
    if status == BatchStatus.DRAFT:
        raise DomainError(
            _("The batch is with its approver; it can be changed once returned to draft.")
        )
    raise DomainError(
        _("The batch is %(status)s; this step is not possible now.")
        % {"status": batch.get_status_display()}
    )


def may_approve(actor: scoping.Actor, batch: AllocationBatch) -> bool:
    """The second pair of eyes: staff of the province who neither prepared nor submitted it."""
    if batch.status != BatchStatus.SUBMITTED or actor.user is None:
        return False
    if not (actor.is_administrator or scoping.staff_covers(actor, batch.province_id, None)):
        return False
    return actor.user.pk not in (batch.prepared_by_id, batch.submitted_by_id)


def _record_batch(
    actor, batch: AllocationBatch, before: dict, *, action=AuditAction.STATUS, note=""
):
    audit.record(
        actor=actor.user,
        action=action,
        target=batch,
        tenant_code=batch.province.code,
        changes=audit.diff(before, audit.snapshot(batch, BATCH_FIELDS)),
        note=note,
    )


# --- what a draft reads ---------------------------------------------------------------------------


def plan_for(year: int, sector: str) -> AllocationPlan:
    plan = AllocationPlan.objects.prefetch_related("benchmarks").filter(year=year, sector=sector)
    found = plan.first()
    if found is None:
        raise DomainError(
            _("There is no %(year)d allocation plan for this sector; an administrator enters it.")
            % {"year": year},
            field="sector",
        )
    return found


def covered_enterprises(province: Province, sector: str) -> list[Enterprise]:
    """The province's active units of the sector in the trading market, facilities prefetched."""
    return list(
        Enterprise.objects.filter(
            province=province,
            status=EnterpriseStatus.ACTIVE,
            industry__sector=sector,
            industry__is_market_sector=True,
        )
        .select_related("province")
        .prefetch_related("facilities")
        .order_by("name_zh", "pk")
    )


def _batch_of(province: Province, year: int, sector: str, step: str) -> AllocationBatch | None:
    return AllocationBatch.objects.filter(
        province=province, year=year, sector=sector, step=step
    ).first()


def _open_draft(actor, province: Province, year: int, sector: str, step: str):
    """The draft batch of the step, created if there is none; refused once submitted. Drafting
    is serialised per province (its row locked) so two staff cannot create the batch twice."""
    Province.objects.select_for_update().filter(pk=province.pk).first()
    batch = (
        AllocationBatch.objects.select_for_update()
        .select_related("province")
        .filter(province=province, year=year, sector=sector, step=step)
        .first()
    )
    if batch is None:
        batch = AllocationBatch.objects.create(
            province=province, year=year, sector=sector, step=step, prepared_by=actor.user
        )
        _record_batch(actor, batch, {}, action=AuditAction.CREATE)
        return batch
    _require_status(batch, BatchStatus.DRAFT)
    if batch.prepared_by_id != actor.user.pk:
        before = audit.snapshot(batch, BATCH_FIELDS)
        batch.prepared_by = actor.user
        batch.save(update_fields=["prepared_by", "updated_at"])
        _record_batch(actor, batch, before, action=AuditAction.UPDATE)
    return batch


def _allocations_for(year: int, enterprises: list[Enterprise], batch_field: str, batch) -> dict:
    """The year's allocations of the covered enterprises and those already in the batch,
    locked, by enterprise id."""
    rows = (
        Allocation.objects.select_for_update(of=("self",))
        .filter(
            Q(year=year, enterprise__in=[e.pk for e in enterprises]) | Q(**{batch_field: batch})
        )
        # The plan too: the audit snapshot names it.
        .select_related("enterprise", "plan")
    )
    return {row.enterprise_id: row for row in rows}


def _lines(result: calculation.Result | None) -> list[dict]:
    return [line.as_json() for line in result.lines] if result else []


def _save_allocations(actor, batch, rows: list[tuple], fields: tuple, model_fields: list):
    """Create or update the allocations (rows of allocation, figures before, is new), auditing
    each that is new or whose figures changed."""
    now = timezone.now()
    for allocation, _before, is_new in rows:
        if not is_new:
            allocation.updated_at = now
    Allocation.objects.bulk_create([row[0] for row in rows if row[2]])
    Allocation.objects.bulk_update(
        [row[0] for row in rows if not row[2]], [*model_fields, "updated_at"]
    )
    events = []
    for allocation, before, is_new in rows:
        after = {**audit.snapshot(allocation, fields), "missing": _missing_of(allocation, batch)}
        changes = audit.diff(before, after)
        if changes or is_new:
            events.append(
                audit.build(
                    actor=actor.user,
                    action=AuditAction.CALCULATE,
                    target=allocation,
                    tenant_code=batch.province.code,
                    changes=changes,
                    note=f"quotas.allocationbatch:{batch.pk} {batch.step}",
                )
            )
    audit.record_many(events)


def _missing_of(allocation: Allocation, batch: AllocationBatch) -> str:
    stored = (
        allocation.pre_allocation_inputs
        if batch.step == Step.PRE_ALLOCATION
        else allocation.determination_inputs
    )
    return "; ".join((stored or {}).get("missing", []))


def _summary(batch: AllocationBatch) -> dict:
    field = {
        Step.PRE_ALLOCATION: "pre_allocated",
        Step.DETERMINATION: "to_issue",
        Step.ALLOCATION: "issued",
    }[batch.step]
    rows = Allocation.objects.filter(**{BATCH_OF_STEP[batch.step]: batch})
    figures = rows.aggregate(units=Count("pk"), total=Sum(field))
    total = figures["total"]
    return {"units": figures["units"], "total": None if total is None else str(total)}


def _release(actor, batch: AllocationBatch, allocations: list[Allocation], step_fields: dict):
    """Take allocations of enterprises no longer covered out of the draft batch (audited)."""
    events = []
    for allocation in allocations:
        before = audit.snapshot(allocation, tuple(step_fields))
        for name, value in step_fields.items():
            setattr(allocation, name, value)
        allocation.save(update_fields=[*step_fields, "updated_at"])
        events.append(
            audit.build(
                actor=actor.user,
                action=AuditAction.CALCULATE,
                target=allocation,
                tenant_code=batch.province.code,
                changes=audit.diff(before, audit.snapshot(allocation, tuple(step_fields))),
                note=f"quotas.allocationbatch:{batch.pk} no longer covered",
            )
        )
    audit.record_many(events)


@dataclass(frozen=True)
class StepFields:
    """What a drafted step writes on an Allocation: the figures audited, every field saved,
    and the values that take an enterprise no longer covered out of the draft."""

    audited: tuple
    saved: tuple
    cleared: dict


PRE_ALLOCATION_FIELDS = StepFields(
    audited=("plan", "pre_allocated"),
    saved=(
        "plan",
        "pre_allocated",
        "pre_allocation_lines",
        "pre_allocation_inputs",
        "pre_allocation_batch",
    ),
    cleared={
        "pre_allocated": None,
        "pre_allocation_lines": [],
        "pre_allocation_inputs": {},
        "pre_allocation_batch": None,
    },
)
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


def _covered(province: Province, sector: str) -> list[Enterprise]:
    enterprises = covered_enterprises(province, sector)
    if not enterprises:
        raise DomainError(
            _("The province has no active unit of this sector in the market."), field="sector"
        )
    return enterprises


def _calculate(actor, batch, plan, *, data_year: int, fields: StepFields, fill) -> None:
    """Compute the step for every covered enterprise from the data year's verified data:
    `fill(allocation, rules, inputs, result)` sets the step's figures, lines and inputs. New
    and changed figures are audited; enterprises no longer covered leave the draft."""
    enterprises = _covered(batch.province, batch.sector)
    rules = inputs.rules_of(plan)
    gathered = inputs.gather(plan, enterprises, data_year=data_year)
    batch_field = BATCH_OF_STEP[batch.step]
    existing = _allocations_for(batch.year, enterprises, batch_field, batch)
    formula = (
        (lambda d: calculation.pre_allocate(rules, d.facilities, basis_emissions=d.emissions))
        if batch.step == Step.PRE_ALLOCATION
        else (lambda d: calculation.allocate(rules, d.facilities, verified_emissions=d.emissions))
    )
    rows = []
    for enterprise in enterprises:
        allocation = existing.pop(enterprise.pk, None) or Allocation(
            enterprise=enterprise, year=batch.year, plan=plan
        )
        in_batch = getattr(allocation, f"{batch_field}_id") == batch.pk
        before = {
            **audit.snapshot(allocation, fields.audited),
            "missing": _missing_of(allocation, batch) if in_batch else "",
        }
        data = gathered[enterprise.pk]
        allocation.plan = plan
        fill(allocation, rules, data, _compute(data, formula))
        setattr(allocation, batch_field, batch)
        rows.append((allocation, before, allocation.pk is None))
    _save_allocations(actor, batch, rows, fields.audited, list(fields.saved))
    _release(actor, batch, list(existing.values()), fields.cleared)
    _record_calculated(actor, batch, plan)


def _compute(data: inputs.EnterpriseInputs, formula) -> calculation.Result | None:
    """The figure, or None with the missing item named in the inputs."""
    if data.missing:
        return None
    try:
        return formula(data)
    except calculation.MissingData as error:
        data.missing.append(str(error))
        return None


def _record_calculated(actor, batch: AllocationBatch, plan: AllocationPlan) -> None:
    audit.record(
        actor=actor.user,
        action=AuditAction.CALCULATE,
        target=batch,
        tenant_code=batch.province.code,
        changes={"summary": {"before": None, "after": _summary(batch)}},
        note=f"plan {plan.year} {plan.sector}",
    )


# --- pre-allocation -------------------------------------------------------------------------------


@transaction.atomic
def draft_pre_allocation(
    *, actor: scoping.Actor, province: Province, year: int, sector: str
) -> AllocationBatch:
    """Draft (or refresh the draft of) the pre-allocation of the province's covered units:
    the plan's ratio of its formula on the basis year's verified data (or of the basis year's
    verified emissions), per facility and summed per enterprise."""
    _require_staff(actor, province.pk)
    plan = plan_for(year, sector)
    if plan.pre_allocation_basis == PreAllocationBasis.NONE:
        raise DomainError(
            _("The %(year)d plan of this sector has no pre-allocation.") % {"year": year},
            field="step",
        )
    if _batch_of(province, year, sector, Step.DETERMINATION) is not None:
        raise DomainError(
            _("The determination of this sector and year has begun: the pre-allocation is final.")
        )
    batch = _open_draft(actor, province, year, sector, Step.PRE_ALLOCATION)

    def fill(allocation, rules, data, result):
        allocation.pre_allocated = result.total if result else None
        allocation.pre_allocation_lines = _lines(result)
        allocation.pre_allocation_inputs = inputs.as_inputs_json(plan, rules, data)

    _calculate(
        actor, batch, plan, data_year=plan.basis_year, fields=PRE_ALLOCATION_FIELDS, fill=fill
    )
    return batch


# --- determination --------------------------------------------------------------------------------


@transaction.atomic
def draft_determination(
    *, actor: scoping.Actor, province: Province, year: int, sector: str
) -> AllocationBatch:
    """Draft (or refresh) the determination from the year's confirmed verification: the
    determined allowances, and the true-up against the approved pre-allocation and the pending
    adjustments (to_issue; negative: to withdraw)."""
    _require_staff(actor, province.pk)
    plan = plan_for(year, sector)
    pre_batch = _batch_of(province, year, sector, Step.PRE_ALLOCATION)
    if pre_batch is not None and pre_batch.status != BatchStatus.APPROVED:
        raise DomainError(_("Approve the pre-allocation of this sector and year first."))
    issuance = _batch_of(province, year, sector, Step.ALLOCATION)
    if issuance is not None and issuance.status == BatchStatus.APPROVED:
        raise DomainError(_("The allowances of this sector and year are issued already."))
    batch = _open_draft(actor, province, year, sector, Step.DETERMINATION)
    pending = _pending_adjustments(
        year, enterprise__province=province, enterprise__industry__sector=sector
    )

    def fill(allocation, rules, data, result):
        adjustments = pending.get(allocation.enterprise_id, [])
        _determine(allocation, plan, rules, data, result, adjustments, pre_batch)

    _calculate(actor, batch, plan, data_year=year, fields=DETERMINATION_FIELDS, fill=fill)
    return batch


def _pending_adjustments(year: int, **enterprises) -> dict[int, list[Adjustment]]:
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


def _determine(allocation, plan, rules, data, result, adjustments, pre_batch) -> None:
    """Set the determination's figures, lines and inputs on the allocation."""
    counted = pre_batch is not None and allocation.pre_allocation_batch_id == pre_batch.pk
    pre_allocated = allocation.pre_allocated if counted and allocation.pre_allocated else Decimal(0)
    netted = sum((a.tonnes for a in adjustments), Decimal(0))
    stored = inputs.as_inputs_json(plan, rules, data)
    stored["pre_allocated"] = format(pre_allocated, "f")
    stored["pre_allocation_batch"] = str(pre_batch.public_id) if counted else None
    stored["adjustments"] = [_adjustment_json(a) for a in adjustments]
    allocation.determination_inputs = stored
    allocation.determination_lines = _lines(result)
    allocation.determined = result.total if result else None
    allocation.adjustments = netted if result else Decimal(0)
    allocation.to_issue = true_up(result.total, pre_allocated, netted) if result else None


def true_up(determined: Decimal, pre_allocated: Decimal, adjustments: Decimal) -> Decimal:
    """What is still to issue (negative: to withdraw)."""
    return determined - pre_allocated - adjustments


# --- allocation (issuance) ------------------------------------------------------------------------


def _approved_determination(province_id: int, year: int, sector: str) -> AllocationBatch:
    batch = (
        AllocationBatch.objects.select_related("province")
        .filter(province=province_id, year=year, sector=sector, step=Step.DETERMINATION)
        .first()
    )
    if batch is None or batch.status != BatchStatus.APPROVED:
        raise DomainError(_("Approve the determination of this sector and year first."))
    return batch


@transaction.atomic
def draft_allocation(
    *, actor: scoping.Actor, province: Province, year: int, sector: str
) -> AllocationBatch:
    """Draft the issuance of the approved determination: its allocations, to be issued."""
    _require_staff(actor, province.pk)
    determination = _approved_determination(province.pk, year, sector)
    batch = _open_draft(actor, province, year, sector, Step.ALLOCATION)
    allocations = list(
        Allocation.objects.select_for_update(of=("self",))
        .filter(Q(determination_batch=determination) | Q(allocation_batch=batch))
        .select_related("enterprise")
    )
    events = []
    for allocation in allocations:
        before = audit.snapshot(allocation, ("allocation_batch",))
        allocation.allocation_batch = (
            batch if allocation.determination_batch_id == determination.pk else None
        )
        if allocation.allocation_batch is None:
            allocation.issued, allocation.issued_on = None, None
        after = audit.snapshot(allocation, ("allocation_batch",))
        if before != after:
            events.append(_allocation_event(actor, batch, allocation, before, after))
    Allocation.objects.bulk_update(allocations, ["allocation_batch", "issued", "issued_on"])
    audit.record_many(events)
    _record_calculated(actor, batch, plan_for(year, sector))
    return batch


def _allocation_event(actor, batch, allocation, before, after, action=AuditAction.UPDATE):
    return audit.build(
        actor=actor.user,
        action=action,
        target=allocation,
        tenant_code=batch.province.code,
        changes=audit.diff(before, after),
        note=f"quotas.allocationbatch:{batch.pk} {batch.step}",
    )


def review_closes(determination: AllocationBatch, plan: AllocationPlan) -> date | None:
    """The last day an enterprise may ask for a review of the approved determination."""
    if determination.approved_at is None:
        return None
    approved_on = timezone.localdate(determination.approved_at)
    return add_working_days(approved_on, plan.review_window_days)


def _require_determination_final(determination: AllocationBatch, on: date) -> None:
    """Issuance waits until the determination can no longer change: its review window has
    closed and no review awaits a decision."""
    plan = plan_for(determination.year, determination.sector)
    closes = review_closes(determination, plan)
    if closes is not None and on <= closes:
        raise DomainError(
            _(
                "The units may ask for a review of the determination until %(date)s: the "
                "allowances are issued after that day."
            )
            % {"date": closes.isoformat()},
            field="issued_on",
        )
    waiting = AllocationReview.objects.filter(
        allocation__determination_batch=determination, status=ReviewStatus.FILED
    ).select_related("allocation__enterprise")
    names = [review.allocation.enterprise.name_zh for review in waiting]
    if names:
        raise DomainError(
            _("A review awaits a decision (%(units)s): decide it before the issuance.")
            % {"units": "、".join(names)}
        )


@transaction.atomic
def record_issuance(*, actor: scoping.Actor, batch: AllocationBatch, issued_on: date | None):
    """Record the issuance of the draft allocation batch: issued = to_issue, on that date."""
    batch = _lock(actor, batch)
    if batch.step != Step.ALLOCATION:
        raise DomainError(_("Only an allocation batch records an issuance."))
    _require_status(batch, BatchStatus.DRAFT)
    if issued_on is None:
        raise DomainError(_("Give the date of the issuance."), field="issued_on")
    if issued_on > timezone.localdate():
        raise DomainError(_("The issuance date cannot be in the future."), field="issued_on")
    determination = _approved_determination(batch.province_id, batch.year, batch.sector)
    _require_determination_final(determination, issued_on)
    allocations = list(
        Allocation.objects.select_for_update(of=("self",))
        .filter(allocation_batch=batch)
        .select_related("enterprise")
    )
    if not allocations:
        raise DomainError(_("The batch has no allocation to issue."))
    events = []
    for allocation in allocations:
        before = audit.snapshot(allocation, ISSUE_FIELDS)
        allocation.issued, allocation.issued_on = allocation.to_issue, issued_on
        after = audit.snapshot(allocation, ISSUE_FIELDS)
        if before != after:
            events.append(_allocation_event(actor, batch, allocation, before, after))
    Allocation.objects.bulk_update(allocations, ["issued", "issued_on"])
    audit.record_many(events)
    before = audit.snapshot(batch, BATCH_FIELDS)
    batch.prepared_by = actor.user
    batch.save(update_fields=["prepared_by", "updated_at"])
    _record_batch(actor, batch, before, action=AuditAction.UPDATE, note=f"issued on {issued_on}")
    return batch


# --- the workflow ---------------------------------------------------------------------------------


def allocations_in(batch: AllocationBatch) -> QuerySet[Allocation]:
    return Allocation.objects.filter(**{BATCH_OF_STEP[batch.step]: batch})


@transaction.atomic
def submit_batch(*, actor: scoping.Actor, batch: AllocationBatch) -> AllocationBatch:
    """Send the draft to a second staff member: every covered unit computed (none missing),
    and for an issuance, its date recorded."""
    batch = _lock(actor, batch)
    _require_status(batch, BatchStatus.DRAFT)
    allocations = list(allocations_in(batch).select_related("enterprise"))
    if not allocations:
        raise DomainError(_("The batch has no allocation yet: draft it first."))
    missing = [a.enterprise.name_zh for a in allocations if _missing_of(a, batch)]
    if batch.step != Step.ALLOCATION and missing:
        raise DomainError(
            _("Data are missing for %(units)s: complete them and recalculate before submitting.")
            % {"units": "、".join(missing)}
        )
    if batch.step == Step.ALLOCATION and any(a.issued_on is None for a in allocations):
        raise DomainError(_("Record the issuance before submitting."), field="issued_on")
    before = audit.snapshot(batch, BATCH_FIELDS)
    batch.status = BatchStatus.SUBMITTED
    batch.submitted_by = actor.user
    batch.submitted_at = timezone.now()
    batch.save(update_fields=["status", "submitted_by", "submitted_at", "updated_at"])
    _record_batch(actor, batch, before)
    return batch


@transaction.atomic
def return_batch(*, actor: scoping.Actor, batch: AllocationBatch, comment: str) -> AllocationBatch:
    batch = _lock(actor, batch)
    if not (comment or "").strip():
        raise DomainError(_("Say what needs changing."), field="comment")
    _require_status(batch, BatchStatus.SUBMITTED)
    before = audit.snapshot(batch, BATCH_FIELDS)
    batch.status = BatchStatus.DRAFT
    batch.submitted_at = None
    batch.save(update_fields=["status", "submitted_at", "updated_at"])
    _record_batch(actor, batch, before, note=comment.strip())
    return batch


@transaction.atomic
def approve_batch(*, actor: scoping.Actor, batch: AllocationBatch) -> AllocationBatch:
    """The second pair of eyes approves: the figures become final and the step's calendar
    obligation of each enterprise is met (a determination also nets the adjustments it
    counted)."""
    batch = _lock(actor, batch)
    _require_status(batch, BatchStatus.SUBMITTED)
    if actor.user.pk in (batch.prepared_by_id, batch.submitted_by_id):
        raise DomainError(
            _(
                "The batch must be approved by a staff member other than the one who "
                "prepared or submitted it."
            )
        )
    allocations = list(
        allocations_in(batch).select_for_update(of=("self",)).select_related("enterprise")
    )
    now = timezone.now()
    if batch.step == Step.DETERMINATION:
        _net_adjustments(actor, batch, allocations)
    if batch.step == Step.ALLOCATION:
        _check_issuance(batch, allocations, timezone.localdate(now))
    before = audit.snapshot(batch, BATCH_FIELDS)
    batch.status = BatchStatus.APPROVED
    batch.approved_by = actor.user
    batch.approved_at = now
    batch.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    _record_batch(actor, batch, before)
    # The notice of year Y covers the compliance year Y-1: the period starts on its Jan 1.
    deadlines.fulfil_many(
        actor=actor,
        kind=OBLIGATION_OF_STEP[batch.step],
        enterprise_ids=[allocation.enterprise_id for allocation in allocations],
        period_start=date(batch.year, 1, 1),
        met_at=now,
        fulfilment=f"quotas.allocationbatch:{batch.pk}",
    )
    _notify(batch, allocations, timezone.localdate(now))
    return batch


NOTICE_FIGURE = {
    Step.PRE_ALLOCATION: "pre_allocated",
    Step.DETERMINATION: "determined",
    Step.ALLOCATION: "issued",
}


def _notify(batch: AllocationBatch, allocations: list[Allocation], approved_on: date) -> None:
    """Each unit's users are told the approved figure (with the review deadline after a
    determination), in their inbox and by e-mail."""
    users = recipients.enterprise_users(allocation.enterprise_id for allocation in allocations)
    plan = plan_for(batch.year, batch.sector)
    approval = int(batch.approved_at.timestamp())
    review_until = (
        add_working_days(approved_on, plan.review_window_days).isoformat()
        if batch.step == Step.DETERMINATION
        else None
    )
    notices = []
    for allocation in allocations:
        context = {
            "step": batch.step,
            "year": batch.year,
            "allocation": str(allocation.public_id),
            "tonnes": format(getattr(allocation, NOTICE_FIGURE[batch.step]) or 0, ","),
        }
        if batch.step == Step.DETERMINATION:
            context["window_days"] = plan.review_window_days
            context["review_until"] = review_until
        if batch.step == Step.ALLOCATION and allocation.issued_on:
            context["issued_on"] = allocation.issued_on.isoformat()
        notices += [
            Notification(
                recipient_id=user_id,
                kind=NotificationKind.ALLOCATION_NOTICE,
                context=context,
                dedupe_key=f"allocation:{batch.pk}:{allocation.pk}:{approval}:{user_id}",
            )
            for user_id in users.get(allocation.enterprise_id, ())
        ]
    deadlines.notify_many(notices)


def _net_adjustments(actor, batch: AllocationBatch, allocations: list[Allocation]) -> None:
    """Mark the adjustments each determination counted as netted in it; refused if the pending
    adjustments changed since the draft."""
    pending = _pending_adjustments(
        batch.year, enterprise__in=[allocation.enterprise_id for allocation in allocations]
    )
    events = []
    for allocation in allocations:
        counted = {row["id"] for row in allocation.determination_inputs.get("adjustments", [])}
        rows = pending.get(allocation.enterprise_id, [])
        if counted != {row.pk for row in rows}:
            raise DomainError(
                _(
                    "The pending adjustments of %(unit)s changed since the draft: return it "
                    "and recalculate."
                )
                % {"unit": allocation.enterprise.name_zh}
            )
        for adjustment in rows:
            adjustment.netted_in = allocation
            events.append(
                audit.build(
                    actor=actor.user,
                    action=AuditAction.UPDATE,
                    target=adjustment,
                    tenant_code=batch.province.code,
                    changes={"netted_in": {"before": None, "after": str(allocation)}},
                    note=f"quotas.allocationbatch:{batch.pk}",
                )
            )
    Adjustment.objects.bulk_update(
        [row for rows in pending.values() for row in rows], ["netted_in"]
    )
    audit.record_many(events)


def _check_issuance(batch: AllocationBatch, allocations: list[Allocation], today: date) -> None:
    determination = _approved_determination(batch.province_id, batch.year, batch.sector)
    _require_determination_final(determination, today)
    for allocation in allocations:
        if (
            allocation.determination_batch_id != determination.pk
            or allocation.issued != allocation.to_issue
        ):
            raise DomainError(
                _(
                    "The determination of %(unit)s changed since the issuance was recorded: "
                    "return it and record the issuance again."
                )
                % {"unit": allocation.enterprise.name_zh}
            )


# --- reviews --------------------------------------------------------------------------------------


def _lock_allocation(actor: scoping.Actor, allocation: Allocation) -> Allocation:
    return scoping.get_visible(
        actor,
        Allocation.objects.select_for_update(of=("self",)).select_related(
            "enterprise__province", "determination_batch", "plan"
        ),
        pk=allocation.pk,
    )


@dataclass(frozen=True)
class ReviewWindow:
    opens: date
    closes: date
    days: int


def review_window(allocation: Allocation) -> ReviewWindow | None:
    """From the determination's approval, review_window_days working days (Measures art. 16)."""
    determination = allocation.determination_batch
    if determination is None or determination.status != BatchStatus.APPROVED:
        return None
    closes = review_closes(determination, allocation.plan)
    return ReviewWindow(
        timezone.localdate(determination.approved_at), closes, allocation.plan.review_window_days
    )


@transaction.atomic
def request_review(
    *, actor: scoping.Actor, allocation: Allocation, grounds: str
) -> AllocationReview:
    """The enterprise asks for a review of its determination, within the window."""
    allocation = _lock_allocation(actor, allocation)
    if allocation.enterprise_id not in actor.enterprise_ids:
        raise PermissionDenied(_("Only the enterprise's own users can ask for a review."))
    window = review_window(allocation)
    if window is None:
        raise DomainError(_("There is no approved determination to review yet."))
    if not (grounds or "").strip():
        raise DomainError(_("Give the grounds of the request."), field="grounds")
    reviews = allocation.reviews.all()
    if reviews.filter(status=ReviewStatus.FILED).exists():
        raise DomainError(_("A request for review already awaits a decision."))
    if reviews.exists():
        raise DomainError(_("The review of this allocation was decided; the decision is final."))
    today = timezone.localdate()
    if today > window.closes:
        raise DomainError(
            _(
                "The review window closed on %(date)s (%(days)d working days after the "
                "determination of %(approved)s)."
            )
            % {
                "date": window.closes.isoformat(),
                "days": window.days,
                "approved": window.opens.isoformat(),
            },
            field="grounds",
        )
    review = AllocationReview.objects.create(
        allocation=allocation,
        grounds=grounds.strip(),
        filed_by=actor.user,
        filed_on=today,
        decide_by=add_working_days(today, allocation.plan.decision_window_days),
    )
    audit.record(
        actor=actor.user,
        action=AuditAction.CREATE,
        target=review,
        tenant_code=allocation.enterprise.province.code,
        changes=audit.diff({}, audit.snapshot(review, ("grounds", "filed_on", "decide_by"))),
    )
    return review


@transaction.atomic
def decide_review(
    *, actor: scoping.Actor, review: AllocationReview, upheld: bool, decision: str
) -> AllocationReview:
    """Staff decide, finally. Upheld, the determination returns to draft for them to redo."""
    review = scoping.get_visible(
        actor,
        AllocationReview.objects.select_for_update(of=("self",)).select_related(
            "allocation__enterprise__province", "allocation__determination_batch"
        ),
        pk=review.pk,
    )
    enterprise = review.allocation.enterprise
    _require_staff(actor, enterprise.province_id)
    if review.status != ReviewStatus.FILED:
        raise DomainError(_("This review was decided; the decision is final."))
    if not (decision or "").strip():
        raise DomainError(_("Give the decision and its reasons."), field="decision")
    before = audit.snapshot(review, REVIEW_FIELDS)
    review.status = ReviewStatus.UPHELD if upheld else ReviewStatus.REJECTED
    review.decision = decision.strip()
    review.decided_by = actor.user
    review.decided_at = timezone.now()
    review.save(update_fields=[*REVIEW_FIELDS, "updated_at"])
    audit.record(
        actor=actor.user,
        action=AuditAction.STATUS,
        target=review,
        tenant_code=enterprise.province.code,
        changes=audit.diff(before, audit.snapshot(review, REVIEW_FIELDS)),
    )
    if upheld:
        _reopen_determination(actor, review)
    return review


def _reopen_determination(actor, review: AllocationReview) -> None:
    """The determination back to draft (unless already), its netted adjustments pending again."""
    batch = _lock(actor, review.allocation.determination_batch)
    if batch.status == BatchStatus.DRAFT:
        return
    before = audit.snapshot(batch, BATCH_FIELDS)
    batch.status = BatchStatus.DRAFT
    batch.submitted_at = batch.approved_at = batch.approved_by = None
    batch.save(update_fields=["status", "submitted_at", "approved_at", "approved_by", "updated_at"])
    _record_batch(actor, batch, before, note=f"review upheld: quotas.allocationreview:{review.pk}")
    netted = list(
        Adjustment.objects.select_for_update()
        .filter(netted_in__determination_batch=batch)
        .select_related("netted_in__enterprise")
    )
    events = [
        audit.build(
            actor=actor.user,
            action=AuditAction.UPDATE,
            target=adjustment,
            tenant_code=batch.province.code,
            changes={"netted_in": {"before": str(adjustment.netted_in), "after": None}},
            note=f"quotas.allocationbatch:{batch.pk} returned to draft",
        )
        for adjustment in netted
    ]
    Adjustment.objects.filter(pk__in=[a.pk for a in netted]).update(netted_in=None)
    audit.record_many(events)


# --- recomputation --------------------------------------------------------------------------------


def recompute(allocation: Allocation) -> dict:
    """pre_allocated, determined, adjustments and to_issue from the allocation's stored inputs
    alone (no database read): equal to the stored figures when nothing was altered."""
    figures = {
        "pre_allocated": None,
        "determined": None,
        "adjustments": Decimal(0),
        "to_issue": None,
    }
    pre = allocation.pre_allocation_inputs or {}
    if pre.get("rules") and not pre.get("missing"):
        figures["pre_allocated"] = calculation.pre_allocate(
            inputs.rules_from_json(pre["rules"]),
            inputs.facilities_from_json(pre["facilities"]),
            basis_emissions=_decimal(pre["emissions"]),
        ).total
    stored = allocation.determination_inputs or {}
    if stored.get("rules") and not stored.get("missing"):
        determined = calculation.allocate(
            inputs.rules_from_json(stored["rules"]),
            inputs.facilities_from_json(stored["facilities"]),
            verified_emissions=_decimal(stored["emissions"]),
        ).total
        netted = sum((Decimal(row["tonnes"]) for row in stored["adjustments"]), Decimal(0))
        figures["determined"] = determined
        figures["adjustments"] = netted
        figures["to_issue"] = true_up(determined, Decimal(stored["pre_allocated"]), netted)
    return figures


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


# --- reads ----------------------------------------------------------------------------------------


def provinces_to_allocate(*, actor: scoping.Actor) -> QuerySet[Province]:
    """Provinces whose batches the actor may draft: province-wide staff's own, or all for
    administrators."""
    if actor.is_administrator:
        return Province.objects.order_by("code")
    own = [province for province, city in actor.staff_scopes if city is None]
    return Province.objects.filter(pk__in=own).order_by("code")


def _per_batch(field: str, aggregate) -> Subquery:
    rows = (
        Allocation.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(value=aggregate)
        .values("value")
    )
    return Subquery(rows)


def _by_step(aggregate, output_field) -> Case:
    return Case(
        *[
            When(step=step, then=_per_batch(field, aggregate))
            for step, field in BATCH_OF_STEP.items()
        ],
        output_field=output_field,
    )


def batches_for(
    *, actor: scoping.Actor, province_code: str = "", year: int | None = None
) -> QuerySet[AllocationBatch]:
    """The batches the actor may see (of a province and year if given), with their number of
    units and total tonnes."""
    batches = scoping.visible(actor, AllocationBatch).select_related(
        "province", "prepared_by", "approved_by"
    )
    if province_code:
        batches = batches.filter(province__code=province_code)
    if year is not None:
        batches = batches.filter(year=year)
    total = Case(
        When(
            step=Step.PRE_ALLOCATION, then=_per_batch("pre_allocation_batch", Sum("pre_allocated"))
        ),
        When(step=Step.DETERMINATION, then=_per_batch("determination_batch", Sum("to_issue"))),
        When(step=Step.ALLOCATION, then=_per_batch("allocation_batch", Sum("issued"))),
        output_field=DecimalField(max_digits=18, decimal_places=0),
    )
    return batches.annotate(
        units=Coalesce(_by_step(Count("pk"), IntegerField()), 0), total=total
    ).order_by("-year", "province__code", "sector", "step")


def batch_detail(*, actor: scoping.Actor, public_id) -> AllocationBatch:
    return scoping.get_visible(
        actor,
        AllocationBatch.objects.select_related("province", "prepared_by", "approved_by"),
        public_id=public_id,
    )


def allocations_of(*, actor: scoping.Actor, batch: AllocationBatch) -> QuerySet[Allocation]:
    return (
        scoping.visible(actor, allocations_in(batch))
        .select_related("enterprise")
        .order_by("enterprise__name_zh", "pk")
    )


def allocation_detail(*, actor: scoping.Actor, public_id) -> Allocation:
    return scoping.get_visible(
        actor,
        Allocation.objects.select_related(
            "enterprise__province",
            "plan",
            "pre_allocation_batch",
            "determination_batch",
            "allocation_batch",
        ),
        public_id=public_id,
    )


def reviews_of(*, actor: scoping.Actor, allocation: Allocation) -> QuerySet[AllocationReview]:
    return (
        scoping.visible(actor, AllocationReview)
        .filter(allocation=allocation)
        .select_related("filed_by", "decided_by")
        .order_by("-filed_on", "-pk")
    )


def review_to_decide(*, actor: scoping.Actor, public_id) -> AllocationReview:
    return scoping.get_visible(
        actor,
        AllocationReview.objects.select_related("allocation__enterprise"),
        public_id=public_id,
    )


def netted_adjustments(allocation: Allocation) -> list[dict]:
    """The adjustments the determination counted, as stored in its inputs."""
    return list((allocation.determination_inputs or {}).get("adjustments", []))


def history(*, actor: scoping.Actor, batch: AllocationBatch) -> QuerySet[AuditEvent]:
    scoping.get_visible(actor, AllocationBatch, pk=batch.pk)
    return AuditEvent.objects.filter(
        target_type=target_label(AllocationBatch), target_id=str(batch.pk)
    ).order_by("-occurred_at", "-pk")


def allocation_history(*, actor: scoping.Actor, allocation: Allocation) -> QuerySet[AuditEvent]:
    """The allocation's figure changes and its reviews' events (staff and ministry only see
    the trail; it names staff)."""
    if not (actor.staff_scopes or actor.sees_all_provinces):
        return AuditEvent.objects.none()
    review_ids = allocation.reviews.order_by().values(key=Cast("pk", CharField()))
    return AuditEvent.objects.filter(
        Q(target_type=target_label(Allocation), target_id=str(allocation.pk))
        | Q(target_type=target_label(AllocationReview), target_id__in=review_ids)
    ).order_by("-occurred_at", "-pk")
