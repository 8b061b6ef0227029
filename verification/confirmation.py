"""The province's decision on a verification conclusion (domain-facts §8.2 steps 7-8): confirm
it, which makes the verified figures final exactly once, meets the calendar's verification
obligation and tells the enterprise the result and its objection window (computed by
verification.objections), or return it to the verifiers.

Who decides: the provincial staff covering the unit (its province, or its city for city-bound
staff). One transaction per decision, the assignment locked, every change audited."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import scoping
from accounts.models import Membership, Role
from core import audit
from core.errors import DomainError, NotFound, PermissionDenied
from core.models import AuditAction
from deadlines import services as deadlines
from deadlines.models import NotificationKind, ObligationKind
from units.models import AnnualEmissions, EmissionsSource
from verification.activity_items import activity_rule
from verification.models import (
    Assignment,
    AssignmentStatus,
    VerifiedFigures,
)
from verification.objections import objection_window

AUDITED = ("status", "review_comment", "times_returned", "confirmed_at")
FIGURES_AUDITED = ("emissions", "activity", "confirmed_on")


def _lock(actor: scoping.Actor, assignment: Assignment) -> Assignment:
    """The concluded assignment locked for update, if the actor is staff covering the unit."""
    try:
        locked = scoping.visible(
            actor,
            Assignment.objects.select_for_update(of=("self",)).select_related(
                "enterprise__province", "enterprise__industry", "institution"
            ),
        ).get(pk=assignment.pk)
    except Assignment.DoesNotExist:
        raise NotFound("not found") from None
    if not is_reviewer(actor, locked):
        raise PermissionDenied(
            _("Only the provincial department's staff confirm or return a conclusion.")
        )
    if locked.status == AssignmentStatus.CONFIRMED:
        raise DomainError(_("This verification is already confirmed."))
    if locked.status != AssignmentStatus.CONCLUDED:
        raise DomainError(_("Only a submitted conclusion can be confirmed or returned."))
    return locked


def is_reviewer(actor: scoping.Actor, assignment: Assignment) -> bool:
    enterprise = assignment.enterprise
    return scoping.staff_covers(actor, enterprise.province_id, enterprise.city_id)


def _activity(assignment: Assignment) -> list[dict]:
    """Per facility, in the order of the sector's items (generation before heat)."""
    order = [item.code for item in activity_rule(assignment.enterprise.industry.sector).items]
    rows = sorted(
        assignment.activity.select_related("facility"),
        key=lambda row: (
            row.facility.name,
            order.index(row.item_code) if row.item_code in order else len(order),
        ),
    )
    return [
        {
            "facility": row.facility_id,
            "facility_name": row.facility.name,
            "item": row.item_code,
            "value": format(row.value, "f"),
            "unit": row.unit,
        }
        for row in rows
    ]


def _figures(actor, assignment: Assignment, confirmed_on: date) -> VerifiedFigures:
    if VerifiedFigures.objects.filter(
        enterprise=assignment.enterprise, year=assignment.year
    ).exists():
        raise DomainError(
            _("Verified figures for this unit and year exist already: they are written once.")
        )
    figures = VerifiedFigures.objects.create(
        assignment=assignment,
        enterprise=assignment.enterprise,
        year=assignment.year,
        emissions=assignment.verified_emissions,
        activity=_activity(assignment),
        confirmed_on=confirmed_on,
    )
    audit.record(
        actor=actor.user,
        action=AuditAction.CREATE,
        target=figures,
        tenant_code=assignment.enterprise.province.code,
        changes=audit.diff({}, audit.snapshot(figures, FIGURES_AUDITED)),
        note=f"verification.assignment:{assignment.pk}",
    )
    return figures


def _verified_emissions(actor, figures: VerifiedFigures) -> AnnualEmissions:
    """The year's verified figure in the unit's emissions history becomes the confirmed one."""
    row = (
        AnnualEmissions.objects.select_for_update()
        .filter(enterprise=figures.enterprise, year=figures.year, source=EmissionsSource.VERIFIED)
        .first()
    )
    before = {"direct_emissions": None if row is None else str(row.direct_emissions)}
    if row is None:
        row = AnnualEmissions(
            enterprise=figures.enterprise, year=figures.year, source=EmissionsSource.VERIFIED
        )
    row.direct_emissions = figures.emissions
    row.save()
    audit.record(
        actor=actor.user,
        action=AuditAction.UPDATE if before["direct_emissions"] else AuditAction.CREATE,
        target=row,
        tenant_code=figures.enterprise.province.code,
        changes=audit.diff(before, {"direct_emissions": str(row.direct_emissions)}),
        note=f"verification.verifiedfigures:{figures.pk}",
    )
    return row


