"""What every step of an allocation batch shares: who may work on it (the province's staff,
province-wide, or administrators), the batch locked for a write with its status required, the
audit event of a batch's change (before/after), and which Allocation field links each step's
batch.

Each step (quotas.pre_allocation, quotas.determination, quotas.issuance) is a batch of a
province, year and sector, drafted (and refreshed while a draft) by the province's staff,
submitted, and approved by a different staff member (quotas.batch_workflow); a submitted batch
can be returned to draft with a comment.
"""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts import scoping
from core import audit, four_eyes
from core.errors import PermissionDenied
from core.models import AuditAction
from quotas.models import BATCH_OF_STEP, Allocation, AllocationBatch, BatchStatus

BATCH_FIELDS = (
    "status",
    "prepared_by",
    "submitted_by",
    "submitted_at",
    "approved_by",
    "approved_at",
)


def require_staff(actor: scoping.Actor, province_id: int) -> None:
    """Allocation is the provincial department's: province-wide staff (or administrators)."""
    if not (actor.is_administrator or scoping.staff_covers(actor, province_id, None)):
        raise PermissionDenied(_("Only the province's staff can work on its allocation."))


def lock_batch(actor: scoping.Actor, batch: AllocationBatch) -> AllocationBatch:
    locked = scoping.get_visible(
        actor,
        AllocationBatch.objects.select_for_update(of=("self",)).select_related("province"),
        pk=batch.pk,
    )
    require_staff(actor, locked.province_id)
    return locked


def require_status(batch: AllocationBatch, status: str) -> None:
    four_eyes.require_status(
        batch,
        status,
        otherwise=_("The batch is %(status)s; this step is not possible now."),
        explanations={
            BatchStatus.APPROVED: _("This batch is approved; its figures are final."),
            BatchStatus.SUBMITTED: _(
                "The batch is with its approver; it can be changed once returned to draft."
            ),
        },
    )


def record_batch(
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


def allocations_in(batch: AllocationBatch) -> QuerySet[Allocation]:
    return Allocation.objects.filter(**{BATCH_OF_STEP[batch.step]: batch})
