"""Annual emission reports: every write (start, save, attach, submit, which meets the calendar's
annual-report obligation and, for the other key industries, the supplementary data report's;
accept, which writes the year's reported emissions; return) and every read, scoped to the actor.
One transaction per write, each audited. The arithmetic is in reporting.annual."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import scoping
from core import audit
from core.errors import DomainError
from core.models import AuditAction, AuditEvent, target_label
from deadlines import services as deadlines
from deadlines.models import DeadlineRule, Obligation
from reporting import annual, submissions, validation
from reporting.calculation import compute
from reporting.models import (
    AnnualReport,
    DataItem,
    MonthlyCertification,
    ReportAttachment,
    Severity,
    SubmissionStatus,
    ValidationThreshold,
)
from reporting.services import schema_for, store_file
from units.models import AnnualEmissions, EmissionsSource, Enterprise

AUDITED = ("status", "values", "explanations", "emissions", "review_comment")
TOLERANCE_CODE = "annual_reconciliation_tolerance_pct"
DEFAULT_TOLERANCE_PCT = Decimal(5)
# Monthly versions that count for the year: what the enterprise stands by.
COUNTED = (SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED)


def _lock(actor: scoping.Actor, report: AnnualReport) -> AnnualReport:
    return submissions.lock(actor, report, "schema", "enterprise__industry")


def _record(actor, report, before, *, action=AuditAction.STATUS, note=""):
    submissions.record_event(actor, report, before, AUDITED, action=action, note=note)


def _text(value: Decimal) -> str:
    return format(value, "f")


def report_years(today: date) -> list[int]:
    """The years a report may be started for: the last two ended years, newest first."""
    return [today.year - 1, today.year - 2]


@dataclass(frozen=True)
class Months:
    """The year's counted monthly certifications of one unit, as numbers."""

    values: list[dict[str, Decimal]]
    emissions: Decimal | None
    certified: list[int]


def _months(report: AnnualReport, items: list[DataItem]) -> Months:
    rows = MonthlyCertification.objects.filter(
        enterprise=report.enterprise_id, year=report.year, status__in=COUNTED
    ).values_list("month", "values", "emissions")
    return counted_months(items, rows)


def counted_months(items: list[DataItem], rows) -> Months:
    """The Months of a unit's counted versions, given as (month, values, emissions)."""
    values, emissions, certified = [], Decimal(0), []
    for month, raw, month_emissions in rows:
        parsed, _errors = validation.parse(items, raw)
        values.append(parsed)
        certified.append(month)
        emissions += month_emissions or Decimal(0)
    return Months(values, emissions if certified else None, sorted(certified))


def national_rules(kind: str, year: int) -> list[DeadlineRule]:
    """The national calendar's rules of that kind for the year: the year's own, else the latest
    earlier year's, else the first year's (the calendar as data, whichever years are loaded)."""
    rules = list(DeadlineRule.objects.filter(kind=kind, province__isnull=True).order_by("-year"))
    years = [rule.year for rule in rules]
    chosen = next((y for y in years if y <= year), years[-1] if years else None)
    return [rule for rule in rules if rule.year == chosen]


def applies(rules: list[DeadlineRule], enterprise: Enterprise) -> bool:
    industry = enterprise.industry
    return any(
        rule.applies_to(sector=industry.sector, in_market=industry.is_market_sector)
        for rule in rules
    )


def certifies_monthly(enterprise: Enterprise, year: int) -> bool:
    """Whether the calendar asked the unit for monthly certifications that year."""
    return applies(national_rules("monthly_certification", year), enterprise)


def has_supplementary(enterprise: Enterprise, year: int) -> bool:
    """Whether the unit also owes the supplementary data report for the year (due the year
    after)."""
    return applies(national_rules("supplementary_report", year + 1), enterprise)


def tolerance() -> Decimal:
    row = ValidationThreshold.objects.filter(code=TOLERANCE_CODE).first()
    return row.value if row else DEFAULT_TOLERANCE_PCT


