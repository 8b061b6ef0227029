"""The yearly evaluation of verification institutions (due Nov 30): the writes (prepare, spot
checks, the compliance checklist, four-eyes approval and publication) and the reads behind the
staff and public pages.

The arithmetic and what the evaluation of a year covers are in `verification.scoring`. Each
institution's evaluation stores the figures it was computed from and the rubric used
(`InstitutionEvaluation.inputs`), so that `recompute` gives the stored result again, whatever
happens to the assignments or the scheme afterwards.

Every write takes the acting user, runs in one transaction and is audited. A round is prepared
(and refreshed) as a draft by the province's staff, submitted, then approved and published by a
different staff member; published, it is never changed, and the province's
`institution_evaluation` obligation is met.
"""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from itertools import groupby

from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts import scoping
from core import audit
from core.errors import DomainError, NotFound, PermissionDenied
from core.models import AuditAction, AuditEvent, target_label
from deadlines import services as deadlines
from units.models import Province
from verification.models import (
    Assignment,
    AssignmentStatus,
    EvaluationRound,
    EvaluationScheme,
    EvaluationStatus,
    InstitutionEvaluation,
    Objection,
    ObjectionStatus,
    SpotCheck,
)
from verification.scoring import ReportFacts, Result, Rubric, evaluate, submitted_on_time

EVALUATED = (AssignmentStatus.CONCLUDED, AssignmentStatus.CONFIRMED)
ROUND_FIELDS = (
    "status",
    "scheme",
    "prepared_by",
    "submitted_by",
    "submitted_at",
    "approved_by",
    "published_at",
)
SCORE_FIELDS = ("reports", "timeliness", "quality", "compliance", "total", "grade", "vetoed")
SPOT_CHECK_FIELDS = ("assignment", "checked_on", "deviation_found", "deviation_tonnes", "note")
OBLIGATION_KIND = "institution_evaluation"
# Graded institutions first, best total first; those not graded (too few reports) after them.
RANKING = (Case(When(grade="", then=1), default=0).asc(), "-total", "institution__name_zh")


# --- who may act --------------------------------------------------------------------------------


def _require_staff(actor: scoping.Actor, province: Province) -> None:
    """The evaluation is the provincial department's: province-wide staff (or administrators)."""
    if not (actor.is_administrator or scoping.staff_covers(actor, province.pk, None)):
        raise PermissionDenied(_("Only the province's staff can work on its evaluation."))


def _lock(actor: scoping.Actor, round_: EvaluationRound) -> EvaluationRound:
    locked = scoping.get_visible(
        actor,
        EvaluationRound.objects.select_for_update(of=("self",)).select_related("province"),
        pk=round_.pk,
    )
    _require_staff(actor, locked.province)
    return locked


def _require_status(round_: EvaluationRound, status: str) -> None:
    if round_.status == status:
        return
    if round_.status == EvaluationStatus.PUBLISHED:
        raise DomainError(
            _("This evaluation is published; a published evaluation is never changed.")
        )
    if status == EvaluationStatus.DRAFT:
        raise DomainError(
            _("The evaluation is with its approver; it can be changed once returned to draft.")
        )
    raise DomainError(
        _("The evaluation is %(status)s; this step is not possible now.")
        % {"status": round_.get_status_display()}
    )


def may_approve(actor: scoping.Actor, round_: EvaluationRound) -> bool:
    """The second pair of eyes: staff of the province who neither prepared nor submitted it."""
    if round_.status != EvaluationStatus.SUBMITTED or actor.user is None:
        return False
    if not (actor.is_administrator or scoping.staff_covers(actor, round_.province_id, None)):
        return False
    return actor.user.pk not in (round_.prepared_by_id, round_.submitted_by_id)


# --- the figures ----------------------------------------------------------------------------------


def scheme_for(year: int) -> EvaluationScheme:
    """The rubric of the evaluation year: the latest scheme of that year or before, else the
    earliest there is."""
    scheme = (
        EvaluationScheme.objects.filter(year__lte=year).order_by("-year").first()
        or EvaluationScheme.objects.order_by("year").first()
    )
    if scheme is None:
        raise DomainError(_("There is no evaluation scheme yet; an administrator adds one."))
    return scheme


def _reports_in_scope(province: Province, year: int) -> list[tuple]:
    """The reports of year - 1 evaluated in `year`, grouped by institution, in one query."""
    upheld = Objection.objects.filter(assignment=OuterRef("pk"), status=ObjectionStatus.UPHELD)
    deviations = (
        SpotCheck.objects.filter(assignment=OuterRef("pk"), deviation_found=True)
        .order_by()
        .values("assignment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Assignment.objects.filter(
            enterprise__province=province, year=year - 1, status__in=EVALUATED
        )
        .select_related("institution", "enterprise")
        .annotate(
            objection_upheld=Exists(upheld),
            deviations=Coalesce(Subquery(deviations, output_field=IntegerField()), 0),
        )
        .order_by("institution__name_zh", "institution_id", "enterprise__name_zh", "pk")
    )
    return [
        (institution, list(group))
        for institution, group in groupby(rows, key=lambda row: row.institution)
    ]


