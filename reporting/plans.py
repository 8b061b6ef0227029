"""Data quality control plans: every write (start, save, submit, which meets the calendar's
obligation, accept, return) and every read, scoped to the actor, like the monthly
certifications. One transaction per write, each audited."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import scoping
from core import audit
from core.errors import DomainError
from core.models import AuditAction
from deadlines import services as deadlines
from deadlines.models import Obligation
from reporting import submissions
from reporting.models import PlanSection, QualityControlPlan, SubmissionStatus
from units.models import Enterprise

AUDITED = ("status", "content", "review_comment")
SECTIONS = [key for key, _label in PlanSection.choices]


is_reviewer = submissions.is_reviewer
STANDING = submissions.STANDING


def _lock(actor: scoping.Actor, plan: QualityControlPlan) -> QualityControlPlan:
    return submissions.lock(actor, plan, "supersedes")


def _record(actor, plan, before, *, action=AuditAction.STATUS, note=""):
    submissions.record_event(actor, plan, before, AUDITED, action=action, note=note)


def facilities_text(enterprise: Enterprise) -> str:
    """The unit's registered facilities, one a line, as the start of that section."""
    return "\n".join(
        f"{f.name}: {f.get_category_display()}, {f.capacity} {f.capacity_unit}, "
        f"{f.get_fuel_display()}, {f.get_cooling_display()}"
        for f in enterprise.facilities.all()
    )


def plan_years(today: date) -> list[int]:
    """The years a plan may be started for: this year and the next (due by this Dec 31)."""
    return [today.year + 1, today.year]


@transaction.atomic
def start(
    *, actor: scoping.Actor, enterprise: Enterprise, year: int, today: date | None = None
) -> QualityControlPlan:
    """The year's draft: the existing one, a first version (facilities prefilled from the
    registry), or a new version of the standing one starting from its content."""
    enterprise = scoping.get_visible(
        actor, Enterprise.objects.select_related("province"), pk=enterprise.pk
    )
    submissions.require_own(actor, enterprise.pk)
    today = today or timezone.localdate()
    if not 2000 <= year <= today.year + 1:
        raise DomainError(_("A plan can be made for next year at the latest."), field="year")
    versions = QualityControlPlan.objects.select_for_update().filter(
        enterprise=enterprise, year=year
    )
    draft = versions.filter(status=SubmissionStatus.DRAFT).first()
    if draft is not None:
        return draft
    standing, version = submissions.next_version(versions)
    plan = QualityControlPlan.objects.create(
        enterprise=enterprise,
        year=year,
        version=version,
        supersedes=standing,
        content=dict(standing.content)
        if standing
        else {PlanSection.FACILITIES: facilities_text(enterprise)},
    )
    _record(actor, plan, {}, action=AuditAction.CREATE)
    return plan


@transaction.atomic
def save(
    *, actor: scoping.Actor, plan: QualityControlPlan, content: dict[str, str]
) -> QualityControlPlan:
    """Save a draft's sections as typed; a section may stay empty until submission."""
    plan = _lock(actor, plan)
    submissions.require_own(actor, plan.enterprise_id)
    if not plan.is_editable:
        raise DomainError(_("A submitted plan is never changed; start a new version."))
    unknown = set(content) - set(SECTIONS)
    if unknown:
        raise DomainError(_("Unknown sections: %(items)s") % {"items": ", ".join(sorted(unknown))})
    before = audit.snapshot(plan, AUDITED)
    plan.content = {
        key: str(text).strip() for key, text in content.items() if str(text or "").strip()
    }
    plan.save()
    _record(actor, plan, before, action=AuditAction.UPDATE)
    return plan


def missing_sections(plan: QualityControlPlan) -> list[str]:
    return [key for key in SECTIONS if not str(plan.content.get(key, "")).strip()]


