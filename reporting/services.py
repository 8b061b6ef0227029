"""Every write to monthly certifications: drafts, values, evidence, submission (which meets the
calendar's obligation), review and waivers. One transaction each, audited, scoped to the actor."""

import hashlib
from datetime import date

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import scoping
from core import audit
from core.errors import DomainError, PermissionDenied
from core.models import AuditAction
from deadlines import services as deadlines
from reporting import submissions, validation
from reporting.calculation import compute
from reporting.models import (
    ALLOWED_EVIDENCE_EXTENSIONS,
    DataItemSchema,
    EvidenceFile,
    MonthlyCertification,
    Severity,
    SubmissionStatus,
    ValidationFinding,
    ValidationThreshold,
)
from units.models import Enterprise

AUDITED = ("status", "values", "explanations", "emissions", "review_comment")


def _lock(actor: scoping.Actor, certification: MonthlyCertification) -> MonthlyCertification:
    return submissions.lock(actor, certification, "schema")


def _record(actor, certification, before, *, action=AuditAction.STATUS, note=""):
    submissions.record_event(actor, certification, before, AUDITED, action=action, note=note)


def schema_for(enterprise: Enterprise, year: int) -> DataItemSchema:
    """The schema of the unit's sector for the year, or the latest earlier one (a year without a
    schema of its own reports as the year before until the new one is loaded); a year before the
    first loaded schema reports with that first one."""
    schemas = DataItemSchema.objects.filter(sector=enterprise.industry.sector)
    schema = (
        schemas.filter(year__lte=year).order_by("-year").first() or schemas.order_by("year").first()
    )
    if schema is None:
        raise DomainError(_("There is no data item schema for this sector yet."))
    return schema


@transaction.atomic
def start(
    *,
    actor: scoping.Actor,
    enterprise: Enterprise,
    year: int,
    month: int,
    today: date | None = None,
) -> MonthlyCertification:
    """The month's draft: the existing one, a first version, or a correction of the standing
    version (a new version starting from its values)."""
    enterprise = scoping.get_visible(
        actor, Enterprise.objects.select_related("industry", "province"), pk=enterprise.pk
    )
    submissions.require_own(actor, enterprise.pk)
    today = today or timezone.localdate()
    if (
        not 1 <= month <= 12
        or date(year, month, 1) > today.replace(day=1)
        or (year, month) == (today.year, today.month)
    ):
        raise DomainError(_("A month can be certified once it has ended."), field="month")
    versions = MonthlyCertification.objects.select_for_update().filter(
        enterprise=enterprise, year=year, month=month
    )
    draft = versions.filter(status=SubmissionStatus.DRAFT).first()
    if draft is not None:
        return draft
    standing, version = submissions.next_version(versions)
    certification = MonthlyCertification.objects.create(
        enterprise=enterprise,
        year=year,
        month=month,
        version=version,
        supersedes=standing,
        schema=standing.schema if standing else schema_for(enterprise, year),
        values=dict(standing.values) if standing else {},
        explanations=dict(standing.explanations) if standing else {},
    )
    _record(actor, certification, {}, action=AuditAction.CREATE)
    return certification


def _context(certification: MonthlyCertification) -> validation.Context:
    if certification.month == 1:
        return validation.Context(month=1)
    previous = (
        MonthlyCertification.objects.filter(
            enterprise=certification.enterprise_id,
            year=certification.year,
            month=certification.month - 1,
            status__in=submissions.STANDING,
        )
        .only("values")
        .first()
    )
    threshold = ValidationThreshold.objects.filter(code="month_over_month_change_pct").first()
    previous_values, _errors = (
        validation.parse(list(certification.schema.items.all()), previous.values)
        if previous
        else ({}, [])
    )
    return validation.Context(
        month=certification.month,
        previous_values=previous_values or None,
        previous_month_certified=previous is not None,
        change_threshold_pct=threshold.value
        if threshold
        else validation.Context.change_threshold_pct,
    )


