"""Reads of verification institutions and assignments, scoped through accounts.scoping."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from accounts import scoping
from core.errors import NotFound, PermissionDenied
from reporting.models import (
    AnnualReport,
    DataItem,
    EvidenceFile,
    MonthlyCertification,
    QualityControlPlan,
    ReportAttachment,
)
from reporting.submissions import STANDING
from verification.models import (
    Assignment,
    AssignmentStatus,
    Institution,
    NonConformity,
    NonConformityStatus,
    VerifiedActivity,
    VerifiedFigures,
)


def my_institutions(*, actor: scoping.Actor) -> QuerySet[Institution]:
    return (
        scoping.visible(actor, Institution)
        .filter(pk__in=actor.institution_ids)
        .prefetch_related("provinces")
        .order_by("name_zh")
    )


# Assignments: the verifier's list and work package, and the one page every role reads.


@dataclass(frozen=True)
class Standing:
    """How the actor stands to one assignment they may see."""

    is_verifier: bool  # of the assigned institution: records the work
    is_reviewer: bool  # staff covering the unit: confirms or returns the conclusion
    is_own: bool  # the enterprise's own user
    sees_work: bool  # the work and the work package, not only the result

    @property
    def sees_result(self) -> bool:
        return self.sees_work or self.is_own


def standing(actor: scoping.Actor, assignment: Assignment) -> Standing:
    enterprise = assignment.enterprise
    is_verifier = assignment.institution_id in actor.institution_ids
    is_reviewer = scoping.staff_covers(actor, enterprise.province_id, enterprise.city_id)
    return Standing(
        is_verifier=is_verifier,
        is_reviewer=is_reviewer,
        is_own=assignment.enterprise_id in actor.enterprise_ids,
        sees_work=is_verifier or is_reviewer or actor.sees_all_provinces,
    )


def _assignments(actor: scoping.Actor) -> QuerySet[Assignment]:
    return scoping.visible(actor, Assignment).select_related(
        "enterprise__province", "enterprise__city", "enterprise__industry", "institution"
    )


def my_assignments(*, actor: scoping.Actor) -> QuerySet[Assignment]:
    """The verifier's assignments: its institutions', withdrawn ones left out; the open work
    first, nearest due date first."""
    open_non_conformities = Count(
        "non_conformities", filter=Q(non_conformities__status=NonConformityStatus.OPEN)
    )
    return (
        _assignments(actor)
        .filter(institution__in=actor.institution_ids)
        .exclude(status=AssignmentStatus.WITHDRAWN)
        .annotate(open_non_conformities=open_non_conformities)
        .order_by("-year", F("due_date").asc(nulls_last=True), "enterprise__name_zh", "pk")
    )


def assignment_detail(*, actor: scoping.Actor, public_id) -> Assignment:
    """One assignment; NotFound outside the actor's scope, and for a verifier once withdrawn
    (unless the actor reaches it in another role)."""
    assignment = scoping.get_visible(
        actor,
        _assignments(actor).select_related("report", "assigned_by", "concluded_by", "confirmed_by"),
        public_id=public_id,
    )
    seen = standing(actor, assignment)
    if assignment.status == AssignmentStatus.WITHDRAWN and not (
        seen.is_reviewer or seen.is_own or actor.sees_all_provinces
    ):
        raise NotFound("not found")
    return assignment


def team(assignment: Assignment) -> list:
    return list(assignment.team.order_by("username"))


def non_conformities(assignment: Assignment) -> list[NonConformity]:
    """Of an assignment obtained from `assignment_detail`."""
    return list(assignment.non_conformities.order_by("created_at"))


def activity(assignment: Assignment) -> list[VerifiedActivity]:
    return list(
        assignment.activity.select_related("facility").order_by("facility__name", "item_code")
    )


def figures(assignment: Assignment) -> VerifiedFigures | None:
    return VerifiedFigures.objects.filter(assignment=assignment).first()


@dataclass(frozen=True)
class WorkPackage:
    """What the verifier verifies: the accepted report with its attachments, the year's
    monthly certifications (the standing versions) with their evidence, and the year's data
    quality control plan (the standing version)."""

    report: AnnualReport
    items: list[DataItem]
    attachments: list[ReportAttachment]
    certifications: list[MonthlyCertification]
    evidence: list[EvidenceFile]
    plan: QualityControlPlan | None


def work_package(*, actor: scoping.Actor, assignment: Assignment) -> WorkPackage:
    """Read through the assignment (scoped by `assignment_detail`), because a verifier reaches
    reports, certifications and plans only through the assignment of its institution."""
    if not standing(actor, assignment).sees_work:
        raise NotFound("not found")
    report = assignment.report
    certifications = list(
        MonthlyCertification.objects.filter(
            enterprise=assignment.enterprise_id, year=assignment.year, status__in=STANDING
        ).order_by("month")
    )
    return WorkPackage(
        report=report,
        items=list(report.schema.items.all()),
        attachments=list(report.attachments.order_by("created_at")),
        certifications=certifications,
        evidence=list(
            EvidenceFile.objects.filter(certification__in=certifications)
            .select_related("certification")
            .order_by("certification__month", "created_at")
        ),
        plan=QualityControlPlan.objects.filter(
            enterprise=assignment.enterprise_id, year=assignment.year, status__in=STANDING
        ).first(),
    )


def work_file(*, actor: scoping.Actor, public_id, file_id) -> EvidenceFile | ReportAttachment:
    """A file of the assignment's work package, for download; NotFound if the actor may not
    see the work or the file is not part of it (another unit's, another year's, a draft's)."""
    assignment = assignment_detail(actor=actor, public_id=public_id)
    if not standing(actor, assignment).sees_work:
        raise NotFound("not found")
    try:
        return EvidenceFile.objects.get(
            public_id=file_id,
            certification__enterprise=assignment.enterprise_id,
            certification__year=assignment.year,
            certification__status__in=STANDING,
        )
    except (EvidenceFile.DoesNotExist, ValidationError, ValueError):
        pass
    try:
        return ReportAttachment.objects.get(public_id=file_id, report=assignment.report_id)
    except (ReportAttachment.DoesNotExist, ValidationError, ValueError):
        raise NotFound("not found") from None


def confirmed_result(*, actor: scoping.Actor, public_id) -> tuple[Assignment, VerifiedFigures]:
    """A confirmed assignment and its figures, for the notice: to the enterprise, the staff
    covering it and the ministry; NotFound before confirmation."""
    assignment = assignment_detail(actor=actor, public_id=public_id)
    seen = standing(actor, assignment)
    if not (seen.is_own or seen.is_reviewer or actor.sees_all_provinces):
        raise PermissionDenied(_("The notice goes to the enterprise and the department."))
    result = figures(assignment) if assignment.status == AssignmentStatus.CONFIRMED else None
    if result is None:
        raise NotFound("not found")
    return assignment, result
