"""The yearly evaluation of verification institutions (due Nov 30): the round's writes, from
preparing the draft to its publication: prepare (and refresh) it, answer the compliance
checklist, submit, return to draft, and the four-eyes approval that publishes it.

What an evaluation is computed from, its rubric and its labels are in
`verification.evaluation_figures` (the arithmetic in `verification.scoring`); the reads behind
the staff and public pages in `verification.evaluation_selectors`; the spot checks that count in
the next evaluation in `verification.spot_checks`.

Every write takes the acting user, runs in one transaction and is audited. A round is prepared
(and refreshed) as a draft by the province's staff, submitted, then approved and published by a
different staff member; published, it is never changed, and the province's
`institution_evaluation` obligation is met.
"""

from collections.abc import Mapping
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import scoping
from core import audit, four_eyes
from core.errors import DomainError, PermissionDenied
from core.models import AuditAction
from deadlines import services as deadlines
from units.models import Province
from verification.evaluation_figures import (
    SCORE_FIELDS,
    report_input,
    reports_in_scope,
    rescore,
    rubric_of,
    scheme_for,
)
from verification.models import EvaluationRound, EvaluationStatus, InstitutionEvaluation
from verification.scoring import Rubric

ROUND_FIELDS = (
    "status",
    "scheme",
    "prepared_by",
    "submitted_by",
    "submitted_at",
    "approved_by",
    "published_at",
)
OBLIGATION_KIND = "institution_evaluation"


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
    four_eyes.require_status(
        round_,
        status,
        otherwise=_("The evaluation is %(status)s; this step is not possible now."),
        explanations={
            EvaluationStatus.PUBLISHED: _(
                "This evaluation is published; a published evaluation is never changed."
            ),
            EvaluationStatus.SUBMITTED: _(
                "The evaluation is with its approver; it can be changed once returned to draft."
            ),
        },
    )


def may_approve(actor: scoping.Actor, round_: EvaluationRound) -> bool:
    """The second pair of eyes: staff of the province who neither prepared nor submitted it."""
    if round_.status != EvaluationStatus.SUBMITTED or actor.user is None:
        return False
    if not (actor.is_administrator or scoping.staff_covers(actor, round_.province_id, None)):
        return False
    return four_eyes.second_person(actor.user.pk, round_.prepared_by_id, round_.submitted_by_id)


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
    groups = reports_in_scope(province, year)
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


def _summary(round_: EvaluationRound) -> dict:
    rows = list(round_.evaluations.values_list("reports", flat=True))
    return {"institutions": len(rows), "reports": sum(rows)}


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
            "reports": [report_input(assignment) for assignment in assignments],
            "prepared_at": timezone.now().isoformat(),
        }
        rescore(evaluation)
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
    rescore(evaluation)
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
    four_eyes.require_second_person(
        actor.user.pk,
        round_.prepared_by_id,
        round_.submitted_by_id,
        message=_(
            "The evaluation must be approved by a staff member other than the one who "
            "prepared or submitted it."
        ),
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