def _evaluate(certification: MonthlyCertification) -> list[validation.Found]:
    """Validate, compute emissions when complete, and store the findings (waivers of findings
    that remain are kept)."""
    items = list(certification.schema.items.all())
    values, found = validation.validate(
        formula_version=certification.schema.formula_version,
        items=items,
        raw=certification.values,
        context=_context(certification),
    )
    errors = [f for f in found if f.severity == Severity.ERROR]
    if errors:
        certification.emissions, certification.calculation, certification.formula_version = (
            None,
            [],
            "",
        )
    else:
        result = compute(
            formula_version=certification.schema.formula_version, items=items, values=values
        )
        certification.emissions = result.total
        certification.calculation = [
            {
                "group": line.group,
                "kind": line.kind,
                "formula": line.formula,
                "tonnes": str(line.tonnes),
            }
            for line in result.lines
        ]
        certification.formula_version = result.formula_version
    waived = {f.key: f for f in certification.findings.exclude(waived_at=None)}
    certification.findings.all().delete()
    ValidationFinding.objects.bulk_create(
        ValidationFinding(
            certification=certification,
            rule=f.rule,
            item_code=f.item_code,
            severity=f.severity,
            params=f.params,
            waived_by=waived[f.key].waived_by if f.key in waived else None,
            waived_at=waived[f.key].waived_at if f.key in waived else None,
            waiver_justification=waived[f.key].waiver_justification if f.key in waived else "",
        )
        for f in found
    )
    return found


@transaction.atomic
def save_values(
    *,
    actor: scoping.Actor,
    certification: MonthlyCertification,
    values: dict[str, str],
    explanations: dict[str, str] | None = None,
) -> list[validation.Found]:
    """Save a draft's values (as typed) and the explanations of its warnings; returns what the
    validation found. Only a draft is ever edited."""
    certification = _lock(actor, certification)
    submissions.require_own(actor, certification.enterprise_id)
    if not certification.is_editable:
        raise DomainError(_("A submitted certification is never changed; start a new version."))
    codes = set(certification.schema.items.values_list("code", flat=True))
    unknown = set(values) - codes
    if unknown:
        raise DomainError(_("Unknown items: %(items)s") % {"items": ", ".join(sorted(unknown))})
    before = audit.snapshot(certification, AUDITED)
    certification.values = {
        code: str(value).strip() for code, value in values.items() if str(value).strip()
    }
    if explanations is not None:
        certification.explanations = {
            k: v.strip() for k, v in explanations.items() if v and v.strip()
        }
    found = _evaluate(certification)
    certification.save()
    _record(actor, certification, before, action=AuditAction.UPDATE)
    return found


@transaction.atomic
def submit(*, actor: scoping.Actor, certification: MonthlyCertification) -> MonthlyCertification:
    """Submit a draft: refused while it has errors or unexplained warnings; the version it
    corrects is superseded, and the calendar's obligation for the month is met (late if after
    its due date)."""
    certification = _lock(actor, certification)
    submissions.require_own(actor, certification.enterprise_id)
    if not certification.is_editable:
        raise DomainError(_("Only a draft can be submitted."))
    found = _evaluate(certification)
    errors = [f for f in found if f.severity == Severity.ERROR]
    if errors:
        raise DomainError(_("Correct the errors before submitting."))
    waived = set(certification.findings.exclude(waived_at=None).values_list("rule", "item_code"))
    unexplained = [
        f
        for f in found
        if f.severity == Severity.WARNING
        and not certification.explanations.get(f.key)
        and (f.rule, f.item_code) not in waived
    ]
    if unexplained:
        raise DomainError(_("Explain every warning before submitting."))
    submissions.mark_submitted(actor, certification, AUDITED)
    deadlines.fulfil(
        actor=actor,
        kind="monthly_certification",
        enterprise=certification.enterprise,
        period_start=certification.period_start,
        met_at=certification.submitted_at,
        fulfilment=f"reporting.monthlycertification:{certification.pk}",
    )
    return certification


REVIEW_REFUSALS = {
    "reviewer": gettext_lazy("Only the province's staff review certifications."),
    "status": gettext_lazy("Only a submitted certification can be reviewed."),
}


def _review(actor, certification, *, status: str, comment: str) -> MonthlyCertification:
    certification = _lock(actor, certification)
    return submissions.review(
        actor, certification, AUDITED, status=status, comment=comment, refusals=REVIEW_REFUSALS
    )


@transaction.atomic
def accept(
    *, actor: scoping.Actor, certification: MonthlyCertification, comment: str = ""
) -> MonthlyCertification:
    return _review(actor, certification, status=SubmissionStatus.ACCEPTED, comment=comment)


@transaction.atomic
def return_for_correction(
    *, actor: scoping.Actor, certification: MonthlyCertification, comment: str
) -> MonthlyCertification:
    submissions.require_comment(comment)
    return _review(actor, certification, status=SubmissionStatus.RETURNED, comment=comment)