@transaction.atomic
def start(
    *, actor: scoping.Actor, enterprise: Enterprise, year: int, today: date | None = None
) -> AnnualReport:
    """The year's draft: the existing one, a correction of the standing version (starting from
    its values), or a first version prefilled from the year's monthly certifications."""
    enterprise = scoping.get_visible(
        actor, Enterprise.objects.select_related("industry", "province"), pk=enterprise.pk
    )
    submissions.require_own(actor, enterprise.pk)
    today = today or timezone.localdate()
    if not 2000 <= year < today.year:
        raise DomainError(_("A year can be reported once it has ended."), field="year")
    versions = AnnualReport.objects.select_for_update().filter(enterprise=enterprise, year=year)
    draft = versions.filter(status=SubmissionStatus.DRAFT).first()
    if draft is not None:
        return draft
    standing, version = submissions.next_version(versions)
    report = AnnualReport(
        enterprise=enterprise,
        year=year,
        version=version,
        supersedes=standing,
        schema=standing.schema if standing else schema_for(enterprise, year),
    )
    if standing:
        report.values, report.explanations = dict(standing.values), dict(standing.explanations)
    else:
        items = list(report.schema.items.all())
        reference = annual.monthly_reference(items, _months(report, items).values)
        report.values = {code: _text(value) for code, value in reference.items()}
    _evaluate(report)
    report.save()
    _record(actor, report, {}, action=AuditAction.CREATE)
    return report


def _evaluate(report: AnnualReport) -> list[validation.Found]:
    """Validate, compute, reconcile and store it all on the report (not saved), with what the
    database says about its unit and year."""
    items = list(report.schema.items.all())
    monthly = certifies_monthly(report.enterprise, report.year)
    return evaluate(
        report,
        items=items,
        months=_months(report, items) if monthly else None,
        tolerance_pct=tolerance() if monthly else DEFAULT_TOLERANCE_PCT,
        with_supplementary=has_supplementary(report.enterprise, report.year),
    )


def evaluate(
    report: AnnualReport,
    *,
    items: list[DataItem],
    months: Months | None,
    tolerance_pct: Decimal,
    with_supplementary: bool,
) -> list[validation.Found]:
    """Validate, compute the emissions by source when complete, reconcile with the year's
    counted months (`months`; None when the calendar did not ask the unit for them) and store it
    all on the report (not saved). No queries: the demo data evaluates thousands this way."""
    values, found = validation.parse(items, report.values)
    found += validation.completeness(report.schema.formula_version, items, values)
    # Plausible ranges are monthly for quantities; a year is checked by reconciliation.
    found += validation.ranges([i for i in items if not annual.is_additive(i)], values)
    errors = any(f.severity == Severity.ERROR for f in found)
    if errors:
        report.emissions, report.calculation, report.formula_version = None, [], ""
    else:
        result = compute(formula_version=report.schema.formula_version, items=items, values=values)
        report.emissions = result.total
        report.calculation = [
            {"group": line.group, "kind": line.kind, "formula": line.formula,
             "tonnes": _text(line.tonnes)}
            for line in result.lines
        ]  # fmt: skip
        report.formula_version = result.formula_version
    report.reconciliation, report.months_certified = [], 0
    if months is not None:
        lines = annual.reconcile(
            items=items,
            annual=values,
            reference=annual.monthly_reference(items, months.values),
            annual_emissions=report.emissions,
            monthly_emissions=months.emissions,
            tolerance_pct=tolerance_pct,
        )
        report.reconciliation = [line.as_json() for line in lines]
        report.months_certified = len(months.certified)
        found += annual.reconciliation_findings(lines, tolerance_pct)
        absent = [m for m in range(1, 13) if m not in months.certified]
        if absent:
            found.append(
                validation.Found("months_not_certified", "", Severity.WARNING, {"months": absent})
            )
    report.supplementary = (
        annual.supplementary(items, values, report.emissions) if with_supplementary else {}
    )
    report.findings = [
        {"rule": f.rule, "item_code": f.item_code, "severity": f.severity, "params": f.params}
        for f in found
    ]
    return found


