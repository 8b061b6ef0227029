"""Assigning accepted annual reports to verification institutions, singly or in bulk, and
withdrawing an assignment; the reads of the assignment page: the reports waiting for an
institution, the institutions and the verifiers who may form a team.

A report is refused by the rules in `verification.assignment_rules`, with every reason said; a
bulk assignment saves all or nothing, each assignment with its deadline from
`verification.due_dates`. Every write is one transaction, audited; every read is scoped through
accounts.scoping, in a fixed number of queries."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import scoping
from accounts.models import Membership, Role
from core import audit
from core.errors import DomainError, NotFound, PermissionDenied
from core.models import AuditAction
from deadlines import services as deadlines
from deadlines.models import Notification, NotificationKind
from reporting.models import AnnualReport, SubmissionStatus
from units.models import City
from verification.assignment_rules import refusal_map
from verification.due_dates import due_dates
from verification.models import OPEN_ASSIGNMENT, Assignment, AssignmentStatus, Institution

AUDITED = ("report", "enterprise", "year", "institution", "status", "due_date")
WITHDRAWABLE = (AssignmentStatus.ASSIGNED, AssignmentStatus.CONCLUDED, AssignmentStatus.RETURNED)


@dataclass(frozen=True)
class Refused:
    report: AnnualReport
    reasons: list[str]


class AssignmentRefused(DomainError):
    """Nothing was assigned: each refused report with every reason."""

    def __init__(self, refused: list[Refused]) -> None:
        self.refused = refused
        lines = [
            f"{item.report.enterprise} {item.report.year}: {'; '.join(item.reasons)}"
            for item in refused
        ]
        heading = ngettext(
            "Nothing was assigned: %(count)d report cannot be assigned.",
            "Nothing was assigned: %(count)d reports cannot be assigned.",
            len(refused),
        ) % {"count": len(refused)}
        super().__init__(" ".join([heading, *lines]))


# Writes


def _locked_reports(actor: scoping.Actor, reports: Iterable[AnnualReport]) -> list[AnnualReport]:
    ids = {report.pk for report in reports}
    locked = list(
        scoping.visible(
            actor,
            AnnualReport.objects.select_for_update(of=("self",)).select_related(
                "enterprise__province", "enterprise__industry"
            ),
        )
        .filter(pk__in=ids)
        .order_by("enterprise__name_zh", "year", "pk")
    )
    if len(locked) != len(ids):
        raise NotFound("not found")
    for report in locked:
        enterprise = report.enterprise
        if not scoping.can_create(
            actor, Assignment, province_id=enterprise.province_id, city_id=enterprise.city_id
        ):
            raise PermissionDenied(
                _("Only provincial staff covering the unit can assign its verification.")
            )
    return locked


def _notice(assignment: Assignment, verifier_ids: list[int]) -> list[Notification]:
    context = {
        "enterprise": str(assignment.enterprise),
        "year": assignment.year,
        "assignment": str(assignment.public_id),
        "due_on": assignment.due_date.isoformat() if assignment.due_date else "",
    }
    return [
        Notification(
            recipient_id=user_id,
            kind=NotificationKind.VERIFICATION_ASSIGNED,
            context=context,
            dedupe_key=f"verification-assigned:{assignment.public_id}:{user_id}",
        )
        for user_id in verifier_ids
    ]


@transaction.atomic
def assign_many(
    *,
    actor: scoping.Actor,
    reports: Sequence[AnnualReport],
    institution: Institution,
    team: Sequence,
) -> list[Assignment]:
    """Assign the reports to the institution and its team, all or nothing: if any report is
    refused, nothing is saved and AssignmentRefused names every refused report with its
    reasons. The institution's verifiers are notified after commit."""
    if not reports:
        raise DomainError(_("Choose at least one report to assign."), field="reports")
    if not team:
        raise DomainError(
            _("Choose the team: at least one verifier of the institution."), field="team"
        )
    institution = scoping.get_visible(actor, Institution, pk=institution.pk)
    locked = _locked_reports(actor, reports)
    reasons = refusal_map(locked, institution, team)
    refused = [Refused(report, reasons[report.pk]) for report in locked if reasons[report.pk]]
    if refused:
        raise AssignmentRefused(refused)
    due = due_dates(locked)
    try:
        with transaction.atomic():
            assignments = Assignment.objects.bulk_create(
                [
                    Assignment(
                        report=report,
                        enterprise=report.enterprise,
                        year=report.year,
                        institution=institution,
                        due_date=due[report.pk],
                        assigned_by=actor.user,
                    )
                    for report in locked
                ]
            )
    except IntegrityError:
        # Another assignment of the same unit and year was saved meanwhile.
        raise DomainError(
            _("Some of these reports were assigned meanwhile: reload the page.")
        ) from None
    Assignment.team.through.objects.bulk_create(
        [
            Assignment.team.through(assignment_id=assignment.pk, user_id=member.pk)
            for assignment in assignments
            for member in team
        ]
    )
    team_names = sorted(member.get_username() for member in team)
    audit.record_many(
        [
            audit.build(
                actor=actor.user,
                action=AuditAction.CREATE,
                target=assignment,
                tenant_code=assignment.enterprise.province.code,
                changes=audit.diff({}, {**audit.snapshot(assignment, AUDITED), "team": team_names}),
            )
            for assignment in assignments
        ]
    )
    verifier_ids = list(
        Membership.objects.filter(
            role=Role.VERIFIER, institution=institution, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    deadlines.notify_many(
        [notice for assignment in assignments for notice in _notice(assignment, verifier_ids)]
    )
    return assignments


def assign(
    *, actor: scoping.Actor, report: AnnualReport, institution: Institution, team: Sequence
) -> Assignment:
    """Assign one report (see assign_many)."""
    return assign_many(actor=actor, reports=[report], institution=institution, team=team)[0]


@transaction.atomic
def withdraw(*, actor: scoping.Actor, assignment: Assignment, reason: str) -> Assignment:
    """Take an assignment back from the institution, with the reason, until its conclusion is
    confirmed; the unit's report can then be assigned again."""
    try:
        locked = scoping.visible(
            actor,
            Assignment.objects.select_for_update(of=("self",)).select_related(
                "enterprise__province", "institution"
            ),
        ).get(pk=assignment.pk)
    except Assignment.DoesNotExist:
        raise NotFound("not found") from None
    if not scoping.can_change(actor, locked):
        raise PermissionDenied(_("Only provincial staff covering the unit can withdraw it."))
    if not reason.strip():
        raise DomainError(_("Say why the assignment is withdrawn."), field="reason")
    if locked.status == AssignmentStatus.CONFIRMED:
        raise DomainError(_("The conclusion is confirmed: the assignment cannot be withdrawn."))
    if locked.status not in WITHDRAWABLE:
        raise DomainError(_("This assignment is already withdrawn."))
    before = audit.snapshot(locked, AUDITED)
    locked.status = AssignmentStatus.WITHDRAWN
    locked.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor.user,
        action=AuditAction.STATUS,
        target=locked,
        tenant_code=locked.enterprise.province.code,
        changes=audit.diff(before, audit.snapshot(locked, AUDITED)),
        note=reason.strip(),
    )
    return locked


# Reads


@dataclass(frozen=True)
class AssignableFilters:
    year: int | None = None
    sector: str = ""
    city: City | None = None


def assignable_reports(
    *, actor: scoping.Actor, filters: AssignableFilters
) -> QuerySet[AnnualReport]:
    """Accepted reports the actor may see that no institution holds."""
    held = Assignment.objects.filter(
        enterprise=OuterRef("enterprise"), year=OuterRef("year"), status__in=OPEN_ASSIGNMENT
    )
    reports = (
        scoping.visible(actor, AnnualReport)
        .filter(status=SubmissionStatus.ACCEPTED)
        .exclude(Exists(held))
        .select_related("enterprise__province", "enterprise__city", "enterprise__industry")
        .order_by("-year", "enterprise__city__name_zh", "enterprise__name_zh", "pk")
    )
    if filters.year:
        reports = reports.filter(year=filters.year)
    if filters.sector:
        reports = reports.filter(enterprise__industry__sector=filters.sector)
    if filters.city:
        reports = reports.filter(enterprise__city=filters.city)
    return reports


def assignable_by_public_id(*, actor: scoping.Actor, public_ids: Iterable) -> list[AnnualReport]:
    """The chosen reports (any the actor may not see: NotFound)."""
    ids = set(public_ids)
    reports = list(
        scoping.visible(actor, AnnualReport)
        .filter(public_id__in=ids)
        .select_related("enterprise__province", "enterprise__industry")
    )
    if len(reports) != len(ids):
        raise NotFound("not found")
    return reports


def institutions_for(*, actor: scoping.Actor) -> QuerySet[Institution]:
    return scoping.visible(actor, Institution).order_by("name_zh", "pk")


def team_choices(*, actor: scoping.Actor, institution: Institution):
    """The users who may be on the institution's team: its active verifiers. The caller
    resolved `institution` through a scoped selector, which is the grant."""
    scoping.get_visible(actor, Institution, pk=institution.pk)
    return (
        get_user_model()
        .objects.filter(
            memberships__role=Role.VERIFIER,
            memberships__institution=institution,
            is_active=True,
        )
        .order_by("username")
        .distinct()
    )


def assignment_detail(*, actor: scoping.Actor, public_id) -> Assignment:
    return scoping.get_visible(
        actor,
        Assignment.objects.select_related("enterprise__province", "institution"),
        public_id=public_id,
    )
