"""Annual emission report pages: the enterprise's reporting years, the report with its web form
(draft) or its values, emissions by source, reconciliation against the monthly certifications,
supplementary data, attachments, changes against the previous version and review, and the
staff's list. Thin: parse, resolve the actor, call one service or selector, render. A refused
action shows the page again with 400 and the reason."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import scoping
from core.errors import DomainError, NotFound
from core.errors import PermissionDenied as ServicePermissionDenied
from reporting import annual, reports, selectors, submissions
from reporting import messages as wording
from reporting.forms import (
    ReportAttachmentForm,
    ReportFilterForm,
    ReportStartForm,
    ReportValuesForm,
    ReturnForm,
    ReviewForm,
)
from reporting.models import Severity, SubmissionStatus
from reporting.validation import Found
from reporting.views import _action, _calculation, _grouped
from units import selectors as units

PAGE_SIZE = 50
MONTHS_IN_YEAR = 12


def _enterprise_page(request, actor, *, start_form=None, status=200):
    today = timezone.localdate()
    enterprises = list(units.my_enterprises(actor=actor))
    latest = {}
    for report in reports.enterprise_reports(actor=actor):
        latest.setdefault((report.enterprise_id, report.year), report)
    years = sorted(set(reports.report_years(today)) | {year for _pk, year in latest}, reverse=True)
    due = reports.obligations(
        actor=actor, enterprise_ids=[enterprise.pk for enterprise in enterprises], years=years
    )
    sections = [
        {
            "enterprise": enterprise,
            "rows": [
                {
                    "year": year,
                    "latest": latest.get((enterprise.pk, year)),
                    "obligation": due.get((enterprise.pk, year)),
                    "action": _action(latest.get((enterprise.pk, year))),
                }
                for year in years
            ],
        }
        for enterprise in enterprises
    ]
    context = {"sections": sections, "start_form": start_form}
    return render(request, "reporting/report_list.html", context, status=status)


def _staff_page(request, actor):
    data = request.GET.copy()
    data.setdefault("status", SubmissionStatus.SUBMITTED)
    form = ReportFilterForm(data)
    filters = (
        reports.ReportFilters(**form.cleaned_data) if form.is_valid() else reports.ReportFilters()
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": Paginator(reports.staff_reports(actor=actor, filters=filters), PAGE_SIZE).get_page(
            request.GET.get("page")
        ),
        "query": query.urlencode(),
        "show_province": actor.sees_all_provinces or len(actor.province_ids) > 1,
    }
    return render(request, "reporting/report_review.html", context)


@login_required
def report_list(request):
    actor = scoping.actor_for(request.user)
    if actor.enterprise_ids:
        return _enterprise_page(request, actor)
    if actor.staff_scopes or actor.sees_all_provinces:
        return _staff_page(request, actor)
    raise PermissionDenied


@login_required
@require_POST
def report_start(request):
    actor = scoping.actor_for(request.user)
    if not actor.enterprise_ids:
        raise PermissionDenied
    form = ReportStartForm(request.POST, enterprises=units.my_enterprises(actor=actor))
    if not form.is_valid():
        if "enterprise" in form.errors and request.POST.get("enterprise"):
            raise Http404  # another unit, or none: as if it did not exist
        return _enterprise_page(request, actor, start_form=form, status=400)
    try:
        report = reports.start(
            actor=actor,
            enterprise=form.cleaned_data["enterprise"],
            year=form.cleaned_data["year"],
        )
    except (NotFound, ServicePermissionDenied):
        raise
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _enterprise_page(request, actor, start_form=form, status=400)
    return redirect(report)


def _findings(report) -> list[Found]:
    """The stored findings, in the shape the wording and the values form work with."""
    return [
        Found(f["rule"], f["item_code"], f["severity"], f.get("params") or {})
        for f in report.findings
    ]


def _warnings(report) -> list[Found]:
    return [f for f in _findings(report) if f.severity == Severity.WARNING]


def _reconciliation(report, by_code) -> list[dict]:
    rows = []
    for line in report.reconciliation:
        code = line["item_code"]
        if code == annual.EMISSIONS:
            label, unit = _("Computed emissions"), "tCO2"
        else:
            item = by_code.get(code)
            label, unit = wording.item_name(item, code), item.unit if item else ""
        rows.append({**line, "label": label, "unit": unit})
    return rows


def _supplementary(report, by_code) -> dict | None:
    if not report.supplementary:
        return None
    code = report.supplementary.get("output_code", "")
    return {**report.supplementary, "output_label": wording.item_name(by_code.get(code), code)}


def _attachments(actor, report):
    files = list(reports.attachments(actor=actor, report=report))
    for file in files:
        file.kind_label = wording.evidence_kind(file.kind)
    return files


def _detail(request, actor, report, *, status=200, error=None, **forms):
    items = selectors.items_of(report)
    by_code = {item.code: item for item in items}
    found = _findings(report)
    warnings = [f for f in found if f.severity == Severity.WARNING]
    is_own = report.enterprise_id in actor.enterprise_ids
    is_reviewer = submissions.is_reviewer(actor, report)
    editable = is_own and report.is_editable
    under_review = is_reviewer and report.status == SubmissionStatus.SUBMITTED
    values_form = forms.get("values_form") or (
        ReportValuesForm(
            initial=report.values,
            items=items,
            warnings=warnings,
            explanations=report.explanations,
        )
        if editable
        else None
    )
    versions = list(reports.versions(actor=actor, report=report))
    context = {
        "report": report,
        "error": error,
        "is_own": is_own,
        "editable": editable,
        "values_form": values_form,
        "groups": _grouped(items, report.values),
        "findings": [
            {
                "finding": finding,
                "severity_label": Severity(finding.severity).label,
                "text": wording.describe(finding, by_code.get(finding.item_code), items=items),
                "explanation": report.explanations.get(finding.key, ""),
                "explanation_field": values_form.explanation_field(finding)
                if values_form
                else None,
            }
            for finding in found
        ],
        "errors_count": len(found) - len(warnings),
        "warnings_count": len(warnings),
        "calculation": _calculation(report, items),
        "reconciliation": _reconciliation(report, by_code),
        "reconciles": bool(report.reconciliation)
        or any(f.rule == "months_not_certified" for f in found),
        "months_in_year": MONTHS_IN_YEAR,
        "supplementary": _supplementary(report, by_code),
        "attachments": _attachments(actor, report),
        "attachment_form": forms.get("attachment_form")
        or (ReportAttachmentForm() if editable else None),
        "accept_form": forms.get("accept_form") or (ReviewForm() if under_review else None),
        "return_form": forms.get("return_form") or (ReturnForm() if under_review else None),
        "versions": versions,
        "may_correct": is_own
        and report.status in submissions.STANDING
        and not any(v.status == SubmissionStatus.DRAFT for v in versions),
        "diff": selectors.diff(report),
        "obligation": reports.obligations(
            actor=actor, enterprise_ids=[report.enterprise_id], years=[report.year]
        ).get((report.enterprise_id, report.year)),
    }
    return render(request, "reporting/report_detail.html", context, status=status)


def _refused(request, actor, report, error: DomainError, *, form=None, **forms):
    if isinstance(error, NotFound | ServicePermissionDenied):
        raise error
    if form is not None:
        form.add_error(error.field if error.field in form.fields else None, error.message)
    return _detail(request, actor, report, status=400, error=error.message, **forms)


@login_required
def report_detail(request, public_id):
    actor = scoping.actor_for(request.user)
    return _detail(request, actor, reports.report_detail(actor=actor, public_id=public_id))


def _own(request, public_id):
    actor = scoping.actor_for(request.user)
    report = reports.report_detail(actor=actor, public_id=public_id)
    if report.enterprise_id not in actor.enterprise_ids:
        raise PermissionDenied
    return actor, report


@login_required
@require_POST
def report_save(request, public_id):
    actor, report = _own(request, public_id)
    form = ReportValuesForm(
        request.POST,
        items=selectors.items_of(report),
        warnings=_warnings(report),
        explanations=report.explanations,
    )
    if not form.is_valid():
        error = _("Some values are not numbers: correct the marked fields. Nothing was saved.")
        return _detail(request, actor, report, status=400, error=error, values_form=form)
    try:
        found = reports.save_values(
            actor=actor,
            report=report,
            values=form.values(),
            explanations=form.explanations(report.explanations),
        )
    except DomainError as error:
        return _refused(request, actor, report, error, form=form, values_form=form)
    errors = sum(1 for f in found if f.severity == Severity.ERROR)
    messages.success(
        request,
        _("Saved. The check found %(errors)d error(s) and %(warnings)d warning(s).")
        % {"errors": errors, "warnings": len(found) - errors},
    )
    return redirect(report)


@login_required
@require_POST
def report_submit(request, public_id):
    actor, report = _own(request, public_id)
    try:
        reports.submit(actor=actor, report=report)
    except DomainError as error:
        return _refused(request, actor, report, error)
    messages.success(request, _("The report was submitted to the provincial department."))
    return redirect(report)


@login_required
@require_POST
def report_attachment_add(request, public_id):
    actor, report = _own(request, public_id)
    form = ReportAttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, actor, report, status=400, attachment_form=form)
    try:
        reports.add_attachment(
            actor=actor,
            report=report,
            uploaded_file=form.cleaned_data["file"],
            kind=form.cleaned_data["kind"],
            lab_report_number=form.cleaned_data["lab_report_number"],
            lab_report_date=form.cleaned_data["lab_report_date"],
        )
    except DomainError as error:
        return _refused(request, actor, report, error, form=form, attachment_form=form)
    messages.success(request, _("The file was added; its SHA-256 is shown in the list."))
    return redirect(report)


@login_required
def report_attachment_download(request, public_id):
    """Served only to users who may see the report; anyone else gets 404."""
    actor = scoping.actor_for(request.user)
    attachment = reports.attachment_file(actor=actor, public_id=public_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=attachment.original_name)


def _under_review(request, public_id):
    actor = scoping.actor_for(request.user)
    report = reports.report_detail(actor=actor, public_id=public_id)
    if not submissions.is_reviewer(actor, report):
        raise PermissionDenied
    return actor, report


@login_required
@require_POST
def report_accept(request, public_id):
    actor, report = _under_review(request, public_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _detail(request, actor, report, status=400, accept_form=form)
    try:
        reports.accept(actor=actor, report=report, comment=form.cleaned_data["comment"])
    except DomainError as error:
        return _refused(request, actor, report, error, form=form, accept_form=form)
    messages.success(request, _("Accepted: %(what)s.") % {"what": report})
    return redirect("reporting:reports")


@login_required
@require_POST
def report_return(request, public_id):
    actor, report = _under_review(request, public_id)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _detail(request, actor, report, status=400, return_form=form)
    try:
        reports.return_for_correction(
            actor=actor, report=report, comment=form.cleaned_data["comment"]
        )
    except DomainError as error:
        return _refused(request, actor, report, error, form=form, return_form=form)
    messages.success(
        request, _("Returned to the enterprise for correction: %(what)s.") % {"what": report}
    )
    return redirect("reporting:reports")
