"""Assignments in the states the verifier's work and the province's confirmation start from."""

import hashlib
from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from reporting.models import (
    EvidenceFile,
    MonthlyCertification,
    QualityControlPlan,
    ReportAttachment,
    SubmissionStatus,
)
from tests.factories.reporting import AnnualReportFactory, schema
from tests.factories.units import FacilityFactory
from tests.factories.verification import AssignmentFactory
from verification.models import Assignment, AssignmentStatus, VerifiedActivity

VERIFIED_EMISSIONS = Decimal("2431234.56")


def power_assignment(enterprise, institution, *, units=("1号机组", "2号机组"), **kwargs):
    """An assigned verification of the unit's accepted 2025 report, the unit having these
    generating units (what the verified activity data are per)."""
    for name in units:
        FacilityFactory(enterprise=enterprise, name=name)
    report = AnnualReportFactory(enterprise=enterprise)
    return AssignmentFactory(report=report, institution=institution, **kwargs)


def complete_work(assignment: Assignment, *, emissions=VERIFIED_EMISSIONS) -> Assignment:
    """Everything the conclusion needs, written directly: document review, on-site check,
    verified emissions and every activity row (3,000,000 MWh and 0 GJ per generating unit)."""
    assignment.document_review = "核对了排放报告、月度存证和质量控制计划。"
    assignment.document_reviewed_on = date(2026, 4, 20)
    assignment.site_visit = "现场查看了燃煤计量皮带秤和化验室。"
    assignment.site_visited_on = date(2026, 5, 10)
    assignment.verified_emissions = emissions
    assignment.save()
    for facility in assignment.enterprise.facilities.filter(category="generating_unit"):
        VerifiedActivity.objects.create(
            assignment=assignment,
            facility=facility,
            item_code="power_generated",
            value=Decimal("1500000"),
            unit="MWh",
        )
        VerifiedActivity.objects.create(
            assignment=assignment, facility=facility, item_code="heat_supplied", value=0, unit="GJ"
        )
    return assignment


def concluded(assignment: Assignment, *, by) -> Assignment:
    complete_work(assignment)
    assignment.conclusion = "排放报告数据真实、准确，符合核算指南要求。"
    assignment.status = AssignmentStatus.CONCLUDED
    assignment.concluded_at = timezone.now()
    assignment.concluded_by = by
    assignment.save()
    return assignment


def certification(enterprise, month: int, *, status=SubmissionStatus.ACCEPTED, year=2025):
    return MonthlyCertification.objects.create(
        enterprise=enterprise,
        year=year,
        month=month,
        status=status,
        schema=schema(enterprise.industry.sector),
        values={"power_generated": "250000"},
        emissions=Decimal("203289.24"),
        submitted_at=timezone.now(),
    )


def plan(enterprise, *, year=2025, status=SubmissionStatus.ACCEPTED):
    return QualityControlPlan.objects.create(
        enterprise=enterprise,
        year=year,
        status=status,
        content={"boundary": "厂界内全部燃煤机组。", "qa_qc": "每月内部核查。"},
    )


def _stored(content: bytes, name: str) -> dict:
    return {
        "kind": "other",
        "file": ContentFile(content, name=name),
        "original_name": name,
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }


def evidence(certification, *, uploaded_by, content=b"metering record", name="皮带秤记录.pdf"):
    return EvidenceFile.objects.create(
        certification=certification, uploaded_by=uploaded_by, **_stored(content, name)
    )


def attachment(report, *, uploaded_by, content=b"annual report", name="排放报告.pdf"):
    return ReportAttachment.objects.create(
        report=report, uploaded_by=uploaded_by, **_stored(content, name)
    )
