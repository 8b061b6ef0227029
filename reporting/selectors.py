"""Every read of monthly certifications, scoped to the acting user through accounts.scoping."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts import scoping
from core.models import AuditEvent, target_label
from reporting.models import (
    DataItem,
    EvidenceFile,
    MonthlyCertification,
    Severity,
    SubmissionStatus,
    ValidationFinding,
)
from units.models import City


@dataclass(frozen=True)
class QueueFilters:
    sector: str = ""
    city: City | None = None
    year: int | None = None
    month: int | None = None
    status: str = SubmissionStatus.SUBMITTED
    has_warnings: bool = False
    q: str = ""


def _certifications(actor: scoping.Actor) -> QuerySet[MonthlyCertification]:
    return scoping.visible(actor, MonthlyCertification).select_related(
        "enterprise__city", "enterprise__industry", "enterprise__province", "schema"
    )


def review_queue(*, actor: scoping.Actor, filters: QueueFilters) -> QuerySet[MonthlyCertification]:
    """Staff's queue: by default what waits for review, oldest submission first."""
    warnings = ValidationFinding.objects.filter(
        certification=OuterRef("pk"), severity=Severity.WARNING
    )
    rows = (
        _certifications(actor)
        .exclude(status=SubmissionStatus.DRAFT)
        .annotate(has_warnings=Exists(warnings))
        .order_by("submitted_at", "pk")
    )
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.sector:
        rows = rows.filter(enterprise__industry__sector=filters.sector)
    if filters.city:
        rows = rows.filter(enterprise__city=filters.city)
    if filters.year:
        rows = rows.filter(year=filters.year)
    if filters.month:
        rows = rows.filter(month=filters.month)
    if filters.has_warnings:
        rows = rows.filter(has_warnings=True)
    if filters.q:
        term = filters.q.strip()
        rows = rows.filter(
            Q(enterprise__name_zh__icontains=term) | Q(enterprise__uscc__icontains=term.upper())
        )
    return rows


def enterprise_certifications(*, actor: scoping.Actor, year: int) -> QuerySet[MonthlyCertification]:
    """The actor's enterprises' versions of a year, newest first within each month."""
    return (
        _certifications(actor)
        .filter(year=year, enterprise__in=actor.enterprise_ids)
        .order_by("enterprise__name_zh", "month", "-version")
    )


def certification_detail(*, actor: scoping.Actor, public_id) -> MonthlyCertification:
    return scoping.get_visible(
        actor,
        _certifications(actor).select_related("submitted_by", "reviewed_by", "supersedes"),
        public_id=public_id,
    )


def items_of(certification: MonthlyCertification) -> list[DataItem]:
    return list(certification.schema.items.all())


def findings(
    *, actor: scoping.Actor, certification: MonthlyCertification
) -> QuerySet[ValidationFinding]:
    return (
        scoping.visible(actor, ValidationFinding)
        .filter(certification=certification)
        .select_related("waived_by")
    )


def evidence(
    *, actor: scoping.Actor, certification: MonthlyCertification
) -> QuerySet[EvidenceFile]:
    return (
        scoping.visible(actor, EvidenceFile)
        .filter(certification=certification)
        .select_related("uploaded_by")
    )


def evidence_file(*, actor: scoping.Actor, public_id) -> EvidenceFile:
    """A file for download: only to users who may see its certification (else NotFound)."""
    return scoping.get_visible(
        actor, EvidenceFile.objects.select_related("certification"), public_id=public_id
    )


@dataclass(frozen=True)
class FieldChange:
    item: DataItem | None
    code: str
    before: str
    after: str


def diff(certification: MonthlyCertification) -> list[FieldChange]:
    """Field by field, what this version changes against the version it corrects."""
    previous = certification.supersedes
    if previous is None:
        return []
    items = {item.code: item for item in items_of(certification)}
    codes = sorted(
        set(previous.values) | set(certification.values),
        key=lambda c: (items[c].order if c in items else 999, c),
    )
    return [
        FieldChange(
            items.get(code), code, previous.values.get(code, ""), certification.values.get(code, "")
        )
        for code in codes
        if previous.values.get(code, "") != certification.values.get(code, "")
    ]


def versions(
    *, actor: scoping.Actor, certification: MonthlyCertification
) -> QuerySet[MonthlyCertification]:
    return (
        _certifications(actor)
        .filter(
            enterprise=certification.enterprise_id,
            year=certification.year,
            month=certification.month,
        )
        .order_by("-version")
    )


def history(*, actor: scoping.Actor, certification: MonthlyCertification) -> QuerySet[AuditEvent]:
    scoping.get_visible(actor, MonthlyCertification, pk=certification.pk)
    return AuditEvent.objects.filter(
        target_type=target_label(MonthlyCertification), target_id=str(certification.pk)
    )


def months_to_certify(*, actor: scoping.Actor, today: date) -> list[tuple[int, int]]:
    """The ended months of this year and last December that the user's units may certify."""
    months = [(today.year, m) for m in range(1, today.month)]
    return ([(today.year - 1, 12)] if today.month <= 2 else []) + months
