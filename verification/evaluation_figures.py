"""What an institution's evaluation is computed from, and how its rubric reads: the scheme of
the year, the reports in scope with their facts, the result recomputed from the stored figures,
and the grade and checklist labels in the reader's language.

The arithmetic and what the evaluation of a year covers are in `verification.scoring`. Each
institution's evaluation stores the figures it was computed from and the rubric used
(`InstitutionEvaluation.inputs`), so that `recompute` gives the stored result again, whatever
happens to the assignments or the scheme afterwards.
"""

from collections.abc import Mapping
from decimal import Decimal
from itertools import groupby

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.errors import DomainError
from units.models import Province
from verification.models import (
    Assignment,
    AssignmentStatus,
    EvaluationScheme,
    InstitutionEvaluation,
    Objection,
    ObjectionStatus,
    SpotCheck,
)
from verification.scoring import ReportFacts, Result, Rubric, evaluate, submitted_on_time

EVALUATED = (AssignmentStatus.CONCLUDED, AssignmentStatus.CONFIRMED)
SCORE_FIELDS = ("reports", "timeliness", "quality", "compliance", "total", "grade", "vetoed")


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


def reports_in_scope(province: Province, year: int) -> list[tuple]:
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


def report_input(assignment: Assignment) -> dict:
    """One report's row of the stored figures: which report it is, and its facts for scoring."""
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


def rescore(evaluation: InstitutionEvaluation) -> None:
    """Set the evaluation's scores, total and grade, and each report's score in its inputs, from
    its stored figures and answers (the caller saves)."""
    result = recompute(evaluation)
    for name in SCORE_FIELDS:
        setattr(evaluation, name, getattr(result, name))
    for row, score in zip(evaluation.inputs["reports"], result.report_scores, strict=True):
        row["score"] = str(score)


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
