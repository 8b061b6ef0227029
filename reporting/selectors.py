"""Every read of monthly certifications, scoped to the acting user through accounts.scoping."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts import scoping
from core.models import AuditEvent, target_label
from deadlines.models import DeadlineRule, Obligation
from reporting.models import (
    DataItem,
    EvidenceFile,
    MonthlyCertification,
    Severity,
    SubmissionStatus,
    ValidationFinding,
)
from units.models import City, Enterprise


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
    # Warnings a reviewer still has to look at: waived ones are settled.
    warnings = ValidationFinding.objects.filter(
        certification=OuterRef("pk"), severity=Severity.WARNING, waived_at__isnull=True
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


def monthly_obligations(
    *, actor: scoping.Actor, enterprise_ids, periods
) -> dict[tuple[int, date], Obligation]:
    """The calendar's monthly-certification obligations (due date, status) of those units and
    months, keyed by (enterprise id, first day of the month)."""
    rows = scoping.visible(actor, Obligation).filter(
        kind="monthly_certification",
        enterprise__in=list(enterprise_ids),
        period_start__in=list(periods),
    )
    return {(row.enterprise_id, row.period_start): row for row in rows}


def certifying_units(*, actor: scoping.Actor, enterprises, year: int) -> set[int]:
    """Which of the units the year's national calendar asks for monthly certifications (by
    sector and market scope, as data); every unit while the year has no such rule yet."""
    rules = list(
        scoping.visible(actor, DeadlineRule).filter(
            kind="monthly_certification", province__isnull=True, year=year
        )
    )
    return {
        enterprise.pk
        for enterprise in enterprises
        if not rules
        or any(
            rule.applies_to(
                sector=enterprise.industry.sector, in_market=enterprise.industry.is_market_sector
            )
            for rule in rules
        )
    }


@dataclass(frozen=True)
class MonthToCertify:
    enterprise: Enterprise
    year: int
    month: int
    draft: MonthlyCertification | None
    obligation: Obligation | None
    earlier_missing: int

    @property
    def period_start(self) -> date:
        return date(self.year, self.month, 1)


@dataclass(frozen=True)
class RequiredNow:
    to_certify: list[MonthToCertify]
    returned: list[MonthlyCertification]
    drafts: list[MonthlyCertification]


def required_now(
    *, actor: scoping.Actor, enterprises: list[Enterprise], today: date
) -> RequiredNow:
    """An enterprise user's monthly work: per unit the most recent ended month without a
    submitted version, the returned versions not yet being corrected, and the drafts."""
    months = months_to_certify(actor=actor, today=today)
    covered = certifying_units(actor=actor, enterprises=enterprises, year=months[-1][0])
    open_versions = list(
        _certifications(actor)
        .filter(
            enterprise__in=[enterprise.pk for enterprise in enterprises],
            status__in=[SubmissionStatus.DRAFT, SubmissionStatus.RETURNED],
        )
        .order_by("year", "month", "enterprise__name_zh", "version")
    )
    submitted = set(
        scoping.visible(actor, MonthlyCertification)
        .filter(enterprise__in=covered, year__in={year for year, _month in months})
        .exclude(status=SubmissionStatus.DRAFT)
        .values_list("enterprise_id", "year", "month")
    )
    drafts = {
        (c.enterprise_id, c.year, c.month): c
        for c in open_versions
        if c.status == SubmissionStatus.DRAFT
    }
    missing = {
        enterprise: gaps
        for enterprise in enterprises
        if enterprise.pk in covered
        and (gaps := [m for m in months if (enterprise.pk, *m) not in submitted])
    }
    due = monthly_obligations(
        actor=actor,
        enterprise_ids=covered,
        periods={date(*gaps[-1], 1) for gaps in missing.values()},
    )
    to_certify = [
        MonthToCertify(
            enterprise=enterprise,
            year=gaps[-1][0],
            month=gaps[-1][1],
            draft=drafts.get((enterprise.pk, *gaps[-1])),
            obligation=due.get((enterprise.pk, date(*gaps[-1], 1))),
            earlier_missing=len(gaps) - 1,
        )
        for enterprise, gaps in missing.items()
    ]
    in_to_do = {item.draft.pk for item in to_certify if item.draft}
    return RequiredNow(
        to_certify=to_certify,
        returned=[
            c
            for c in open_versions
            if c.status == SubmissionStatus.RETURNED
            and (c.enterprise_id, c.year, c.month) not in drafts
        ],
        drafts=[
            c for c in open_versions if c.status == SubmissionStatus.DRAFT and c.pk not in in_to_do
        ],
    )
