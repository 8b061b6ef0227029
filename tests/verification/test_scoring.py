"""The evaluation arithmetic (verification.scoring), without the database: a hand-computed
example under the seeded 2026 rubric, a vetoed institution, one with too few reports, and the
edges of the rules (rounding, bands, deductions floored at zero, due dates in Asia/Shanghai)."""

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from verification.policy_2026 import SCHEME_2026
from verification.scoring import ReportFacts, Rubric, evaluate, round_half_up, submitted_on_time

RUBRIC = Rubric(**{name: SCHEME_2026[name] for name in Rubric.__dataclass_fields__})
ON_TIME = ReportFacts(on_time=True)
LATE = ReportFacts(on_time=False)
# staffing and procedure met, archiving not; both veto items met.
TWO_OF_THREE = {
    "independence": True,
    "no_falsification": True,
    "staffing": True,
    "procedure": True,
    "archiving": False,
}


def six_reports() -> list[ReportFacts]:
    return [
        ReportFacts(on_time=True, objection_upheld=True),
        ReportFacts(on_time=True, times_returned=2),
        ReportFacts(on_time=True, spot_check_deviations=1),
        ON_TIME,
        ON_TIME,
        LATE,
    ]


def test_the_hand_computed_example():
    # Scheme 2026: weights timeliness 30 / quality 50 / compliance 20; deductions: objection
    # upheld 20, conclusion returned 10 each time, spot-check deviation 40; bands 90/80/60.
    # Six reports, five on time:            timeliness = 30 x 5/6               = 25.00
    # Report scores: objection upheld 100-20 = 80; returned twice 100-2x10 = 80;
    #   spot-check deviation 100-40 = 60; three clean 100 each: sum 520, mean 86.666...
    #                                        quality    = 50 x 86.666.../100    = 43.333... -> 43.33
    # Non-veto items: 2 of 3 met:           compliance = 20 x 2/3              = 13.333... -> 13.33
    # Total = 25.00 + 43.33 + 13.33 = 81.66 (the published parts add up), >= 80: good.
    result = evaluate(RUBRIC, six_reports(), TWO_OF_THREE)

    assert result.reports == 6
    assert result.on_time == 5
    assert result.timeliness == Decimal("25.00")
    assert result.quality == Decimal("43.33")
    assert result.compliance == Decimal("13.33")
    assert result.total == Decimal("81.66")
    assert result.grade == "good"
    assert result.graded and not result.vetoed
    assert result.report_scores == [Decimal(n) for n in ("80", "80", "60", "100", "100", "100")]


def test_a_veto_item_not_met_gives_the_lowest_grade_whatever_the_total():
    answers = {**TWO_OF_THREE, "archiving": True, "no_falsification": False}
    result = evaluate(RUBRIC, [ON_TIME] * 6, answers)

    # Every part is full: 30 + 50 + 20 = 100, which would be excellent.
    assert result.total == Decimal("100.00")
    assert result.vetoed
    assert result.grade == "fail"


def test_an_institution_with_fewer_reports_than_the_minimum_is_not_graded():
    result = evaluate(RUBRIC, [ON_TIME] * 4, {**TWO_OF_THREE, "archiving": True})

    assert result.total == Decimal("100.00"), "its figures are still computed"
    assert not result.graded
    assert result.grade == ""

    assert evaluate(RUBRIC, [ON_TIME] * 5, {}).graded, "five reports are enough"


def test_too_few_reports_is_not_graded_even_when_vetoed():
    result = evaluate(RUBRIC, [ON_TIME] * 3, {"independence": False})

    assert result.vetoed
    assert result.grade == ""


def test_an_unanswered_item_is_not_met_and_an_unanswered_veto_item_does_not_veto():
    result = evaluate(RUBRIC, [ON_TIME] * 5, {"staffing": True})

    assert result.compliance == Decimal("6.67")  # 20 x 1/3
    assert not result.vetoed


