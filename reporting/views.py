"""Monthly certification pages: the enterprise's months, the certification with its web form,
findings, emissions, evidence and versions, and the provincial review queue with its actions.
Thin: parse, resolve the actor, call one service or selector, render. A refused action shows
the page again with 400 and the reason."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import scoping
from core.errors import DomainError
from reporting import messages as wording
from reporting import selectors, services, submission_views, submissions, value_views
from reporting.forms import (
    CertificationValuesForm,
    EvidenceForm,
    QueueFilterForm,
    StartForm,
    WaiverForm,
)
from reporting.models import Severity, SubmissionStatus
from reporting.submission_views import Kind
from units import selectors as units


def _ended_months(year: int, today: date) -> list[int]:
    if year < today.year:
        return list(range(1, 13))
    if year == today.year:
        return list(range(1, today.month))
    return []


def _year(value, today: date) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return today.year
    return year if 2000 <= year <= today.year else today.year


def _certifications_page(request, actor, year: int, *, start_form=None, status=200):
    today = timezone.localdate()
    enterprises = list(units.my_enterprises(actor=actor))
    months = _ended_months(year, today)
    latest = {}
    for certification in selectors.enterprise_certifications(actor=actor, year=year):
        latest.setdefault((certification.enterprise_id, certification.month), certification)
    covered = selectors.certifying_units(actor=actor, enterprises=enterprises, year=year)
    due = selectors.monthly_obligations(
        actor=actor,
        enterprise_ids=[enterprise.pk for enterprise in enterprises],
        periods=[date(year, month, 1) for month in months],
    )
    sections = [
        {
            "enterprise": enterprise,
            "covered": enterprise.pk in covered,
            "rows": [
                {
                    "period": date(year, month, 1),
                    "month": month,
                    "latest": latest.get((enterprise.pk, month)),
                    "obligation": due.get((enterprise.pk, date(year, month, 1))),
                    "action": submission_views.next_action(latest.get((enterprise.pk, month))),
                }
                for month in reversed(months)
            ],
        }
        for enterprise in enterprises
    ]
    context = {
        "year": year,
        "previous_year": year - 1,
        "next_year": year + 1 if year < today.year else None,
        "sections": sections,
        "start_form": start_form,
        "today": today,
    }
    return render(request, "reporting/certifications.html", context, status=status)


@login_required
def certifications(request):
    actor = scoping.actor_for(request.user)
    year = _year(request.GET.get("year"), timezone.localdate())
    return _certifications_page(request, actor, year)


def _start_refused(request, actor, **page):
    """The year's page again, for the year the refused start was for."""
    year = _year(request.POST.get("year"), timezone.localdate())
    return _certifications_page(request, actor, year, **page)


def _evidence(actor, certification, items_by_code):
    files = list(selectors.evidence(actor=actor, certification=certification))
    for file in files:
        file.kind_label = wording.evidence_kind(file.kind)
        file.item_label = wording.item_name(items_by_code.get(file.item_code), file.item_code)
    return files


def _detail_context(actor, certification, *, error=None, **forms):
    items = selectors.items_of(certification)
    by_code = {item.code: item for item in items}
    findings = list(selectors.findings(actor=actor, certification=certification))
    warnings = [f for f in findings if f.severity == Severity.WARNING]
    is_own = submission_views.is_own(actor, certification)
    is_reviewer = submissions.is_reviewer(actor, certification)
    editable = is_own and certification.is_editable
    under_review = is_reviewer and certification.status == SubmissionStatus.SUBMITTED
    values_form = value_views.values_form(
        CertificationValuesForm,
        certification,
        forms,
        items=items,
        warnings=warnings,
        editable=editable,
    )
    failed_waiver = forms.get("waiver_form")
    rows = [
        {
            "finding": finding,
            "text": wording.describe(finding, by_code.get(finding.item_code), items=items),
            "explanation": certification.explanations.get(finding.key, ""),
            "explanation_field": values_form.explanation_field(finding) if values_form else None,
            "waiver_form": (
                failed_waiver
                if failed_waiver is not None and forms.get("waived_pk") == finding.pk
                else WaiverForm(prefix=f"waive-{finding.pk}")
            )
            if under_review and finding.severity == Severity.WARNING and not finding.waived_at
            else None,
        }
        for finding in findings
    ]
    versions = list(selectors.versions(actor=actor, certification=certification))
    obligation = selectors.monthly_obligations(
        actor=actor,
        enterprise_ids=[certification.enterprise_id],
        periods=[certification.period_start],
    ).get((certification.enterprise_id, certification.period_start))
    return {
        "certification": certification,
        "error": error,
        "is_reviewer": is_reviewer,
        "editable": editable,
        "show_waiver_justification": not is_own or is_reviewer,
        "values_form": values_form,
        "groups": value_views.grouped(items, certification.values),
        "findings": rows,
        "errors_count": sum(1 for f in findings if f.severity == Severity.ERROR),
        "warnings_count": len(warnings),
        "calculation": value_views.calculation(certification, items),
        "evidence": _evidence(actor, certification, by_code),
        "evidence_form": forms.get("evidence_form")
        or (EvidenceForm(items=items) if editable else None),
        **submission_views.review_context(
            certification, versions, forms, own_record=is_own, reviewer=is_reviewer
        ),
        "diff": selectors.diff(certification),
        "obligation": obligation,
    }