def _enterprise_users(assignment: Assignment) -> list[int]:
    return list(
        Membership.objects.filter(
            role=Role.ENTERPRISE_USER, enterprise=assignment.enterprise_id, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def _facts(assignment: Assignment) -> dict:
    return {
        "enterprise": assignment.enterprise.name_zh,
        "year": assignment.year,
        "assignment": str(assignment.public_id),
    }


@transaction.atomic
def confirm(*, actor: scoping.Actor, assignment: Assignment) -> VerifiedFigures:
    """Confirm the conclusion: the verified emissions and activity data become final (once),
    the unit's verified emissions for the year are written, the verification obligation is met,
    and the enterprise's users are told the result and until when they may object."""
    assignment = _lock(actor, assignment)
    now = timezone.now()
    confirmed_on = timezone.localdate(now)
    before = audit.snapshot(assignment, AUDITED)
    assignment.status = AssignmentStatus.CONFIRMED
    assignment.confirmed_at = now
    assignment.confirmed_by = actor.user
    assignment.save(update_fields=["status", "confirmed_at", "confirmed_by", "updated_at"])
    audit.record(
        actor=actor.user,
        action=AuditAction.STATUS,
        target=assignment,
        tenant_code=assignment.enterprise.province.code,
        changes=audit.diff(before, audit.snapshot(assignment, AUDITED)),
    )
    figures = _figures(actor, assignment, confirmed_on)
    _verified_emissions(actor, figures)
    deadlines.fulfil(
        actor=actor,
        kind=ObligationKind.VERIFICATION,
        enterprise=assignment.enterprise,
        period_start=date(assignment.year, 1, 1),
        met_at=now,
        fulfilment=f"verification.assignment:{assignment.pk}",
    )
    window = objection_window(assignment)
    deadlines.notify(
        user_ids=_enterprise_users(assignment),
        kind=NotificationKind.VERIFICATION_RESULT,
        context={
            **_facts(assignment),
            "emissions": format(figures.emissions, "f"),
            "objection_until": window.closes.isoformat(),
            "window_days": window.days,
        },
        dedupe_key=f"verification-result:{assignment.public_id}",
    )
    return figures


def _verifiers(assignment: Assignment) -> list[int]:
    """The team and whoever submitted the conclusion, while they are still the institution's
    verifiers."""
    people = {user.pk for user in assignment.team.all()}
    if assignment.concluded_by_id:
        people.add(assignment.concluded_by_id)
    return list(
        Membership.objects.filter(
            role=Role.VERIFIER,
            institution=assignment.institution_id,
            user__in=people,
            user__is_active=True,
        )
        .values_list("user_id", flat=True)
        .distinct()
    )


@transaction.atomic
def return_conclusion(*, actor: scoping.Actor, assignment: Assignment, comment: str) -> Assignment:
    """Send the conclusion back to the verifiers with what they must correct."""
    assignment = _lock(actor, assignment)
    if not (comment or "").strip():
        raise DomainError(_("Say what the verifiers must correct."), field="comment")
    before = audit.snapshot(assignment, AUDITED)
    assignment.status = AssignmentStatus.RETURNED
    assignment.review_comment = comment.strip()
    assignment.times_returned += 1
    assignment.save(update_fields=["status", "review_comment", "times_returned", "updated_at"])
    audit.record(
        actor=actor.user,
        action=AuditAction.STATUS,
        target=assignment,
        tenant_code=assignment.enterprise.province.code,
        changes=audit.diff(before, audit.snapshot(assignment, AUDITED)),
    )
    deadlines.notify(
        user_ids=_verifiers(assignment),
        kind=NotificationKind.VERIFICATION_RETURNED,
        context={**_facts(assignment), "comment": assignment.review_comment},
        dedupe_key=f"verification-returned:{assignment.public_id}:{assignment.times_returned}",
    )
    return assignment
