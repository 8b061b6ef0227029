"""The verifier's work on an assignment (domain-facts §8.2): document review, on-site check,
non-conformities and their rectification, verified activity data per facility, verified
emissions, and the conclusion.

Who acts: any verifier of the assigned institution, not only the team members. The institution
is what the province commissioned and what is evaluated; the team records who worked on it, and
a team change (illness, rotation inside the institution) must not stop the work. Work is
recorded while the assignment is assigned or returned; once the conclusion is submitted it waits
for the province. Every write is one transaction that locks the assignment and is audited.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import recipients, scoping
from core import audit
from core.errors import DomainError, NotFound, PermissionDenied
from core.models import AuditAction
from deadlines import services as deadlines
from deadlines.models import NotificationKind
from units.models import Facility
from verification.activity_items import ActivityItem, activity_rule
from verification.models import (
    Assignment,
    AssignmentStatus,
    NonConformity,
    NonConformityStatus,
    VerifiedActivity,
)

AUDITED = (
    "status",
    "document_review",
    "document_reviewed_on",
    "site_visit",
    "site_visited_on",
    "verified_emissions",
    "conclusion",
    "conservative_basis",
    "concluded_at",
)
NON_CONFORMITY_AUDITED = ("item_code", "description", "status", "rectification", "closed_on")
WORKABLE = (AssignmentStatus.ASSIGNED, AssignmentStatus.RETURNED)
CENT = Decimal("0.01")
EMISSIONS_LIMIT = Decimal(10) ** 12  # the field's 14 digits with 2 decimals
ACTIVITY_LIMIT = Decimal(10) ** 14  # 18 digits with 4 decimals


@dataclass(frozen=True)
class ActivityRow:
    """One verified figure as the verifier enters it."""

    facility: Facility
    item_code: str
    value: Decimal
    unit: str


@dataclass(frozen=True)
class RequiredRow:
    facility: Facility
    item: ActivityItem


def required_rows(assignment: Assignment) -> list[RequiredRow]:
    """Every (facility, item) the conclusion needs, in registry order."""
    rule = activity_rule(assignment.enterprise.industry.sector)
    facilities = Facility.objects.filter(enterprise=assignment.enterprise_id).order_by("name")
    if rule.categories:
        facilities = facilities.filter(category__in=rule.categories)
    return [RequiredRow(facility, item) for facility in facilities for item in rule.items]


class ConclusionRefused(DomainError):
    """The conclusion cannot be submitted yet; `reasons` says everything still missing."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(" ".join(reasons))
        self.reasons = reasons


def _lock(actor: scoping.Actor, assignment: Assignment) -> Assignment:
    """The assignment locked for update, if the actor is a verifier of its institution and
    it is open for work."""
    try:
        locked = scoping.visible(
            actor,
            Assignment.objects.select_for_update(of=("self",)).select_related(
                "enterprise__province", "enterprise__industry"
            ),
        ).get(pk=assignment.pk)
    except Assignment.DoesNotExist:
        raise NotFound("not found") from None
    is_verifier = locked.institution_id in actor.institution_ids
    if is_verifier and locked.status == AssignmentStatus.WITHDRAWN:
        raise NotFound("not found")  # withdrawn work is no longer the institution's to see
    if not is_verifier:
        raise PermissionDenied(_("Only the assigned institution's verifiers record verification."))
    if locked.status not in WORKABLE:
        raise DomainError(
            _(
                "The conclusion was submitted: the work can change again only if the "
                "provincial department returns it."
            )
        )
    return locked


def _record(actor, assignment, before, *, action=AuditAction.UPDATE, note=""):
    audit.record(
        actor=actor.user,
        action=action,
        target=assignment,
        tenant_code=assignment.enterprise.province.code,
        changes=audit.diff(before, audit.snapshot(assignment, AUDITED)),
        note=note,
    )


def _text(value: str, *, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    return value


def _past_date(value: date | None, *, field: str) -> date:
    if value is None:
        raise DomainError(_("Enter the date."), field=field)
    if value > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), field=field)
    return value


@transaction.atomic
def record_document_review(
    *, actor: scoping.Actor, assignment: Assignment, text: str, reviewed_on: date | None
) -> Assignment:
    """The document review (文件评审): what was reviewed and found, and when."""
    assignment = _lock(actor, assignment)
    before = audit.snapshot(assignment, AUDITED)
    assignment.document_review = _text(
        text, field="text", message=_("Describe the document review.")
    )
    assignment.document_reviewed_on = _past_date(reviewed_on, field="date")
    assignment.save(update_fields=["document_review", "document_reviewed_on", "updated_at"])
    _record(actor, assignment, before)
    return assignment