def _detail(request, actor, certification, *, status=200, **extra):
    return render(
        request,
        "reporting/certification_detail.html",
        _detail_context(actor, certification, **extra),
        status=status,
    )


CERTIFICATION = Kind(
    name="certification",
    detail=selectors.certification_detail,
    render=_detail,
    submit=services.submit,
    accept=services.accept,
    return_for_correction=services.return_for_correction,
    submitted=gettext_lazy("The certification was submitted to the provincial department."),
    after_review="reporting:review-queue",
)

certification_start = submission_views.start_view(
    form_class=StartForm,
    start=services.start,
    page=_start_refused,
    fields=("enterprise", "year", "month"),
)
certification_detail = submission_views.detail_view(CERTIFICATION)
certification_save = value_views.save_view(
    CERTIFICATION,
    form_class=CertificationValuesForm,
    warnings=lambda actor, certification: [
        f
        for f in selectors.findings(actor=actor, certification=certification)
        if f.severity == Severity.WARNING
    ],
    save=services.save_values,
)
certification_submit = submission_views.submit_view(CERTIFICATION)
evidence_add = submission_views.attach_view(
    CERTIFICATION,
    form=lambda request, certification: EvidenceForm(
        request.POST, request.FILES, items=selectors.items_of(certification)
    ),
    form_key="evidence_form",
    add=services.add_evidence,
    fields=("kind", "item_code", "lab_report_number", "lab_report_date"),
)
certification_accept = submission_views.accept_view(CERTIFICATION)
certification_return = submission_views.return_view(CERTIFICATION)


@login_required
def evidence_download(request, public_id):
    """Served only to users who may see the certification; anyone else gets 404."""
    actor = scoping.actor_for(request.user)
    return submission_views.serve(selectors.evidence_file(actor=actor, public_id=public_id))


@login_required
@require_POST
def finding_waive(request, public_id, finding_id):
    actor, certification = submission_views.under_review(CERTIFICATION, request, public_id)
    finding = (
        selectors.findings(actor=actor, certification=certification).filter(pk=finding_id).first()
    )
    if finding is None:
        raise Http404
    form = WaiverForm(request.POST, prefix=f"waive-{finding.pk}")
    extra = {"waiver_form": form, "waived_pk": finding.pk}
    if not form.is_valid():
        return _detail(request, actor, certification, status=400, **extra)
    try:
        services.waive(
            actor=actor, finding=finding, justification=form.cleaned_data["justification"]
        )
    except DomainError as error:
        return submission_views.refused(
            CERTIFICATION, request, actor, certification, error, form=form, **extra
        )
    messages.success(request, _("The warning was waived; the justification is recorded."))
    return redirect(certification)


@login_required
def review_queue(request):
    actor = scoping.actor_for(request.user)
    if not submission_views.is_staff(actor):
        raise PermissionDenied
    data = request.GET.copy()
    data.setdefault("status", SubmissionStatus.SUBMITTED)
    form = QueueFilterForm(data, cities=units.cities_for(actor=actor))
    filters = (
        selectors.QueueFilters(**form.cleaned_data) if form.is_valid() else selectors.QueueFilters()
    )
    rows = selectors.review_queue(actor=actor, filters=filters)
    return submission_views.staff_page(
        request, actor, form=form, rows=rows, template="reporting/review_queue.html"
    )
