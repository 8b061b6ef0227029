"""Review of a determination (Measures art. 16): the enterprise asks within the window
(plan.review_window_days working days from the determination's approval); the province's staff
decide within theirs (plan.decision_window_days), finally. Upheld, the determination returns to
draft for the staff to redo it, the adjustments it netted pending again. Every write is one
transaction, audited.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import scoping
from core import audit
from core.errors import DomainError, PermissionDenied
from core.models import AuditAction
from quotas.batch_access import BATCH_FIELDS, lock_batch, record_batch, require_staff
from quotas.models import (
    Adjustment,
    Allocation,
    AllocationBatch,
    AllocationPlan,
    AllocationReview,
    BatchStatus,
    ReviewStatus,
)
from verification.workdays import add_working_days

REVIEW_FIELDS = ("status", "decision", "decided_by", "decided_at")


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


def review_closes(determination: AllocationBatch, plan: AllocationPlan) -> date | None:
    """The last day an enterprise may ask for a review of the approved determination."""
    if determination.approved_at is None:
        return None
    approved_on = timezone.localdate(determination.approved_at)
    return add_working_days(approved_on, plan.review_window_days)


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
    require_staff(actor, enterprise.province_id)
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
    batch = lock_batch(actor, review.allocation.determination_batch)
    if batch.status == BatchStatus.DRAFT:
        return
    before = audit.snapshot(batch, BATCH_FIELDS)
    batch.status = BatchStatus.DRAFT
    batch.submitted_at = batch.approved_at = batch.approved_by = None
    batch.save(update_fields=["status", "submitted_at", "approved_at", "approved_by", "updated_at"])
    record_batch(actor, batch, before, note=f"review upheld: quotas.allocationreview:{review.pk}")
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