@transaction.atomic
def save_values(
    *,
    actor: scoping.Actor,
    report: AnnualReport,
    values: dict[str, str],
    explanations: dict[str, str] | None = None,
) -> list[validation.Found]:
    """Save a draft's values (as typed) and the explanations of its warnings; returns what the
    validation found. Only a draft is ever edited."""
    report = _lock(actor, report)
    submissions.require_own(actor, report.enterprise_id)
    if not report.is_editable:
        raise DomainError(_("A submitted report is never changed; start a new version."))
    codes = set(report.schema.items.values_list("code", flat=True))
    unknown = set(values) - codes
    if unknown:
        raise DomainError(_("Unknown items: %(items)s") % {"items": ", ".join(sorted(unknown))})
    before = audit.snapshot(report, AUDITED)
    report.values = {
        code: str(value).strip() for code, value in values.items() if str(value).strip()
    }
    if explanations is not None:
        report.explanations = {k: v.strip() for k, v in explanations.items() if v and v.strip()}
    found = _evaluate(report)
    report.save()
    _record(actor, report, before, action=AuditAction.UPDATE)
    return found


@transaction.atomic
def add_attachment(
    *, actor: scoping.Actor, report: AnnualReport, uploaded_file, kind: str,
    lab_report_number: str = "", lab_report_date: date | None = None,
) -> ReportAttachment:  # fmt: skip
    """Attach a document to a draft (same checks as monthly evidence)."""
    report = _lock(actor, report)
    submissions.require_own(actor, report.enterprise_id)
    if not report.is_editable:
        raise DomainError(_("Documents are added to a draft; start a new version to add more."))
    return store_file(
        ReportAttachment,
        actor=actor,
        uploaded_file=uploaded_file,
        kind=kind,
        tenant_code=report.enterprise.province.code,
        lab_report_number=lab_report_number,
        lab_report_date=lab_report_date,
        report=report,
    )


def unexplained(report: AnnualReport) -> list[dict]:
    return [
        f
        for f in report.findings
        if f["severity"] == Severity.WARNING
        and not report.explanations.get(f"{f['rule']}:{f['item_code']}")
    ]


@transaction.atomic
def submit(*, actor: scoping.Actor, report: AnnualReport) -> AnnualReport:
    """Submit a draft: refused while it has errors or unexplained warnings (a reconciliation
    difference above the tolerance is a warning); the version it corrects is superseded and the
    calendar's obligations for the year are met (late after Mar 31)."""
    report = _lock(actor, report)
    submissions.require_own(actor, report.enterprise_id)
    if not report.is_editable:
        raise DomainError(_("Only a draft can be submitted."))
    found = _evaluate(report)
    report.save()
    if any(f.severity == Severity.ERROR for f in found):
        raise DomainError(_("Correct the errors before submitting."))
    if unexplained(report):
        raise DomainError(_("Explain every warning before submitting."))
    submissions.mark_submitted(actor, report, AUDITED)
    kinds = ["annual_report"] + (["supplementary_report"] if report.supplementary else [])
    for kind in kinds:
        deadlines.fulfil(
            actor=actor,
            kind=kind,
            enterprise=report.enterprise,
            period_start=report.period_start,
            met_at=report.submitted_at,
            fulfilment=f"reporting.annualreport:{report.pk}",
        )
    return report


REVIEW_REFUSALS = {
    "reviewer": gettext_lazy("Only the province's staff review annual reports."),
    "status": gettext_lazy("Only a submitted report can be reviewed."),
}


def _reported_emissions(actor: scoping.Actor, report: AnnualReport) -> AnnualEmissions:
    """The year's reported figure in the unit's emissions history becomes this report's."""
    row = (
        AnnualEmissions.objects.select_for_update()
        .filter(enterprise=report.enterprise, year=report.year, source=EmissionsSource.REPORTED)
        .first()
    )
    before = {"direct_emissions": None if row is None else str(row.direct_emissions)}
    if row is None:
        row = AnnualEmissions(
            enterprise=report.enterprise, year=report.year, source=EmissionsSource.REPORTED
        )
    row.direct_emissions = report.emissions
    row.save()
    audit.record(
        actor=actor.user,
        action=AuditAction.UPDATE if before["direct_emissions"] else AuditAction.CREATE,
        target=row,
        tenant_code=report.enterprise.province.code,
        changes=audit.diff(before, {"direct_emissions": str(row.direct_emissions)}),
        note=f"reporting.annualreport:{report.pk}",
    )
    return row