def test_a_report_score_never_goes_below_zero():
    battered = ReportFacts(
        on_time=True, objection_upheld=True, times_returned=3, spot_check_deviations=2
    )
    # 20 + 3 x 10 + 2 x 40 = 130 points of deductions: the report scores 0, not -30.
    result = evaluate(RUBRIC, [battered, ON_TIME], {})

    assert result.report_scores == [Decimal("0.00"), Decimal("100.00")]
    assert result.quality == Decimal("25.00")  # 50 x (0 + 100) / 200


@pytest.mark.parametrize(
    ("total_parts", "grade"),
    [
        ((30, 50, 10), "excellent"),  # 90.00: a band's minimum belongs to it
        ((30, 49.99, 10), "good"),  # 89.99
        ((30, 40, 10), "good"),  # 80.00
        ((10, 40, 10), "pass"),  # 60.00
        ((10, 39.99, 10), "fail"),  # 59.99
    ],
)
def test_bands_include_their_minimum(total_parts, grade):
    timeliness, quality, compliance = total_parts
    rubric = Rubric(
        weights={"timeliness": timeliness, "quality": quality, "compliance": compliance},
        deductions={},
        bands=RUBRIC.bands,
        min_reports=1,
        checklist=[{"code": "x", "zh": "x", "veto": False}],
    )
    assert evaluate(rubric, [ON_TIME], {"x": True}).grade == grade


def test_parts_round_half_up():
    assert round_half_up(Fraction(1, 8)) == Decimal("0.13")  # 0.125
    assert round_half_up(Fraction(2, 3)) == Decimal("0.67")
    assert round_half_up(Fraction(1, 200)) == Decimal("0.01")
    assert round_half_up(Fraction(1, 201)) == Decimal("0.00")
    # Exact halves from weights stored as strings: no float error may tip a half down.
    rubric = Rubric(
        weights={"timeliness": "0.1", "quality": 0, "compliance": 0},
        deductions={},
        bands=RUBRIC.bands,
        min_reports=1,
        checklist=[],
    )
    # 0.1 x 5/8 = 0.0625 -> 0.06; 0.1 x 3/8 = 0.0375 -> 0.04
    assert evaluate(rubric, [ON_TIME] * 5 + [LATE] * 3, {}).timeliness == Decimal("0.06")
    assert evaluate(rubric, [ON_TIME] * 3 + [LATE] * 5, {}).timeliness == Decimal("0.04")


def test_a_scheme_without_non_veto_items_gives_full_compliance():
    rubric = Rubric.from_json(
        {**RUBRIC.to_json(), "checklist": [{"code": "v", "zh": "v", "veto": True}]}
    )

    assert evaluate(rubric, [ON_TIME] * 5, {"v": True}).compliance == Decimal("20.00")


def test_the_rubric_survives_its_json_round_trip():
    again = Rubric.from_json(RUBRIC.to_json())
    assert evaluate(again, six_reports(), TWO_OF_THREE) == evaluate(
        RUBRIC, six_reports(), TWO_OF_THREE
    )
    facts = ReportFacts(
        on_time=False, objection_upheld=True, times_returned=2, spot_check_deviations=1
    )
    assert ReportFacts.from_json(facts.to_json()) == facts


@pytest.mark.parametrize(
    ("concluded_at", "due", "on_time"),
    [
        # 23:30 Beijing time on the due date is 15:30 UTC: on time.
        (datetime(2026, 6, 30, 15, 30, tzinfo=UTC), date(2026, 6, 30), True),
        # 00:30 Beijing time the day after is still June 30 in UTC: late.
        (datetime(2026, 6, 30, 16, 30, tzinfo=UTC), date(2026, 6, 30), False),
        (datetime(2026, 6, 1, 2, 0, tzinfo=UTC), date(2026, 6, 30), True),
        (datetime(2026, 7, 1, 2, 0, tzinfo=UTC), None, True),  # no deadline to miss
        (None, date(2026, 6, 30), False),  # never submitted
    ],
)
def test_on_time_is_decided_on_the_beijing_date(concluded_at, due, on_time):
    assert submitted_on_time(concluded_at, due) is on_time