@transaction.atomic
def record_site_visit(
    *, actor: scoping.Actor, assignment: Assignment, text: str, visited_on: date | None
) -> Assignment:
    """The on-site check (现场核查): what was checked, asked, looked at and tested, and when."""
    assignment = _lock(actor, assignment)
    before = audit.snapshot(assignment, AUDITED)
    assignment.site_visit = _text(text, field="text", message=_("Describe the on-site check."))
    assignment.site_visited_on = _past_date(visited_on, field="date")
    assignment.save(update_fields=["site_visit", "site_visited_on", "updated_at"])
    _record(actor, assignment, before)
    return assignment


@transaction.atomic
def raise_non_conformity(
    *, actor: scoping.Actor, assignment: Assignment, item_code: str, description: str
) -> NonConformity:
    assignment = _lock(actor, assignment)
    non_conformity = NonConformity.objects.create(
        assignment=assignment,
        item_code=(item_code or "").strip()[:60],
        description=_text(
            description, field="description", message=_("Describe the non-conformity.")
        ),
    )
    audit.record(
        actor=actor.user,
        action=AuditAction.CREATE,
        target=non_conformity,
        tenant_code=assignment.enterprise.province.code,
        changes=audit.diff({}, audit.snapshot(non_conformity, NON_CONFORMITY_AUDITED)),
        note=f"verification.assignment:{assignment.pk}",
    )
    return non_conformity


@transaction.atomic
def close_non_conformity(
    *,
    actor: scoping.Actor,
    non_conformity: NonConformity,
    status: str,
    rectification: str,
    closed_on: date | None,
) -> NonConformity:
    """Record whether the enterprise rectified it. A closed one may be closed again with a
    different outcome while the work is open (the province may return the conclusion over it).
    """
    assignment = _lock(actor, non_conformity.assignment)
    try:
        non_conformity = NonConformity.objects.select_for_update().get(
            pk=non_conformity.pk, assignment=assignment
        )
    except NonConformity.DoesNotExist:
        raise NotFound("not found") from None
    if status not in (NonConformityStatus.RECTIFIED, NonConformityStatus.NOT_RECTIFIED):
        raise DomainError(_("Choose rectified or not rectified."), field="status")
    before = audit.snapshot(non_conformity, NON_CONFORMITY_AUDITED)
    non_conformity.status = status
    non_conformity.rectification = _text(
        rectification,
        field="rectification",
        message=_("Say how it was rectified, or why it was not."),
    )
    non_conformity.closed_on = _past_date(closed_on, field="closed_on")
    non_conformity.save()
    audit.record(
        actor=actor.user,
        action=AuditAction.STATUS,
        target=non_conformity,
        tenant_code=assignment.enterprise.province.code,
        changes=audit.diff(before, audit.snapshot(non_conformity, NON_CONFORMITY_AUDITED)),
    )
    return non_conformity


def _activity_snapshot(assignment: Assignment) -> list[str]:
    return [
        f"{row.facility.name} {row.item_code} {row.value} {row.unit}"
        for row in assignment.activity.select_related("facility").order_by(
            "facility__name", "item_code"
        )
    ]


def _checked_rows(assignment: Assignment, rows: Iterable[ActivityRow]) -> list[ActivityRow]:
    """The rows, each checked against the sector's items and the unit's facilities; the first
    bad one is named (row numbers from 1)."""
    items = {item.code: item for item in activity_rule(assignment.enterprise.industry.sector).items}
    seen, checked = set(), []
    for number, row in enumerate(rows, start=1):
        facts = {"row": number}
        if row.facility.enterprise_id != assignment.enterprise_id:
            raise DomainError(_("Row %(row)d: the facility is not this unit's.") % facts)
        item = items.get(row.item_code)
        if item is None:
            raise DomainError(
                _("Row %(row)d: %(item)s is not an activity item of this sector.")
                % {**facts, "item": row.item_code}
            )
        if (row.facility.pk, row.item_code) in seen:
            raise DomainError(_("Row %(row)d repeats a facility and item.") % facts)
        seen.add((row.facility.pk, row.item_code))
        value = row.value
        if value is None or not value.is_finite() or value < 0 or value >= ACTIVITY_LIMIT:
            raise DomainError(_("Row %(row)d: enter a number of zero or more.") % facts)
        if value != value.quantize(Decimal("0.0001")):
            raise DomainError(_("Row %(row)d: at most four decimal places.") % facts)
        if row.unit != item.unit:
            raise DomainError(
                _("Row %(row)d: %(item)s is recorded in %(unit)s.")
                % {**facts, "item": item.label, "unit": item.unit}
            )
        checked.append(row)
    return checked