def _report_input(assignment: Assignment) -> dict:
    facts = ReportFacts(
        on_time=submitted_on_time(assignment.concluded_at, assignment.due_date),
        objection_upheld=assignment.objection_upheld,
        times_returned=assignment.times_returned,
        spot_check_deviations=assignment.deviations,
    )
    concluded = assignment.concluded_at
    return {
        "assignment": str(assignment.public_id),
        "enterprise": assignment.enterprise.name_zh,
        "uscc": assignment.enterprise.uscc,
        "due_date": assignment.due_date.isoformat() if assignment.due_date else None,
        "concluded_on": timezone.localdate(concluded).isoformat() if concluded else None,
        **facts.to_json(),
    }


def rubric_of(evaluation: InstitutionEvaluation) -> Rubric:
    """The rubric the evaluation was prepared with (kept in its inputs)."""
    return Rubric.from_json(evaluation.inputs["rubric"])


def recompute(evaluation: InstitutionEvaluation, answers: Mapping | None = None) -> Result:
    """The evaluation's result from its stored figures (and answers: its own by default)."""
    reports = [ReportFacts.from_json(row) for row in evaluation.inputs["reports"]]
    checklist = evaluation.checklist if answers is None else answers
    return evaluate(rubric_of(evaluation), reports, checklist)


def _score(evaluation: InstitutionEvaluation) -> None:
    result = recompute(evaluation)
    for name in SCORE_FIELDS:
        setattr(evaluation, name, getattr(result, name))
    for row, score in zip(evaluation.inputs["reports"], result.report_scores, strict=True):
        row["score"] = str(score)


def _summary(round_: EvaluationRound) -> dict:
    rows = list(round_.evaluations.values_list("reports", flat=True))
    return {"institutions": len(rows), "reports": sum(rows)}


# --- writes ---------------------------------------------------------------------------------------


@transaction.atomic
def prepare(*, actor: scoping.Actor, province: Province, year: int) -> EvaluationRound:
    """Draft (or refresh the draft of) the province's evaluation for `year`: one evaluation per
    institution with reports in scope, computed from today's figures. Checklist answers given
    on the draft are kept."""
    _require_staff(actor, province)
    scheme = scheme_for(year)
    round_ = (
        EvaluationRound.objects.select_for_update().filter(province=province, year=year).first()
    )
    if round_ is not None:
        _require_status(round_, EvaluationStatus.DRAFT)
    groups = _reports_in_scope(province, year)
    if not groups:
        raise DomainError(
            _(
                "No verification of %(year)d reports in this province has a conclusion yet: "
                "there is nothing to evaluate."
            )
            % {"year": year - 1}
        )
    if round_ is None:
        round_ = EvaluationRound.objects.create(
            province=province, year=year, scheme=scheme, prepared_by=actor.user
        )
        before = {"institutions": 0, "reports": 0}
    else:
        before = _summary(round_)
        round_.scheme = scheme
        round_.prepared_by = actor.user
        round_.save(update_fields=["scheme", "prepared_by", "updated_at"])
    _write_evaluations(round_, Rubric.of(scheme), groups)
    audit.record(
        actor=actor.user,
        action=AuditAction.CALCULATE,
        target=round_,
        tenant_code=province.code,
        changes=audit.diff(before, _summary(round_)),
        note=f"scheme {scheme.year}",
    )
    return round_


def _write_evaluations(round_: EvaluationRound, rubric: Rubric, groups: list[tuple]) -> None:
    existing = {evaluation.institution_id: evaluation for evaluation in round_.evaluations.all()}
    created, changed = [], []
    for institution, assignments in groups:
        evaluation = existing.pop(institution.pk, None)
        if evaluation is None:
            evaluation = InstitutionEvaluation(round=round_, institution=institution)
            created.append(evaluation)
        else:
            changed.append(evaluation)
        # Answers to items the scheme no longer has are dropped with them.
        evaluation.checklist = {
            code: value for code, value in evaluation.checklist.items() if code in rubric.codes
        }
        evaluation.inputs = {
            "rubric": rubric.to_json(),
            "reports": [_report_input(assignment) for assignment in assignments],
            "prepared_at": timezone.now().isoformat(),
        }
        _score(evaluation)
    InstitutionEvaluation.objects.bulk_create(created)
    InstitutionEvaluation.objects.bulk_update(changed, [*SCORE_FIELDS, "checklist", "inputs"])
    if existing:
        InstitutionEvaluation.objects.filter(pk__in=[e.pk for e in existing.values()]).delete()