@transaction.atomic
def accept(*, actor: scoping.Actor, report: AnnualReport, comment: str = "") -> AnnualReport:
    """Accept a submitted version: its emissions become the year's reported figure, and it is
    what verification verifies."""
    report = submissions.review(
        actor,
        _lock(actor, report),
        AUDITED,
        status=SubmissionStatus.ACCEPTED,
        comment=comment,
        refusals=REVIEW_REFUSALS,
    )
    _reported_emissions(actor, report)
    return report


@transaction.atomic
def return_for_correction(
    *, actor: scoping.Actor, report: AnnualReport, comment: str
) -> AnnualReport:
    submissions.require_comment(comment)
    return submissions.review(
        actor,
        _lock(actor, report),
        AUDITED,
        status=SubmissionStatus.RETURNED,
        comment=comment,
        refusals=REVIEW_REFUSALS,
    )


# Reads


def _reports(actor: scoping.Actor) -> QuerySet[AnnualReport]:
    return scoping.visible(actor, AnnualReport).select_related(
        "enterprise__city", "enterprise__industry", "enterprise__province", "schema"
    )


def enterprise_reports(*, actor: scoping.Actor) -> QuerySet[AnnualReport]:
    """The actor's enterprises' reports, newest year and version first."""
    return (
        _reports(actor)
        .filter(enterprise__in=actor.enterprise_ids)
        .order_by("enterprise__name_zh", "-year", "-version")
    )


@dataclass(frozen=True)
class ReportFilters:
    status: str = SubmissionStatus.SUBMITTED
    year: int | None = None
    sector: str = ""
    q: str = ""


def staff_reports(*, actor: scoping.Actor, filters: ReportFilters) -> QuerySet[AnnualReport]:
    """Staff's list: submitted versions and after, oldest submission first."""
    rows = _reports(actor).exclude(status=SubmissionStatus.DRAFT).order_by("submitted_at", "pk")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.year:
        rows = rows.filter(year=filters.year)
    if filters.sector:
        rows = rows.filter(enterprise__industry__sector=filters.sector)
    if filters.q.strip():
        rows = rows.filter(enterprise__name_zh__icontains=filters.q.strip())
    return rows


def report_detail(*, actor: scoping.Actor, public_id) -> AnnualReport:
    return scoping.get_visible(
        actor,
        _reports(actor).select_related("submitted_by", "reviewed_by", "supersedes"),
        public_id=public_id,
    )


def versions(*, actor: scoping.Actor, report: AnnualReport) -> QuerySet[AnnualReport]:
    rows = _reports(actor).filter(enterprise=report.enterprise_id, year=report.year)
    return rows.order_by("-version")


def attachments(*, actor: scoping.Actor, report: AnnualReport) -> QuerySet[ReportAttachment]:
    return (
        scoping.visible(actor, ReportAttachment).filter(report=report).select_related("uploaded_by")
    )


def attachment_file(*, actor: scoping.Actor, public_id) -> ReportAttachment:
    """A file for download: only to users who may see its report (else NotFound)."""
    return scoping.get_visible(
        actor, ReportAttachment.objects.select_related("report"), public_id=public_id
    )


def history(*, actor: scoping.Actor, report: AnnualReport) -> QuerySet[AuditEvent]:
    scoping.get_visible(actor, AnnualReport, pk=report.pk)
    return AuditEvent.objects.filter(
        target_type=target_label(AnnualReport), target_id=str(report.pk)
    )


def obligations(
    *, actor: scoping.Actor, enterprise_ids, years
) -> dict[tuple[int, int], Obligation]:
    """The calendar's annual-report obligations of those units and years, keyed by (unit, year)."""
    rows = scoping.visible(actor, Obligation).filter(
        kind="annual_report",
        enterprise__in=list(enterprise_ids),
        period_start__in=[date(year, 1, 1) for year in years],
    )
    return {(row.enterprise_id, row.period_start.year): row for row in rows}
