"""Allocation (issuance) of allowances (issue 7 item 4): the issuance of the approved
determination (issued = to_issue, on the date recorded), once the determination can no longer
change (the review window closed and no review awaiting a decision). Approval
(quotas.batch_workflow) meets the allocation obligations.
"""

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import scoping
from core import audit
from core.errors import DomainError
from core.models import AuditAction
from quotas.allocation_reviews import review_closes
from quotas.batch_access import (
    BATCH_FIELDS,
    lock_batch,
    record_batch,
    require_staff,
    require_status,
)
from quotas.drafting import open_draft, plan_for, record_calculated
from quotas.models import (
    Allocation,
    AllocationBatch,
    AllocationReview,
    BatchStatus,
    ReviewStatus,
    Step,
)
from units.models import Province

ISSUE_FIELDS = ("issued", "issued_on")


def approved_determination(province_id: int, year: int, sector: str) -> AllocationBatch:
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
    require_staff(actor, province.pk)
    determination = approved_determination(province.pk, year, sector)
    batch = open_draft(actor, province, year, sector, Step.ALLOCATION)
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
    record_calculated(actor, batch, plan_for(year, sector))
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


def require_determination_final(determination: AllocationBatch, on: date) -> None:
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
    batch = lock_batch(actor, batch)
    if batch.step != Step.ALLOCATION:
        raise DomainError(_("Only an allocation batch records an issuance."))
    require_status(batch, BatchStatus.DRAFT)
    if issued_on is None:
        raise DomainError(_("Give the date of the issuance."), field="issued_on")
    if issued_on > timezone.localdate():
        raise DomainError(_("The issuance date cannot be in the future."), field="issued_on")
    determination = approved_determination(batch.province_id, batch.year, batch.sector)
    require_determination_final(determination, issued_on)
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
    record_batch(actor, batch, before, action=AuditAction.UPDATE, note=f"issued on {issued_on}")
    return batch