@transaction.atomic
def answer_checklist(
    *, actor: scoping.Actor, evaluation: InstitutionEvaluation, answers: Mapping[str, bool | None]
) -> InstitutionEvaluation:
    """Answer compliance checklist items of one institution (code -> met; None: unanswered) on
    a draft; its compliance, total and grade follow."""
    round_ = _lock(actor, evaluation.round)
    _require_status(round_, EvaluationStatus.DRAFT)
    evaluation = (
        InstitutionEvaluation.objects.select_for_update()
        .select_related("institution")
        .get(pk=evaluation.pk, round=round_)
    )
    rubric = rubric_of(evaluation)
    unknown = sorted(set(answers) - set(rubric.codes))
    if unknown:
        raise DomainError(
            _("The checklist has no item %(codes)s.") % {"codes": ", ".join(unknown)},
            field="answers",
        )
    for code, value in answers.items():
        if value not in (True, False, None):
            raise DomainError(_("Answer this item with met or not met."), field=code)
    before = _answers_snapshot(evaluation, rubric)
    merged = {**evaluation.checklist, **answers}
    evaluation.checklist = {code: value for code, value in merged.items() if value is not None}
    _score(evaluation)
    evaluation.save(update_fields=[*SCORE_FIELDS, "checklist", "inputs"])
    audit.record(
        actor=actor.user,
        action=AuditAction.UPDATE,
        target=evaluation,
        tenant_code=round_.province.code,
        changes=audit.diff(before, _answers_snapshot(evaluation, rubric)),
    )
    return evaluation


def _answers_snapshot(evaluation: InstitutionEvaluation, rubric: Rubric) -> dict:
    return {
        **{f"checklist.{code}": evaluation.checklist.get(code) for code in rubric.codes},
        **audit.snapshot(evaluation, SCORE_FIELDS),
    }


def _record(actor: scoping.Actor, round_: EvaluationRound, before: dict, *, note: str = ""):
    audit.record(
        actor=actor.user,
        action=AuditAction.STATUS,
        target=round_,
        tenant_code=round_.province.code,
        changes=audit.diff(before, audit.snapshot(round_, ROUND_FIELDS)),
        note=note,
    )


@transaction.atomic
def submit(*, actor: scoping.Actor, round: EvaluationRound) -> EvaluationRound:
    """Send the draft to a second staff member for approval; every checklist item of every
    institution must be answered."""
    round_ = _lock(actor, round)
    _require_status(round_, EvaluationStatus.DRAFT)
    evaluations = list(round_.evaluations.select_related("institution"))
    if not evaluations:
        raise DomainError(_("Prepare the evaluation before submitting it."))
    for evaluation in evaluations:
        if any(code not in evaluation.checklist for code in rubric_of(evaluation).codes):
            raise DomainError(
                _("Answer every compliance checklist item of %(institution)s before submitting.")
                % {"institution": evaluation.institution}
            )
    before = audit.snapshot(round_, ROUND_FIELDS)
    round_.status = EvaluationStatus.SUBMITTED
    round_.submitted_by = actor.user
    round_.submitted_at = timezone.now()
    round_.save(update_fields=["status", "submitted_by", "submitted_at", "updated_at"])
    _record(actor, round_, before)
    return round_


@transaction.atomic
def return_to_draft(
    *, actor: scoping.Actor, round: EvaluationRound, comment: str
) -> EvaluationRound:
    round_ = _lock(actor, round)
    if not comment.strip():
        raise DomainError(_("Say what needs changing."), field="comment")
    _require_status(round_, EvaluationStatus.SUBMITTED)
    before = audit.snapshot(round_, ROUND_FIELDS)
    round_.status = EvaluationStatus.DRAFT
    round_.submitted_at = None
    round_.save(update_fields=["status", "submitted_at", "updated_at"])
    _record(actor, round_, before, note=comment.strip())
    return round_


@transaction.atomic
def approve_and_publish(*, actor: scoping.Actor, round: EvaluationRound) -> EvaluationRound:
    """The second pair of eyes approves and publishes: the results become public and final, and
    the province's evaluation obligation for the period is met."""
    round_ = _lock(actor, round)
    _require_status(round_, EvaluationStatus.SUBMITTED)
    if actor.user.pk in (round_.prepared_by_id, round_.submitted_by_id):
        raise DomainError(
            _(
                "The evaluation must be approved by a staff member other than the one who "
                "prepared or submitted it."
            )
        )
    before = audit.snapshot(round_, ROUND_FIELDS)
    round_.status = EvaluationStatus.PUBLISHED
    round_.approved_by = actor.user
    round_.published_at = timezone.now()
    round_.save(update_fields=["status", "approved_by", "published_at", "updated_at"])
    _record(actor, round_, before)
    # The Nov 30 obligation of the notice of `year` concerns the reports of year - 1: its period
    # is that year (deadlines/notice_2026.py, period -1), starting on Jan 1.
    deadlines.fulfil(
        actor=actor,
        kind=OBLIGATION_KIND,
        province=round_.province,
        period_start=date(round_.year - 1, 1, 1),
        met_at=round_.published_at,
        fulfilment=f"verification.evaluationround:{round_.pk}",
    )
    return round_


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


