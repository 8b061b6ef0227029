"""Staff spot checks of confirmed verifications: recording one, and the reads of the spot-check
page. A deviation found counts against the institution's quality in the next evaluation that
covers the report (`verification.evaluation_figures`). The write takes the acting user, runs in
one transaction and is audited; the reads are scoped through accounts.scoping."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import scoping
from core import audit
from core.errors import DomainError, PermissionDenied
from core.models import AuditAction
from verification.models import Assignment, AssignmentStatus, SpotCheck

SPOT_CHECK_FIELDS = ("assignment", "checked_on", "deviation_found", "deviation_tonnes", "note")


@transaction.atomic
def record_spot_check(
    *,
    actor: scoping.Actor,
    assignment: Assignment,
    checked_on: date | None,
    deviation_found: bool,
    deviation_tonnes: Decimal | None,
    note: str,
) -> SpotCheck:
    """Record a staff spot check of a confirmed verification; a deviation found counts against
    the institution's quality in the next evaluation that covers the report."""
    assignment = scoping.get_visible(
        actor,
        Assignment.objects.select_for_update(of=("self",)).select_related("enterprise"),
        pk=assignment.pk,
    )
    enterprise = assignment.enterprise
    if not (
        actor.is_administrator
        or scoping.staff_covers(actor, enterprise.province_id, enterprise.city_id)
    ):
        raise PermissionDenied(_("Only the province's staff can record spot checks."))
    if assignment.status != AssignmentStatus.CONFIRMED:
        raise DomainError(_("Only a confirmed verification can be spot-checked."))
    _check_spot_check(assignment, checked_on, deviation_found, deviation_tonnes, note)
    spot_check = SpotCheck.objects.create(
        assignment=assignment,
        checked_on=checked_on,
        deviation_found=deviation_found,
        deviation_tonnes=deviation_tonnes,
        note=note.strip(),
        recorded_by=actor.user,
    )
    audit.record(
        actor=actor.user,
        action=AuditAction.CREATE,
        target=spot_check,
        tenant_code=enterprise.province.code,
        changes=audit.diff({}, audit.snapshot(spot_check, SPOT_CHECK_FIELDS)),
    )
    return spot_check


def _check_spot_check(assignment, checked_on, deviation_found, deviation_tonnes, note) -> None:
    if checked_on is None:
        raise DomainError(_("Give the date of the spot check."), field="checked_on")
    if checked_on > timezone.localdate():
        raise DomainError(_("The spot check date cannot be in the future."), field="checked_on")
    if assignment.confirmed_at and checked_on < timezone.localdate(assignment.confirmed_at):
        raise DomainError(
            _("A spot check cannot predate the confirmation of the verification (%(day)s).")
            % {"day": timezone.localdate(assignment.confirmed_at).isoformat()},
            field="checked_on",
        )
    if deviation_tonnes is not None and deviation_tonnes < 0:
        raise DomainError(_("The deviation cannot be negative."), field="deviation_tonnes")
    if deviation_found and not note.strip():
        raise DomainError(
            _("Describe the deviation found: it counts against the institution."), field="note"
        )


def assignment_for_spot_check(*, actor: scoping.Actor, public_id) -> Assignment:
    return scoping.get_visible(
        actor,
        Assignment.objects.select_related("enterprise__province", "institution"),
        public_id=public_id,
    )


def spot_checks_of(*, actor: scoping.Actor, assignment: Assignment) -> QuerySet[SpotCheck]:
    return (
        scoping.visible(actor, SpotCheck)
        .filter(assignment=assignment)
        .select_related("recorded_by")
        .order_by("-checked_on", "-pk")
    )