@transaction.atomic
def submit(*, actor: scoping.Actor, plan: QualityControlPlan) -> QualityControlPlan:
    """Submit a draft with every section filled: the version it corrects is superseded and the
    calendar's obligation for the plan year is met (late after Dec 31 of the year before)."""
    plan = _lock(actor, plan)
    submissions.require_own(actor, plan.enterprise_id)
    if not plan.is_editable:
        raise DomainError(_("Only a draft can be submitted."))
    missing = missing_sections(plan)
    if missing:
        labels = dict(PlanSection.choices)
        raise DomainError(
            _("Fill in every section before submitting. Missing: %(sections)s.")
            % {"sections": ", ".join(str(labels[key]) for key in missing)},
            field=missing[0],
        )
    submissions.mark_submitted(actor, plan, AUDITED)
    deadlines.fulfil(
        actor=actor,
        kind="quality_control_plan",
        enterprise=plan.enterprise,
        period_start=plan.period_start,
        met_at=plan.submitted_at,
        fulfilment=f"reporting.qualitycontrolplan:{plan.pk}",
    )
    return plan


REVIEW_REFUSALS = {
    "reviewer": gettext_lazy("Only the province's staff review plans."),
    "status": gettext_lazy("Only a submitted plan can be reviewed."),
}


def _review(actor, plan, *, status: str, comment: str) -> QualityControlPlan:
    return submissions.review(
        actor, _lock(actor, plan), AUDITED, status=status, comment=comment, refusals=REVIEW_REFUSALS
    )


@transaction.atomic
def accept(
    *, actor: scoping.Actor, plan: QualityControlPlan, comment: str = ""
) -> QualityControlPlan:
    return _review(actor, plan, status=SubmissionStatus.ACCEPTED, comment=comment)


@transaction.atomic
def return_for_correction(
    *, actor: scoping.Actor, plan: QualityControlPlan, comment: str
) -> QualityControlPlan:
    submissions.require_comment(comment)
    return _review(actor, plan, status=SubmissionStatus.RETURNED, comment=comment)


# Reads


def _plans(actor: scoping.Actor) -> QuerySet[QualityControlPlan]:
    return scoping.visible(actor, QualityControlPlan).select_related(
        "enterprise__city", "enterprise__province"
    )


def enterprise_plans(*, actor: scoping.Actor) -> QuerySet[QualityControlPlan]:
    """The actor's enterprises' plans, newest year and version first."""
    return (
        _plans(actor)
        .filter(enterprise__in=actor.enterprise_ids)
        .order_by("enterprise__name_zh", "-year", "-version")
    )


def staff_plans(*, actor: scoping.Actor, status: str = "") -> QuerySet[QualityControlPlan]:
    """Staff's list: submitted versions and after, oldest submission first."""
    rows = _plans(actor).exclude(status=SubmissionStatus.DRAFT).order_by("submitted_at", "pk")
    return rows.filter(status=status) if status else rows


def plan_detail(*, actor: scoping.Actor, public_id) -> QualityControlPlan:
    return scoping.get_visible(
        actor,
        _plans(actor).select_related("submitted_by", "reviewed_by", "supersedes"),
        public_id=public_id,
    )


def versions(*, actor: scoping.Actor, plan: QualityControlPlan) -> QuerySet[QualityControlPlan]:
    return _plans(actor).filter(enterprise=plan.enterprise_id, year=plan.year).order_by("-version")


@dataclass(frozen=True)
class SectionChange:
    key: str
    label: str
    before: str
    after: str


def diff(plan: QualityControlPlan) -> list[SectionChange]:
    """Section by section, what this version changes against the version it corrects."""
    previous = plan.supersedes
    if previous is None:
        return []
    return [
        SectionChange(key, label, previous.content.get(key, ""), plan.content.get(key, ""))
        for key, label in PlanSection.choices
        if previous.content.get(key, "") != plan.content.get(key, "")
    ]


def obligations(
    *, actor: scoping.Actor, enterprise_ids, years
) -> dict[tuple[int, int], Obligation]:
    """The calendar's plan obligations of those units and plan years, keyed by (unit, year)."""
    rows = scoping.visible(actor, Obligation).filter(
        kind="quality_control_plan",
        enterprise__in=list(enterprise_ids),
        period_start__in=[date(year, 1, 1) for year in years],
    )
    return {(row.enterprise_id, row.period_start.year): row for row in rows}
