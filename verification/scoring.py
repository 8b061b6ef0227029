"""The yearly evaluation of verification institutions, as arithmetic: figures in, scores out.

Pure (no database): `verification.evaluation_figures` gathers the figures and
`verification.evaluation` stores them with the result (`InstitutionEvaluation.inputs`), so that
any result can be computed again from what is stored.
The rubric is the `EvaluationScheme` of the evaluation year (weights, deductions, bands, the
fewest reports to be graded, the compliance checklist), kept as data; nothing here is a
regulatory number.

What is evaluated. The evaluation of year Y (due Nov 30 of Y) covers the verification of the
reports of year Y-1, carried out during Y: every assignment of reporting year Y-1 of an
enterprise of the round's province whose conclusion stands, i.e. with status `concluded` or
`confirmed` (an assignment still being worked on, returned or withdrawn is not a report the
institution delivered). Each such assignment is one report of its institution.

The three parts, each out of its weight (points):

- timeliness = weight x (reports whose conclusion was submitted on or before the due date)
  / reports. The submission day is `concluded_at` as a date in Asia/Shanghai, the zone deadlines
  are set in; a report without a due date had no deadline to miss and counts as on time.
- quality = weight x (mean over the reports of the report's score) / 100, where a report scores
  max(0, 100 - the deductions of its findings). A report's findings are: its objection, if the
  province upheld it (once); each time its conclusion was returned to the institution
  (`Assignment.times_returned`); each spot check of it that found a material deviation.
- compliance = weight x (non-veto checklist items answered "met") / (non-veto items); an item
  not answered yet is not met. A scheme without non-veto items gives the full weight. Any veto
  item answered "not met" makes the institution vetoed: its grade is the lowest band's, whatever
  its total.

Each part is rounded half-up to 2 places, and the total is the sum of the rounded parts, so that
the published figures add up to the published total. The grade is the band of the highest
`min` the total reaches (the lowest band below every `min`). An institution with fewer reports
than `min_reports` is not graded (grade empty, also when vetoed: too few reports to judge; the
veto is still shown); its figures are shown all the same.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
RUBRIC_FIELDS = ("weights", "deductions", "bands", "min_reports", "checklist")
PARTS = ("timeliness", "quality", "compliance")
FULL_MARKS = 100


@dataclass(frozen=True)
class Rubric:
    """An evaluation scheme's rubric (the fields of `EvaluationScheme` that score)."""

    weights: Mapping[str, Any]
    deductions: Mapping[str, Any]
    bands: Sequence[Mapping[str, Any]]
    min_reports: int
    checklist: Sequence[Mapping[str, Any]]
    year: int | None = None

    @classmethod
    def of(cls, scheme) -> "Rubric":
        """From an `EvaluationScheme` row (or anything with its fields)."""
        return cls(
            **{name: getattr(scheme, name) for name in RUBRIC_FIELDS},
            year=getattr(scheme, "year", None),
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Rubric":
        return cls(**{name: data[name] for name in RUBRIC_FIELDS}, year=data.get("year"))

    def to_json(self) -> dict[str, Any]:
        return {"year": self.year, **{name: getattr(self, name) for name in RUBRIC_FIELDS}}

    def weight(self, part: str) -> Fraction:
        return _number(self.weights.get(part, 0))

    def deduction(self, finding: str) -> Fraction:
        return _number(self.deductions.get(finding, 0))

    @property
    def codes(self) -> list[str]:
        return [item["code"] for item in self.checklist]

    @property
    def lowest_band(self) -> Mapping[str, Any]:
        return min(self.bands, key=lambda band: _number(band["min"]))

    def band_for(self, total: Decimal) -> Mapping[str, Any]:
        for band in sorted(self.bands, key=lambda band: _number(band["min"]), reverse=True):
            if Fraction(total) >= _number(band["min"]):
                return band
        return self.lowest_band

    def band(self, code: str) -> Mapping[str, Any] | None:
        return next((band for band in self.bands if band["code"] == code), None)


@dataclass(frozen=True)
class ReportFacts:
    """What one verified report contributes: whether it was on time, and its findings."""

    on_time: bool
    objection_upheld: bool = False
    times_returned: int = 0
    spot_check_deviations: int = 0

    def deductions(self, rubric: Rubric) -> Fraction:
        return (
            (rubric.deduction("objection_upheld") if self.objection_upheld else 0)
            + self.times_returned * rubric.deduction("conclusion_returned")
            + self.spot_check_deviations * rubric.deduction("spot_check_deviation")
        )

    def score(self, rubric: Rubric) -> Fraction:
        return max(Fraction(0), FULL_MARKS - self.deductions(rubric))

    def to_json(self) -> dict[str, Any]:
        return {
            "on_time": self.on_time,
            "objection_upheld": self.objection_upheld,
            "times_returned": self.times_returned,
            "spot_check_deviations": self.spot_check_deviations,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ReportFacts":
        return cls(
            on_time=bool(data["on_time"]),
            objection_upheld=bool(data.get("objection_upheld", False)),
            times_returned=int(data.get("times_returned", 0)),
            spot_check_deviations=int(data.get("spot_check_deviations", 0)),
        )


@dataclass(frozen=True)
class Result:
    reports: int
    on_time: int
    timeliness: Decimal
    quality: Decimal
    compliance: Decimal
    total: Decimal
    grade: str
    vetoed: bool
    graded: bool
    report_scores: list[Decimal] = field(default_factory=list)


def submitted_on_time(concluded_at: datetime | None, due_date: date | None) -> bool:
    """Whether a conclusion submitted at `concluded_at` met `due_date` (Asia/Shanghai days)."""
    if concluded_at is None:
        return False
    if due_date is None:
        return True
    return concluded_at.astimezone(SHANGHAI).date() <= due_date


def evaluate(
    rubric: Rubric, reports: Sequence[ReportFacts], answers: Mapping[str, bool | None]
) -> Result:
    """Score one institution from its reports and its checklist answers (code -> met)."""
    count = len(reports)
    on_time = sum(1 for report in reports if report.on_time)
    scores = [report.score(rubric) for report in reports]
    timeliness = rubric.weight("timeliness") * Fraction(on_time, count) if count else Fraction(0)
    quality = (
        rubric.weight("quality") * sum(scores, Fraction(0)) / (count * FULL_MARKS)
        if count
        else Fraction(0)
    )
    ordinary = [item["code"] for item in rubric.checklist if not item.get("veto")]
    met = sum(1 for code in ordinary if answers.get(code) is True)
    compliance = (
        rubric.weight("compliance") * Fraction(met, len(ordinary))
        if ordinary
        else rubric.weight("compliance")
    )
    vetoed = any(
        item.get("veto") and answers.get(item["code"]) is False for item in rubric.checklist
    )
    parts = [round_half_up(part) for part in (timeliness, quality, compliance)]
    total = sum(parts, Decimal("0.00"))
    graded = count >= rubric.min_reports
    if not graded:
        grade = ""
    elif vetoed:
        grade = rubric.lowest_band["code"]
    else:
        grade = rubric.band_for(total)["code"]
    return Result(
        reports=count,
        on_time=on_time,
        timeliness=parts[0],
        quality=parts[1],
        compliance=parts[2],
        total=total,
        grade=grade,
        vetoed=vetoed,
        graded=graded,
        report_scores=[round_half_up(score) for score in scores],
    )


def round_half_up(value: Fraction) -> Decimal:
    """`value` to 2 decimal places, halves away from zero (scores are never negative)."""
    hundredths = (abs(value) * 100 + Fraction(1, 2)).__floor__()
    sign = -1 if value < 0 else 1
    return (Decimal(sign * hundredths) / 100).quantize(Decimal("0.01"))


def _number(value: Any) -> Fraction:
    """A weight, deduction or band minimum as stored in JSON: an int, a float or a string."""
    return Fraction(str(value))
