"""The workflow of an allocation batch: the draft submitted (every covered unit computed, none
missing; for an issuance, its date recorded), returned to draft with a comment, or approved by
the second pair of eyes, a staff member of the province who neither prepared nor submitted it.
Approval makes the figures final, meets the step's calendar obligation of each enterprise and
tells each unit's users the approved figure; a determination's approval also nets the
adjustments it counted, and an issuance is approved only once its determination is final and
unchanged since the issuance was recorded.

Every write takes the acting user, runs in one transaction with the batch locked, and audits
what it changes (before/after).
"""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import recipients, scoping
from core import audit, four_eyes
from core.errors import DomainError
from core.models import AuditAction
from deadlines import services as deadlines
from deadlines.models import Notification, NotificationKind, ObligationKind
from quotas.batch_access import (
    BATCH_FIELDS,
    allocations_in,
    lock_batch,
    record_batch,
    require_status,
)
from quotas.determination import pending_adjustments
from quotas.drafting import missing_of, plan_for
from quotas.issuance import approved_determination, require_determination_final
from quotas.models import Adjustment, Allocation, AllocationBatch, BatchStatus, Step
from verification.workdays import add_working_days

OBLIGATION_OF_STEP = {
    Step.PRE_ALLOCATION: ObligationKind.PRE_ALLOCATION,
    Step.DETERMINATION: ObligationKind.DETERMINATION,
    Step.ALLOCATION: ObligationKind.ALLOCATION,
}


def may_approve(actor: scoping.Actor, batch: AllocationBatch) -> bool:
    """The second pair of eyes: staff of the province who neither prepared nor submitted it."""
    if batch.status != BatchStatus.SUBMITTED or actor.user is None:
        return False
    if not (actor.is_administrator or scoping.staff_covers(actor, batch.province_id, None)):
        return False
    return four_eyes.second_person(actor.user.pk, batch.prepared_by_id, batch.submitted_by_id)


@transaction.atomic
def submit_batch(*, actor: scoping.Actor, batch: AllocationBatch) -> AllocationBatch:
    """Send the draft to a second staff member: every covered unit computed (none missing),
    and for an issuance, its date recorded."""
    batch = lock_batch(actor, batch)
    require_status(batch, BatchStatus.DRAFT)
    allocations = list(allocations_in(batch).select_related("enterprise"))
    if not allocations:
        raise DomainError(_("The batch has no allocation yet: draft it first."))
    missing = [a.enterprise.name_zh for a in allocations if missing_of(a, batch)]
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
    record_batch(actor, batch, before)
    return batch


@transaction.atomic
def return_batch(*, actor: scoping.Actor, batch: AllocationBatch, comment: str) -> AllocationBatch:
    batch = lock_batch(actor, batch)
    if not (comment or "").strip():
        raise DomainError(_("Say what needs changing."), field="comment")
    require_status(batch, BatchStatus.SUBMITTED)
    before = audit.snapshot(batch, BATCH_FIELDS)
    batch.status = BatchStatus.DRAFT
    batch.submitted_at = None
    batch.save(update_fields=["status", "submitted_at", "updated_at"])
    record_batch(actor, batch, before, note=comment.strip())
    return batch


@transaction.atomic
def approve_batch(*, actor: scoping.Actor, batch: AllocationBatch) -> AllocationBatch:
    """The second pair of eyes approves: the figures become final and the step's calendar
    obligation of each enterprise is met (a determination also nets the adjustments it
    counted)."""
    batch = lock_batch(actor, batch)
    require_status(batch, BatchStatus.SUBMITTED)
    four_eyes.require_second_person(
        actor.user.pk,
        batch.prepared_by_id,
        batch.submitted_by_id,
        message=_(
            "The batch must be approved by a staff member other than the one who "
            "prepared or submitted it."
        ),
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
    record_batch(actor, batch, before)
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
    pending = pending_adjustments(
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
    determination = approved_determination(batch.province_id, batch.year, batch.sector)
    require_determination_final(determination, today)
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
