"""Verification records as the yearly evaluation reads them (conclusions against due dates,
returns, upheld objections, spot checks), and evaluation rows built directly for page tests."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from tests.factories.accounts import UserFactory
from tests.factories.reporting import AnnualReportFactory
from tests.factories.units import EnterpriseFactory
from tests.factories.verification import AssignmentFactory
from verification.models import (
    Assignment,
    AssignmentStatus,
    EvaluationRound,
    EvaluationScheme,
    InstitutionEvaluation,
    Objection,
    ObjectionStatus,
    SpotCheck,
)
from verification.scoring import Rubric

SHANGHAI = ZoneInfo("Asia/Shanghai")
DUE = date(2026, 6, 30)


def verified_report(
    institution,
    province,
    *,
    year: int = 2025,
    on_time: bool = True,
    status: str = AssignmentStatus.CONFIRMED,
    times_returned: int = 0,
    objection: str | None = None,
    deviations: int = 0,
    checks_without_deviation: int = 0,
) -> Assignment:
    """A verification of a new unit's `year` report by `institution`, its conclusion submitted
    the evening of the due date (on time) or the morning after (late)."""
    enterprise = EnterpriseFactory(province=province)
    concluded_at = datetime(2026, 6, 30, 23, 0, tzinfo=SHANGHAI)
    if not on_time:
        concluded_at += timedelta(hours=2)
    assignment = AssignmentFactory(
        report=AnnualReportFactory(enterprise=enterprise, year=year),
        institution=institution,
        status=status,
        due_date=DUE,
        concluded_at=concluded_at if status != AssignmentStatus.ASSIGNED else None,
        confirmed_at=datetime(2026, 7, 10, 10, 0, tzinfo=SHANGHAI)
        if status == AssignmentStatus.CONFIRMED
        else None,
        times_returned=times_returned,
        verified_emissions=Decimal("2400000.00"),
    )
    staff = UserFactory()
    if objection is not None:
        Objection.objects.create(
            assignment=assignment,
            grounds="排放量核定有误",
            filed_by=staff,
            filed_on=date(2026, 7, 14),
            decide_by=date(2026, 7, 28),
            status=objection,
        )
    for found in [True] * deviations + [False] * checks_without_deviation:
        SpotCheck.objects.create(
            assignment=assignment,
            checked_on=date(2026, 9, 1),
            deviation_found=found,
            deviation_tonnes=Decimal("15000") if found else None,
            note="抽查" if found else "",
            recorded_by=staff,
        )
    return assignment


def hand_example(institution, province) -> list[Assignment]:
    """The hand-computed example of tests/verification/test_scoring.py as records: six reports,
    five on time; one objection upheld, one conclusion returned twice, one spot-check deviation."""
    return [
        verified_report(institution, province, objection=ObjectionStatus.UPHELD),
        verified_report(institution, province, times_returned=2),
        verified_report(institution, province, deviations=1, checks_without_deviation=1),
        verified_report(institution, province, objection=ObjectionStatus.REJECTED),
        verified_report(institution, province, status=AssignmentStatus.CONCLUDED),
        verified_report(institution, province, on_time=False),
    ]


TWO_OF_THREE = {
    "independence": True,
    "no_falsification": True,
    "staffing": True,
    "procedure": True,
    "archiving": False,
}


def scheme(year: int = 2026) -> EvaluationScheme:
    return EvaluationScheme.objects.get(year=year)


def evaluation_row(round_: EvaluationRound, institution, *, total="85.00", grade="good", reports=6):
    """An institution's evaluation straight into a round: only the rows matter (page tests)."""
    rubric = Rubric.of(round_.scheme)
    return InstitutionEvaluation.objects.create(
        round=round_,
        institution=institution,
        reports=reports,
        timeliness=Decimal("25.00"),
        quality=Decimal("45.00"),
        compliance=Decimal(total) - Decimal("70.00"),
        total=Decimal(total),
        grade=grade,
        checklist=dict.fromkeys(rubric.codes, True),
        inputs={"rubric": rubric.to_json(), "reports": []},
    )
