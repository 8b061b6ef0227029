"""Accepted reports and verification histories for the assignment tests."""

from reporting.models import AnnualReport
from tests.factories.reporting import AnnualReportFactory
from tests.factories.verification import AssignmentFactory
from verification.models import Assignment, AssignmentStatus


def accepted_report(enterprise, year: int = 2025) -> AnnualReport:
    return AnnualReportFactory(enterprise=enterprise, year=year)


def verified(institution, enterprise, *years: int, status=AssignmentStatus.CONFIRMED):
    """The institution's assignments of the unit's reports for those years, in that status."""
    return [
        AssignmentFactory(
            report=accepted_report(enterprise, year), institution=institution, status=status
        )
        for year in years
    ]


def open_count() -> int:
    return Assignment.objects.exclude(status=AssignmentStatus.WITHDRAWN).count()