@transaction.atomic
def record_activity(
    *, actor: scoping.Actor, assignment: Assignment, rows: Iterable[ActivityRow]
) -> list[VerifiedActivity]:
    """Replace the verified activity data with these rows (a row left out is removed)."""
    assignment = _lock(actor, assignment)
    rows = _checked_rows(assignment, rows)
    before = _activity_snapshot(assignment)
    assignment.activity.all().delete()
    created = VerifiedActivity.objects.bulk_create(
        VerifiedActivity(
            assignment=assignment,
            facility=row.facility,
            item_code=row.item_code,
            value=row.value,
            unit=row.unit,
        )
        for row in rows
    )
    audit.record(
        actor=actor.user,
        action=AuditAction.UPDATE,
        target=assignment,
        tenant_code=assignment.enterprise.province.code,
        changes=audit.diff(
            {"verified_activity": before},
            {"verified_activity": _activity_snapshot(assignment)},
        ),
    )
    return created


@transaction.atomic
def set_verified_emissions(
    *, actor: scoping.Actor, assignment: Assignment, emissions: Decimal | None
) -> Assignment:
    assignment = _lock(actor, assignment)
    if emissions is None or not emissions.is_finite() or emissions < 0:
        raise DomainError(_("Enter the verified emissions, zero or more."), field="emissions")
    if emissions != emissions.quantize(CENT) or emissions >= EMISSIONS_LIMIT:
        raise DomainError(
            _("Enter tonnes with at most two decimal places and 12 digits before the point."),
            field="emissions",
        )
    before = audit.snapshot(assignment, AUDITED)
    assignment.verified_emissions = emissions
    assignment.save(update_fields=["verified_emissions", "updated_at"])
    _record(actor, assignment, before)
    return assignment


def missing_for_conclusion(assignment: Assignment, *, conservative_basis: str = "") -> list[str]:
    """Everything that still stands in the way of the conclusion, in the reader's words."""
    reasons = []
    if not (assignment.document_review and assignment.document_reviewed_on):
        reasons.append(_("The document review is not recorded."))
    if not (assignment.site_visit and assignment.site_visited_on):
        reasons.append(_("The on-site check is not recorded."))
    if assignment.verified_emissions is None:
        reasons.append(_("The verified emissions are not entered."))
    required = required_rows(assignment)
    if not required:
        reasons.append(
            _(
                "The unit has no facility in the registry that needs verified activity data: "
                "ask the provincial department to register its facilities."
            )
        )
    recorded = set(assignment.activity.values_list("facility_id", "item_code"))
    for row in required:
        if (row.facility.pk, row.item.code) not in recorded:
            reasons.append(
                _("Verified activity data missing: %(facility)s, %(item)s.")
                % {"facility": row.facility.name, "item": row.item.label}
            )
    non_conformities = list(assignment.non_conformities.all())
    for non_conformity in non_conformities:
        if non_conformity.status == NonConformityStatus.OPEN:
            reasons.append(
                _("Non-conformity still open: %(what)s.") % {"what": str(non_conformity)}
            )
    not_rectified = any(nc.status == NonConformityStatus.NOT_RECTIFIED for nc in non_conformities)
    if not_rectified and not conservative_basis.strip():
        reasons.append(
            _(
                "A non-conformity was not rectified: give the basis of the conservative "
                "estimate of the emissions and data."
            )
        )
    return reasons


@transaction.atomic
def submit_conclusion(
    *, actor: scoping.Actor, assignment: Assignment, conclusion: str, conservative_basis: str = ""
) -> Assignment:
    """Submit the conclusion (核查结论) to the province; refused, with every reason at once,
    while the work is incomplete."""
    assignment = _lock(actor, assignment)
    reasons = missing_for_conclusion(assignment, conservative_basis=conservative_basis)
    if not (conclusion or "").strip():
        reasons.append(_("Write the conclusion."))
    if reasons:
        raise ConclusionRefused(reasons)
    before = audit.snapshot(assignment, AUDITED)
    assignment.conclusion = conclusion.strip()
    assignment.conservative_basis = conservative_basis.strip()
    assignment.status = AssignmentStatus.CONCLUDED
    assignment.concluded_at = timezone.now()
    assignment.concluded_by = actor.user
    assignment.save(
        update_fields=[
            "conclusion",
            "conservative_basis",
            "status",
            "concluded_at",
            "concluded_by",
            "updated_at",
        ]
    )
    _record(actor, assignment, before, action=AuditAction.STATUS)
    _notify_staff(assignment)
    return assignment


def _notify_staff(assignment: Assignment) -> None:
    enterprise = assignment.enterprise
    deadlines.notify(
        user_ids=recipients.staff_users(
            province_id=enterprise.province_id, city_id=enterprise.city_id
        ),
        kind=NotificationKind.CONCLUSION_SUBMITTED,
        context={
            "enterprise": enterprise.name_zh,
            "year": assignment.year,
            "assignment": str(assignment.public_id),
            "institution": assignment.institution.name_zh,
            "emissions": format(assignment.verified_emissions, ","),
        },
        dedupe_key=f"concluded:{assignment.pk}:{assignment.times_returned}",
    )
