"""Annual emission report pages: the enterprise's reporting years, the report with its web form
(draft) or its values, emissions by source, reconciliation against the monthly certifications,
supplementary data, attachments, changes against the previous version and review, and the
staff's list. Thin: parse, resolve the actor, call one service or selector, render. A refused
action shows the page again with 400 and the reason."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import scoping
from reporting import annual, reports, selectors, submission_views, submissions, value_views
from reporting import messages as wording
from reporting.forms import (
    ReportAttachmentForm,
    ReportFilterForm,
    ReportStartForm,
    ReportValuesForm,
)
from reporting.models import Severity, SubmissionStatus
from reporting.submission_views import Kind
from reporting.validation import Found

MONTHS_IN_YEAR = 12


def _enterprise_page(request, actor, *, start_form=None, status=200):
    return submission_views.yearly_page(
        request,
        actor,
        records=reports.enterprise_reports(actor=actor),
        years=reports.report_years(timezone.localdate()),
        obligations=reports.obligations,
        template="reporting/report_list.html",
        start_form=start_form,
        status=status,
    )


def _staff_page(request, actor):
    data = request.GET.copy()
    data.setdefault("status", SubmissionStatus.SUBMITTED)
    form = ReportFilterForm(data)
    filters = (
        reports.ReportFilters(**form.cleaned_data) if form.is_valid() else reports.ReportFilters()
    )
    return submission_views.staff_page(
        request,
        actor,
        form=form,
        rows=reports.staff_reports(actor=actor, filters=filters),
        template="reporting/report_review.html",
    )


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
    is_own = submission_views.is_own(actor, report)
    is_reviewer = submissions.is_reviewer(actor, report)
    editable = is_own and report.is_editable
    values_form = value_views.values_form(
        ReportValuesForm, report, forms, items=items, warnings=warnings, editable=editable
    )
    versions = list(reports.versions(actor=actor, report=report))
    context = {
        "report": report,
        "error": error,
        "editable": editable,
        "values_form": values_form,
        "groups": value_views.grouped(items, report.values),
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
        "calculation": value_views.calculation(report, items),
        "reconciliation": _reconciliation(report, by_code),
        "reconciles": bool(report.reconciliation)
        or any(f.rule == "months_not_certified" for f in found),
        "months_in_year": MONTHS_IN_YEAR,
        "supplementary": _supplementary(report, by_code),
        "attachments": _attachments(actor, report),
        "attachment_form": forms.get("attachment_form")
        or (ReportAttachmentForm() if editable else None),
        **submission_views.review_context(
            report, versions, forms, own_record=is_own, reviewer=is_reviewer
        ),
        "diff": selectors.diff(report),
        "obligation": reports.obligations(
            actor=actor, enterprise_ids=[report.enterprise_id], years=[report.year]
        ).get((report.enterprise_id, report.year)),
    }
    return render(request, "reporting/report_detail.html", context, status=status)


REPORT = Kind(
    name="report",
    detail=reports.report_detail,
    render=_detail,
    submit=reports.submit,
    accept=reports.accept,
    return_for_correction=reports.return_for_correction,
    submitted=gettext_lazy("The report was submitted to the provincial department."),
    after_review="reporting:reports",
)

report_list = submission_views.list_view(enterprise_page=_enterprise_page, staff_page=_staff_page)
report_start = submission_views.start_view(
    form_class=ReportStartForm,
    start=reports.start,
    page=_enterprise_page,
    fields=("enterprise", "year"),
)
report_detail = submission_views.detail_view(REPORT)
report_save = value_views.save_view(
    REPORT,
    form_class=ReportValuesForm,
    warnings=lambda actor, report: _warnings(report),
    save=reports.save_values,
)
report_submit = submission_views.submit_view(REPORT)
report_attachment_add = submission_views.attach_view(
    REPORT,
    form=lambda request, report: ReportAttachmentForm(request.POST, request.FILES),
    form_key="attachment_form",
    add=reports.add_attachment,
    fields=("kind", "lab_report_number", "lab_report_date"),
)
report_accept = submission_views.accept_view(REPORT)
report_return = submission_views.return_view(REPORT)


@login_required
def report_attachment_download(request, public_id):
    """Served only to users who may see the report; anyone else gets 404."""
    actor = scoping.actor_for(request.user)
    return submission_views.serve(reports.attachment_file(actor=actor, public_id=public_id))
