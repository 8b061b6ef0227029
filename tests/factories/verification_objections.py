"""Confirmed verification results, built directly (what confirmation writes), for the
objection tests."""

from datetime import datetime
from decimal import Decimal

from tests.factories.reporting import AnnualReportFactory
from tests.factories.verification import AssignmentFactory, InstitutionFactory
from units.models import AnnualEmissions, EmissionsSource
from verification.models import Assignment, AssignmentStatus, VerifiedFigures

VERIFIED = Decimal("2400000.00")
REPORTED = Decimal("2439470.88")


def confirmed_assignment(
    enterprise,
    *,
    confirmed_at: datetime,
    year: int = 2025,
    emissions: Decimal = VERIFIED,
    institution=None,
) -> Assignment:
    """A confirmed assignment of the unit's accepted report for `year`, with its verified
    figures and the year's reported and verified emissions in the unit's history."""
    report = AnnualReportFactory(enterprise=enterprise, year=year)
    assignment = AssignmentFactory(
        report=report,
        institution=institution or InstitutionFactory(provinces=[enterprise.province]),
        status=AssignmentStatus.CONFIRMED,
        verified_emissions=emissions,
        confirmed_at=confirmed_at,
        conclusion="核查结论：排放量数据真实、准确。",
    )
    VerifiedFigures.objects.create(
        assignment=assignment,
        enterprise=enterprise,
        year=year,
        emissions=emissions,
        activity=[],
        confirmed_on=confirmed_at.date(),
    )
    AnnualEmissions.objects.create(
        enterprise=enterprise, year=year, source=EmissionsSource.REPORTED, direct_emissions=REPORTED
    )
    AnnualEmissions.objects.create(
        enterprise=enterprise,
        year=year,
        source=EmissionsSource.VERIFIED,
        direct_emissions=emissions,
    )
    return assignment
