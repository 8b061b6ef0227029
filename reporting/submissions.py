"""The one state machine every reporting submission follows (monthly certifications, quality
control plans, annual emission reports): draft -> submitted -> returned | accepted ->
superseded. Who may act, locking, auditing, versions, submission and review live here; each
kind of submission adds only what is its own (its content, its checks, the calendar obligation
it meets)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import scoping
from core import audit
from core.errors import DomainError, NotFound, PermissionDenied
from core.models import AuditAction
from reporting.models import SubmissionStatus

STANDING = (SubmissionStatus.SUBMITTED, SubmissionStatus.RETURNED, SubmissionStatus.ACCEPTED)


def require_own(actor: scoping.Actor, enterprise_id: int) -> None:
    if enterprise_id not in actor.enterprise_ids:
        raise PermissionDenied(_("Only the enterprise's own users can do this."))


def is_reviewer(actor: scoping.Actor, record: models.Model) -> bool:
    """Provincial staff of the unit's province (or its city), or an administrator."""
    enterprise = record.enterprise
    return actor.is_administrator or scoping.staff_covers(
        actor, enterprise.province_id, enterprise.city_id
    )


def lock(actor: scoping.Actor, record: models.Model, *related: str) -> models.Model:
    """The record, locked for update, if the actor may see it; NotFound otherwise."""
    model = type(record)
    try:
        return scoping.visible(
            actor,
            model.objects.select_for_update(of=("self",)).select_related(
                "enterprise__province", *related
            ),
        ).get(pk=record.pk)
    except model.DoesNotExist:
        raise NotFound("not found") from None


def record_event(actor, record, before, audited, *, action=AuditAction.STATUS, note=""):
    audit.record(
        actor=actor.user,
        action=action,
        target=record,
        tenant_code=record.enterprise.province.code,
        changes=audit.diff(before, audit.snapshot(record, audited)),
        note=note,
    )


def next_version(versions: models.QuerySet) -> tuple[models.Model | None, int]:
    """The standing version a new draft corrects (if any), and the new draft's number."""
    standing = versions.filter(status__in=STANDING).first()
    latest = versions.order_by("-version").first()
    return standing, (latest.version + 1) if latest else 1


def mark_submitted(actor, record, audited) -> None:
    """Submit a checked draft: the version it corrects is superseded, both audited."""
    before = audit.snapshot(record, audited)
    previous = record.supersedes
    if previous is not None and previous.status in STANDING:
        previous_before = audit.snapshot(previous, audited)
        previous.status = SubmissionStatus.SUPERSEDED
        previous.save(update_fields=["status", "updated_at"])
        record_event(actor, previous, previous_before, audited, note=f"v{record.version}")
    record.status = SubmissionStatus.SUBMITTED
    record.submitted_at = timezone.now()
    record.submitted_by = actor.user
    record.save()
    record_event(actor, record, before, audited)


def review(actor, record, audited, *, status: str, comment: str, refusals: dict[str, str]):
    """Accept or return a submitted version (already locked), recording the comment.

    `refusals` holds the kind's own wording for "not a reviewer" and "not submitted".
    """
    if not is_reviewer(actor, record):
        raise PermissionDenied(refusals["reviewer"])
    if record.status != SubmissionStatus.SUBMITTED:
        raise DomainError(refusals["status"])
    before = audit.snapshot(record, audited)
    record.status = status
    record.review_comment = comment.strip()
    record.reviewed_at = timezone.now()
    record.reviewed_by = actor.user
    record.save()
    record_event(actor, record, before, audited)
    return record


def require_comment(comment: str) -> None:
    if not comment.strip():
        raise DomainError(_("Say what the enterprise must correct."), field="comment")