# --- reads ----------------------------------------------------------------------------------------


def provinces_to_evaluate(*, actor: scoping.Actor) -> QuerySet[Province]:
    """Provinces whose evaluation the actor may prepare: province-wide staff's own, or all for
    administrators."""
    if actor.is_administrator:
        return Province.objects.order_by("code")
    own = [province for province, city in actor.staff_scopes if city is None]
    return Province.objects.filter(pk__in=own).order_by("code")


def rounds_for(*, actor: scoping.Actor) -> QuerySet[EvaluationRound]:
    return (
        scoping.visible(actor, EvaluationRound)
        .select_related("province", "prepared_by", "approved_by")
        .annotate(institutions=Count("evaluations"))
        .order_by("-year", "province__code")
    )


def round_detail(*, actor: scoping.Actor, public_id) -> EvaluationRound:
    return scoping.get_visible(
        actor,
        EvaluationRound.objects.select_related("province", "scheme", "prepared_by", "approved_by"),
        public_id=public_id,
    )


def evaluations_of(
    *, actor: scoping.Actor, round_: EvaluationRound
) -> QuerySet[InstitutionEvaluation]:
    return (
        scoping.visible(actor, InstitutionEvaluation)
        .filter(round=round_)
        .select_related("institution")
        .order_by(*RANKING)
    )


def evaluation_in(
    *, actor: scoping.Actor, round_: EvaluationRound, institution_public_id
) -> InstitutionEvaluation:
    return scoping.get_visible(
        actor,
        InstitutionEvaluation.objects.filter(round=round_).select_related("round", "institution"),
        institution__public_id=institution_public_id,
    )


def history(*, actor: scoping.Actor, round_: EvaluationRound) -> QuerySet[AuditEvent]:
    scoping.get_visible(actor, EvaluationRound, pk=round_.pk)
    evaluation_ids = round_.evaluations.order_by().values(key=Cast("pk", CharField()))
    return AuditEvent.objects.filter(
        Q(target_type=target_label(EvaluationRound), target_id=str(round_.pk))
        | Q(target_type=target_label(InstitutionEvaluation), target_id__in=evaluation_ids)
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


def published_rounds(*, year: int | None = None) -> QuerySet[EvaluationRound]:
    """The public index: published evaluations only (no login, never a draft)."""
    rounds = EvaluationRound.objects.filter(status=EvaluationStatus.PUBLISHED).select_related(
        "province"
    )
    if year is not None:
        rounds = rounds.filter(year=year)
    return rounds.annotate(institutions=Count("evaluations")).order_by("-year", "province__code")


def published_round(*, year: int, province_code: str) -> EvaluationRound:
    found = published_rounds(year=year).filter(province__code=province_code).first()
    if found is None:
        raise NotFound("not found")
    return found


def published_evaluations(round_: EvaluationRound) -> QuerySet[InstitutionEvaluation]:
    if round_.status != EvaluationStatus.PUBLISHED:
        raise NotFound("not found")
    return round_.evaluations.select_related("institution").order_by(*RANKING)


def grade_label(evaluation: InstitutionEvaluation, *, language: str | None = None) -> str:
    """The grade's label in the reader's language (Chinese unless English), "" if not graded."""
    if not evaluation.grade:
        return ""
    band = rubric_of(evaluation).band(evaluation.grade)
    return localized_label(band, language=language) if band else evaluation.grade


def bands_shown(rubric: Rubric, *, language: str | None = None) -> list[tuple[str, str, str]]:
    """The grade bands, best first, as (label, minimum, ""), the lowest as (label, "", the
    minimum it stays below): what the pages print as "Good >= 80", "Fail < 60"."""
    ordered = sorted(rubric.bands, key=lambda band: Decimal(str(band["min"])), reverse=True)
    shown = [(localized_label(band, language=language), str(band["min"]), "") for band in ordered]
    if len(ordered) > 1:
        shown[-1] = (shown[-1][0], "", str(ordered[-2]["min"]))
    return shown


def localized_label(entry: Mapping, *, language: str | None = None) -> str:
    """A band's or checklist item's label: `en` for English readers when there is one, else
    the official `zh`."""
    language = language if language is not None else (get_language() or "")
    if language.startswith("en") and entry.get("en"):
        return entry["en"]
    return entry.get("zh") or entry.get("code", "")
