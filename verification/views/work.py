"""The verifier's pages: its assignments, and the one assignment page every role reads (the
verifier records the work there, the province's staff confirm or return the conclusion, the
enterprise sees that verification is in progress and, once confirmed, the result). Thin: parse,
resolve the actor, call one service or selector, render. A refused action shows the page again
with 400 and the reason."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import scoping
from core.errors import DomainError, NotFound
from core.errors import PermissionDenied as ServicePermissionDenied
from reporting import messages as wording
from verification import activity_items, selectors, work
from verification.models import AssignmentStatus
from verification.work_forms import (
    ActivityForm,
    CloseNonConformityForm,
    ConclusionForm,
    EmissionsForm,
    NonConformityForm,
    ReturnForm,
    WorkNoteForm,
)

PAGE_SIZE = 50


@login_required
def my_assignments(request):
    actor = scoping.actor_for(request.user)
    if not actor.institution_ids:
        raise PermissionDenied
    page = Paginator(selectors.my_assignments(actor=actor), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "verification/my_assignments.html", {"page": page, "query": ""})


def _recorded(activity) -> dict:
    return {(row.facility_id, row.item_code): row.value for row in activity}


def _work_forms(assignment, activity, forms_given: dict) -> dict:
    """The verifier's forms, bound ones (after a refusal) in place of fresh ones."""
    document = {"text": assignment.document_review, "date": assignment.document_reviewed_on}
    visit = {"text": assignment.site_visit, "date": assignment.site_visited_on}
    conclusion = {
        "conclusion": assignment.conclusion,
        "conservative_basis": assignment.conservative_basis,
    }
    return {
        "document_form": forms_given.get("document_form")
        or WorkNoteForm(initial=document, label=_("Document review")),
        "visit_form": forms_given.get("visit_form")
        or WorkNoteForm(initial=visit, label=_("On-site check")),
        "raise_form": forms_given.get("raise_form") or NonConformityForm(),
        "emissions_form": forms_given.get("emissions_form")
        or EmissionsForm(initial={"emissions": assignment.verified_emissions}),
        "activity_form": forms_given.get("activity_form")
        or ActivityForm(required=work.required_rows(assignment), recorded=_recorded(activity)),
        "conclusion_form": forms_given.get("conclusion_form") or ConclusionForm(initial=conclusion),
    }


def _plain(value: Decimal) -> str:
    """1500000.0000 as 1500000: the stored scale is not a measured precision."""
    return format(value.normalize(), "f")


def _result(actor, assignment, seen) -> dict:
    if assignment.status != AssignmentStatus.CONFIRMED or not seen.sees_result:
        return {}
    figures = selectors.figures(assignment)
    sector = assignment.enterprise.industry.sector
    rows = [
        {
            **row,
            "label": activity_items.item_label(row["item"], sector=sector),
            "shown": _plain(Decimal(row["value"])),
        }
        for row in figures.activity
    ]
    return {
        "figures": figures,
        "result_rows": rows,
        "notice_available": seen.is_own or seen.is_reviewer or actor.sees_all_provinces,
    }