@transaction.atomic
def waive(
    *, actor: scoping.Actor, finding: ValidationFinding, justification: str
) -> ValidationFinding:
    """Staff accept a warning as it is, with a justification shown to reviewers and audited."""
    certification = _lock(actor, finding.certification)
    if not submissions.is_reviewer(actor, certification):
        raise PermissionDenied(REVIEW_REFUSALS["reviewer"])
    finding = ValidationFinding.objects.select_for_update().get(
        pk=finding.pk, certification=certification
    )
    if certification.status not in (SubmissionStatus.DRAFT, SubmissionStatus.SUBMITTED):
        raise DomainError(_("A version that has been decided on keeps its findings as they are."))
    if finding.severity != Severity.WARNING:
        raise DomainError(_("Only a warning can be waived; an error must be corrected."))
    if not justification.strip():
        raise DomainError(_("Give the justification for the waiver."), field="justification")
    finding.waived_by = actor.user
    finding.waived_at = timezone.now()
    finding.waiver_justification = justification.strip()
    finding.save()
    audit.record(
        actor=actor.user,
        action=AuditAction.STATUS,
        target=certification,
        tenant_code=certification.enterprise.province.code,
        changes={f"waiver:{finding.key}": {"before": None, "after": finding.waiver_justification}},
    )
    return finding


# The first bytes of each accepted type: a renamed file of another type is refused.
SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "xlsx": (b"PK\x03\x04",),
}


def _content_matches(uploaded_file, extension: str) -> bool:
    uploaded_file.seek(0)
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    return head.startswith(SIGNATURES[extension])


def _sha256(uploaded_file) -> str:
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return digest.hexdigest()


@transaction.atomic
def add_evidence(
    *, actor: scoping.Actor, certification: MonthlyCertification, uploaded_file, kind: str,
    item_code: str = "", lab_report_number: str = "", lab_report_date: date | None = None,
) -> EvidenceFile:  # fmt: skip
    """Attach a file to a draft: PDF, image or xlsx, within the size limit; its SHA-256 and the
    server's time of receipt are stored and shown."""
    certification = _lock(actor, certification)
    submissions.require_own(actor, certification.enterprise_id)
    if not certification.is_editable:
        raise DomainError(_("Evidence is added to a draft; start a new version to add more."))
    return store_file(
        EvidenceFile,
        actor=actor,
        uploaded_file=uploaded_file,
        kind=kind,
        tenant_code=certification.enterprise.province.code,
        lab_report_number=lab_report_number,
        lab_report_date=lab_report_date,
        certification=certification,
        item_code=item_code,
    )


def store_file(
    model, *, actor: scoping.Actor, uploaded_file, kind: str, tenant_code: str,
    lab_report_number: str = "", lab_report_date: date | None = None, **owner,
):  # fmt: skip
    """Check and store an uploaded document of any submission (`model` is the StoredFile
    subclass, `owner` its link to the submission): PDF, image or xlsx whose bytes match its
    type, within the size limit; its SHA-256 is stored and audited. The caller holds the lock
    on the submission and has checked who may attach."""
    extension = uploaded_file.name.rsplit(".", 1)[-1].lower() if "." in uploaded_file.name else ""
    if extension not in ALLOWED_EVIDENCE_EXTENSIONS:
        raise DomainError(_("Only PDF, PNG, JPEG and xlsx files are accepted."), field="file")
    if uploaded_file.size == 0:
        raise DomainError(_("The file is empty."), field="file")
    if uploaded_file.size > settings.EVIDENCE_MAX_UPLOAD_BYTES:
        # filesizeformat, not whole megabytes: a limit under 1 MB read "larger than 0 MB".
        raise DomainError(
            _("The file is larger than %(limit)s.")
            % {"limit": filesizeformat(settings.EVIDENCE_MAX_UPLOAD_BYTES)},
            field="file",
        )
    if not _content_matches(uploaded_file, extension):
        raise DomainError(
            _("The file's content is not %(type)s; only PDF, PNG, JPEG and xlsx are accepted.")
            % {"type": extension.upper()},
            field="file",
        )
    if not kind.strip():
        raise DomainError(_("Say what kind of evidence this is."), field="kind")
    stored = model(
        kind=kind.strip(),
        original_name=uploaded_file.name[:255],
        size=uploaded_file.size,
        sha256=_sha256(uploaded_file),
        uploaded_by=actor.user,
        lab_report_number=lab_report_number.strip(),
        lab_report_date=lab_report_date,
        **owner,
    )
    stored.file.save(uploaded_file.name, uploaded_file, save=False)
    stored.save()
    audit.record(
        actor=actor.user,
        action=AuditAction.CREATE,
        target=stored,
        tenant_code=tenant_code,
        changes={
            "sha256": {"before": None, "after": stored.sha256},
            "size": {"before": None, "after": stored.size},
        },
    )
    return stored
