"""Monthly certification pages: the enterprise's months, the certification with its web form,
findings, emissions, evidence and versions, and the provincial review queue with its actions.
Thin: parse, resolve the actor, call one service or selector, render. A refused action shows
the page again with 400 and the reason."""

from datetime import date
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import scoping
from core.errors import DomainError, NotFound
from core.errors import PermissionDenied as ServicePermissionDenied
from reporting import messages as wording
from reporting import selectors, services, submissions
from reporting.forms import (
    CertificationValuesForm,
    EvidenceForm,
    QueueFilterForm,
    ReturnForm,
    ReviewForm,
    StartForm,
    WaiverForm,
)
from reporting.models import Severity, SubmissionStatus
from units import selectors as units

PAGE_SIZE = 50
LINE_KINDS = {
    "combustion": gettext_lazy("Fuel combustion"),
    "process": gettext_lazy("Process"),
    "reported": gettext_lazy("Reported total"),
}


def _is_own(actor, certification) -> bool:
    return certification.enterprise_id in actor.enterprise_ids


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


def _action(latest) -> str:
    if latest is None:
        return "start"
    if latest.status == SubmissionStatus.DRAFT:
        return "continue"
    if latest.status == SubmissionStatus.RETURNED:
        return "correct"
    return "view"


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
                    "action": _action(latest.get((enterprise.pk, month))),
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


@login_required
@require_POST
def certification_start(request):
    actor = scoping.actor_for(request.user)
    if not actor.enterprise_ids:
        raise PermissionDenied
    form = StartForm(request.POST, enterprises=units.my_enterprises(actor=actor))
    year = _year(request.POST.get("year"), timezone.localdate())
    if not form.is_valid():
        if "enterprise" in form.errors and request.POST.get("enterprise"):
            raise Http404  # another unit, or none: as if it did not exist
        return _certifications_page(request, actor, year, start_form=form, status=400)
    try:
        certification = services.start(
            actor=actor,
            enterprise=form.cleaned_data["enterprise"],
            year=form.cleaned_data["year"],
            month=form.cleaned_data["month"],
        )
    except (NotFound, ServicePermissionDenied):
        raise
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _certifications_page(request, actor, year, start_form=form, status=400)
    return redirect(certification)


def _grouped(items, values):
    return [
        (wording.group_name(members), [(item, values.get(item.code, "")) for item in members])
        for members in (list(run) for _group, run in groupby(items, key=lambda i: i.group))
    ]