def detail(request, actor, assignment, *, status=200, error=None, reasons=(), **forms_given):
    """The assignment page for whoever reads it; `forms_given` are bound forms to show again."""
    seen = selectors.standing(actor, assignment)
    editable = seen.is_verifier and assignment.status in work.WORKABLE
    context = {
        "assignment": assignment,
        "seen": seen,
        "editable": editable,
        "error": error,
        "reasons": reasons,
        "team": selectors.team(assignment),
        "under_review": seen.is_reviewer and assignment.status == AssignmentStatus.CONCLUDED,
        **_result(actor, assignment, seen),
    }
    if seen.sees_work:
        package = selectors.work_package(actor=actor, assignment=assignment)
        activity = selectors.activity(assignment)
        non_conformities = selectors.non_conformities(assignment)
        close_forms = forms_given.get("close_forms", {})
        for non_conformity in non_conformities:
            non_conformity.close_form = None
            if editable:
                non_conformity.close_form = (
                    close_forms.get(non_conformity.pk) or CloseNonConformityForm()
                )
        context.update(
            package=package,
            report_values=[
                (wording.item_name(item), package.report.values.get(item.code, ""), item.unit)
                for item in package.items
            ],
            activity=[
                {
                    "row": row,
                    "label": activity_items.item_label(
                        row.item_code, sector=assignment.enterprise.industry.sector
                    ),
                    "shown": _plain(row.value),
                }
                for row in activity
            ],
            non_conformities=non_conformities,
            missing=work.missing_for_conclusion(
                assignment, conservative_basis=assignment.conservative_basis
            )
            if editable
            else [],
        )
        if editable:
            context.update(_work_forms(assignment, activity, forms_given))
    if context["under_review"]:
        context["return_form"] = forms_given.get("return_form") or ReturnForm()
    return render(request, "verification/assignment_detail.html", context, status=status)


def refused(request, actor, assignment, error: DomainError, *, form=None, **forms_given):
    """The page again with 400 and the reason; out of scope or not allowed is raised."""
    if isinstance(error, NotFound | ServicePermissionDenied):
        raise error
    if isinstance(error, work.ConclusionRefused):
        return detail(request, actor, assignment, status=400, reasons=error.reasons, **forms_given)
    if form is not None:
        form.add_error(error.field if error.field in form.fields else None, error.message)
    return detail(request, actor, assignment, status=400, error=error.message, **forms_given)


@login_required
def assignment_detail(request, public_id):
    actor = scoping.actor_for(request.user)
    return detail(request, actor, selectors.assignment_detail(actor=actor, public_id=public_id))


def _as_verifier(request, public_id):
    actor = scoping.actor_for(request.user)
    assignment = selectors.assignment_detail(actor=actor, public_id=public_id)
    if not selectors.standing(actor, assignment).is_verifier:
        raise PermissionDenied
    return actor, assignment


def _invalid(request, actor, assignment, **forms_given):
    error = _("Correct the marked fields. Nothing was saved.")
    return detail(request, actor, assignment, status=400, error=error, **forms_given)


def _done(request, assignment, message: str):
    messages.success(request, message)
    return redirect(assignment)


def _note(request, public_id, *, label, form_name, service, date_keyword, saved):
    actor, assignment = _as_verifier(request, public_id)
    form = WorkNoteForm(request.POST, label=label)
    if not form.is_valid():
        return _invalid(request, actor, assignment, **{form_name: form})
    try:
        service(
            actor=actor,
            assignment=assignment,
            text=form.cleaned_data["text"],
            **{date_keyword: form.cleaned_data["date"]},
        )
    except DomainError as error:
        return refused(request, actor, assignment, error, form=form, **{form_name: form})
    return _done(request, assignment, saved)


@login_required
@require_POST
def document_review(request, public_id):
    return _note(
        request,
        public_id,
        label=_("Document review"),
        form_name="document_form",
        service=work.record_document_review,
        date_keyword="reviewed_on",
        saved=_("The document review was recorded."),
    )


@login_required
@require_POST
def site_visit(request, public_id):
    return _note(
        request,
        public_id,
        label=_("On-site check"),
        form_name="visit_form",
        service=work.record_site_visit,
        date_keyword="visited_on",
        saved=_("The on-site check was recorded."),
    )


@login_required
@require_POST
def non_conformity_raise(request, public_id):
    actor, assignment = _as_verifier(request, public_id)
    form = NonConformityForm(request.POST)
    if not form.is_valid():
        return _invalid(request, actor, assignment, raise_form=form)
    try:
        work.raise_non_conformity(actor=actor, assignment=assignment, **form.cleaned_data)
    except DomainError as error:
        return refused(request, actor, assignment, error, form=form, raise_form=form)
    return _done(request, assignment, _("The non-conformity was recorded."))


