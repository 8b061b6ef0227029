"""The reporting app's bulk snapshot dataset (core.datasets): the year's monthly
certifications and annual reports (every version but drafts, as the API serves them) and the
index of their files with SHA-256 and size."""

from django.utils.translation import gettext_lazy as _

from core.datasets import CsvFile, Dataset, columns
from reporting.models import (
    AnnualReport,
    EvidenceFile,
    MonthlyCertification,
    ReportAttachment,
    SubmissionStatus,
)

DRAFT = SubmissionStatus.DRAFT

SUBMISSION = (
    ("id", "public_id"),
    ("enterprise", "enterprise__public_id"),
    ("uscc", "enterprise__uscc"),
    ("enterprise_name", "enterprise__name_zh"),
    ("province", "enterprise__province__code"),
    ("sector", "enterprise__industry__sector"),
    "year",
)
REVIEW = (
    "version",
    "status",
    ("supersedes", "supersedes__public_id"),
    "submitted_at",
    "reviewed_at",
)
STORED_FILE = (
    ("id", "public_id"),
    "kind",
    "original_name",
    "size",
    "sha256",
    ("received_at", "created_at"),
    "lab_report_number",
    "lab_report_date",
)


def _certifications(year: int):
    return MonthlyCertification.objects.filter(year=year).exclude(status=DRAFT)


def _reports(year: int):
    return AnnualReport.objects.filter(year=year).exclude(status=DRAFT)


def _evidence(year: int):
    return EvidenceFile.objects.filter(certification__year=year).exclude(
        certification__status=DRAFT
    )


def _attachments(year: int):
    return ReportAttachment.objects.filter(report__year=year).exclude(report__status=DRAFT)


datasets = [
    Dataset(
        name="reporting",
        title=_("Monthly certifications and annual reports"),
        files=(
            CsvFile(
                name="monthly_certifications.csv",
                columns=columns(
                    *SUBMISSION,
                    "month",
                    *REVIEW,
                    "values",
                    "emissions",
                    "formula_version",
                ),
                rows=_certifications,
                province="enterprise__province",
                order=("enterprise__uscc", "month", "version"),
            ),
            CsvFile(
                name="annual_reports.csv",
                columns=columns(
                    *SUBMISSION,
                    *REVIEW,
                    "values",
                    "emissions",
                    "formula_version",
                    "months_certified",
                    "supplementary",
                ),
                rows=_reports,
                province="enterprise__province",
                order=("enterprise__uscc", "version"),
            ),
            CsvFile(
                name="evidence_files.csv",
                columns=columns(
                    ("certification", "certification__public_id"),
                    ("uscc", "certification__enterprise__uscc"),
                    ("month", "certification__month"),
                    ("version", "certification__version"),
                    "item_code",
                    *STORED_FILE,
                ),
                rows=_evidence,
                province="certification__enterprise__province",
                order=("certification__enterprise__uscc", "certification__month", "created_at"),
            ),
            CsvFile(
                name="report_attachments.csv",
                columns=columns(
                    ("report", "report__public_id"),
                    ("uscc", "report__enterprise__uscc"),
                    ("version", "report__version"),
                    *STORED_FILE,
                ),
                rows=_attachments,
                province="report__enterprise__province",
                order=("report__enterprise__uscc", "report__version", "created_at"),
            ),
        ),
    )
]