def _calculation(certification, items):
    groups = {}
    for item in items:
        groups.setdefault(item.group, []).append(item)
    return [
        {
            **line,
            "label": wording.group_name(groups.get(line["group"], [])),
            "kind_label": LINE_KINDS.get(line["kind"], line["kind"]),
        }
        for line in certification.calculation
    ]


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
    is_own, is_reviewer = (
        _is_own(actor, certification),
        submissions.is_reviewer(actor, certification),
    )
    editable = is_own and certification.is_editable
    under_review = is_reviewer and certification.status == SubmissionStatus.SUBMITTED
    values_form = forms.get("values_form") or (
        CertificationValuesForm(
            initial=certification.values,
            items=items,
            warnings=warnings,
            explanations=certification.explanations,
        )
        if editable
        else None
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
        "is_own": is_own,
        "is_reviewer": is_reviewer,
        "editable": editable,
        "show_waiver_justification": not is_own or is_reviewer,
        "values_form": values_form,
        "groups": _grouped(items, certification.values),
        "findings": rows,
        "errors_count": sum(1 for f in findings if f.severity == Severity.ERROR),
        "warnings_count": len(warnings),
        "calculation": _calculation(certification, items),
        "evidence": _evidence(actor, certification, by_code),
        "evidence_form": forms.get("evidence_form")
        or (EvidenceForm(items=items) if editable else None),
        "accept_form": forms.get("accept_form") or (ReviewForm() if under_review else None),
        "return_form": forms.get("return_form") or (ReturnForm() if under_review else None),
        "versions": versions,
        "may_correct": is_own
        and certification.status in submissions.STANDING
        and not any(v.status == SubmissionStatus.DRAFT for v in versions),
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


def _refused(request, actor, certification, error: DomainError, *, form=None, **forms):
    if isinstance(error, NotFound | ServicePermissionDenied):
        raise error
    if form is not None:
        form.add_error(error.field if error.field in form.fields else None, error.message)
    return _detail(request, actor, certification, status=400, error=error.message, **forms)


@login_required
def certification_detail(request, public_id):
    actor = scoping.actor_for(request.user)
    certification = selectors.certification_detail(actor=actor, public_id=public_id)
    return _detail(request, actor, certification)


def _own(request, public_id):
    actor = scoping.actor_for(request.user)
    certification = selectors.certification_detail(actor=actor, public_id=public_id)
    if not _is_own(actor, certification):
        raise PermissionDenied
    return actor, certification


@login_required
@require_POST
def certification_save(request, public_id):
    actor, certification = _own(request, public_id)
    warnings = [
        f
        for f in selectors.findings(actor=actor, certification=certification)
        if f.severity == Severity.WARNING
    ]
    form = CertificationValuesForm(
        request.POST,
        items=selectors.items_of(certification),
        warnings=warnings,
        explanations=certification.explanations,
    )
    if not form.is_valid():
        error = _("Some values are not numbers: correct the marked fields. Nothing was saved.")
        return _detail(request, actor, certification, status=400, error=error, values_form=form)
    try:
        found = services.save_values(
            actor=actor,
            certification=certification,
            values=form.values(),
            explanations=form.explanations(certification.explanations),
        )
    except DomainError as error:
        return _refused(request, actor, certification, error, form=form, values_form=form)
    errors = sum(1 for f in found if f.severity == Severity.ERROR)
    messages.success(
        request,
        _("Saved. The check found %(errors)d error(s) and %(warnings)d warning(s).")
        % {"errors": errors, "warnings": len(found) - errors},
    )
    return redirect(certification)


@login_required
@require_POST
def certification_submit(request, public_id):
    actor, certification = _own(request, public_id)
    try:
        services.submit(actor=actor, certification=certification)
    except DomainError as error:
        return _refused(request, actor, certification, error)
    messages.success(request, _("The certification was submitted to the provincial department."))
    return redirect(certification)


@login_required
@require_POST
def evidence_add(request, public_id):
    actor, certification = _own(request, public_id)
    form = EvidenceForm(request.POST, request.FILES, items=selectors.items_of(certification))
    if not form.is_valid():
        return _detail(request, actor, certification, status=400, evidence_form=form)
    try:
        services.add_evidence(
            actor=actor,
            certification=certification,
            uploaded_file=form.cleaned_data["file"],
            kind=form.cleaned_data["kind"],
            item_code=form.cleaned_data["item_code"],
            lab_report_number=form.cleaned_data["lab_report_number"],
            lab_report_date=form.cleaned_data["lab_report_date"],
        )
    except DomainError as error:
        return _refused(request, actor, certification, error, form=form, evidence_form=form)
    messages.success(request, _("The file was added; its SHA-256 is shown in the list."))
    return redirect(certification)


@login_required
def evidence_download(request, public_id):
    """Served only to users who may see the certification; anyone else gets 404."""
    actor = scoping.actor_for(request.user)
    evidence = selectors.evidence_file(actor=actor, public_id=public_id)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=evidence.original_name)


def _under_review(request, public_id):
    actor = scoping.actor_for(request.user)
    certification = selectors.certification_detail(actor=actor, public_id=public_id)
    if not submissions.is_reviewer(actor, certification):
        raise PermissionDenied
    return actor, certification


@login_required
@require_POST
def certification_accept(request, public_id):
    actor, certification = _under_review(request, public_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _detail(request, actor, certification, status=400, accept_form=form)
    try:
        services.accept(
            actor=actor, certification=certification, comment=form.cleaned_data["comment"]
        )
    except DomainError as error:
        return _refused(request, actor, certification, error, form=form, accept_form=form)
    messages.success(request, _("Accepted: %(what)s.") % {"what": certification})
    return redirect("reporting:review-queue")


@login_required
@require_POST
def certification_return(request, public_id):
    actor, certification = _under_review(request, public_id)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _detail(request, actor, certification, status=400, return_form=form)
    try:
        services.return_for_correction(
            actor=actor, certification=certification, comment=form.cleaned_data["comment"]
        )
    except DomainError as error:
        return _refused(request, actor, certification, error, form=form, return_form=form)
    messages.success(
        request, _("Returned to the enterprise for correction: %(what)s.") % {"what": certification}
    )
    return redirect("reporting:review-queue")


@login_required
@require_POST
def finding_waive(request, public_id, finding_id):
    actor, certification = _under_review(request, public_id)
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
        return _refused(request, actor, certification, error, form=form, **extra)
    messages.success(request, _("The warning was waived; the justification is recorded."))
    return redirect(certification)


@login_required
def review_queue(request):
    actor = scoping.actor_for(request.user)
    if not (actor.staff_scopes or actor.sees_all_provinces):
        raise PermissionDenied
    data = request.GET.copy()
    data.setdefault("status", SubmissionStatus.SUBMITTED)
    form = QueueFilterForm(data, cities=units.cities_for(actor=actor))
    filters = (
        selectors.QueueFilters(**form.cleaned_data) if form.is_valid() else selectors.QueueFilters()
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": Paginator(selectors.review_queue(actor=actor, filters=filters), PAGE_SIZE).get_page(
            request.GET.get("page")
        ),
        "query": query.urlencode(),
        "show_province": actor.sees_all_provinces or len(actor.province_ids) > 1,
    }
    return render(request, "reporting/review_queue.html", context)