@login_required
@require_POST
def non_conformity_close(request, public_id, nc_id):
    actor, assignment = _as_verifier(request, public_id)
    non_conformity = next(
        (nc for nc in selectors.non_conformities(assignment) if nc.public_id == nc_id), None
    )
    if non_conformity is None:
        raise Http404
    form = CloseNonConformityForm(request.POST)
    close_forms = {non_conformity.pk: form}
    if not form.is_valid():
        return _invalid(request, actor, assignment, close_forms=close_forms)
    try:
        work.close_non_conformity(actor=actor, non_conformity=non_conformity, **form.cleaned_data)
    except DomainError as error:
        return refused(request, actor, assignment, error, form=form, close_forms=close_forms)
    return _done(request, assignment, _("The outcome of the non-conformity was recorded."))


@login_required
@require_POST
def activity(request, public_id):
    actor, assignment = _as_verifier(request, public_id)
    form = ActivityForm(
        request.POST,
        required=work.required_rows(assignment),
        recorded=_recorded(selectors.activity(assignment)),
    )
    if not form.is_valid():
        return _invalid(request, actor, assignment, activity_form=form)
    try:
        work.record_activity(actor=actor, assignment=assignment, rows=form.rows())
    except DomainError as error:
        return refused(request, actor, assignment, error, form=form, activity_form=form)
    return _done(request, assignment, _("The verified activity data were recorded."))


@login_required
@require_POST
def emissions(request, public_id):
    actor, assignment = _as_verifier(request, public_id)
    form = EmissionsForm(request.POST)
    if not form.is_valid():
        return _invalid(request, actor, assignment, emissions_form=form)
    try:
        work.set_verified_emissions(
            actor=actor, assignment=assignment, emissions=form.cleaned_data["emissions"]
        )
    except DomainError as error:
        return refused(request, actor, assignment, error, form=form, emissions_form=form)
    return _done(request, assignment, _("The verified emissions were recorded."))


@login_required
@require_POST
def conclude(request, public_id):
    actor, assignment = _as_verifier(request, public_id)
    form = ConclusionForm(request.POST)
    if not form.is_valid():
        return _invalid(request, actor, assignment, conclusion_form=form)
    try:
        work.submit_conclusion(actor=actor, assignment=assignment, **form.cleaned_data)
    except DomainError as error:
        return refused(request, actor, assignment, error, form=form, conclusion_form=form)
    return _done(
        request, assignment, _("The conclusion was submitted to the provincial department.")
    )


@login_required
def evidence(request, public_id, file_id):
    """A file of the work package: only to those who may see the assignment's work (a
    verifier of its institution, the staff covering the unit, the ministry)."""
    actor = scoping.actor_for(request.user)
    stored = selectors.work_file(actor=actor, public_id=public_id, file_id=file_id)
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=stored.original_name)


ASSIGNMENT = "assignments/<uuid:public_id>/"

urlpatterns = [
    path("my-assignments/", my_assignments, name="my-assignments"),
    path(ASSIGNMENT, assignment_detail, name="assignment-detail"),
    path(f"{ASSIGNMENT}document-review/", document_review, name="assignment-document-review"),
    path(f"{ASSIGNMENT}site-visit/", site_visit, name="assignment-site-visit"),
    path(f"{ASSIGNMENT}non-conformities/", non_conformity_raise, name="assignment-nc-raise"),
    path(
        f"{ASSIGNMENT}non-conformities/<uuid:nc_id>/close/",
        non_conformity_close,
        name="assignment-nc-close",
    ),
    path(f"{ASSIGNMENT}activity/", activity, name="assignment-activity"),
    path(f"{ASSIGNMENT}emissions/", emissions, name="assignment-emissions"),
    path(f"{ASSIGNMENT}conclusion/", conclude, name="assignment-conclude"),
    path(f"{ASSIGNMENT}files/<uuid:file_id>/", evidence, name="assignment-evidence"),
]
