"""Objection and holiday pages: filing an objection and deciding on it (the forms sit in the
objection panel of the assignment's page), the staff's list of objections, and the holidays
page where a year the library does not cover gets its holidays as data. Thin: parse, resolve
the actor, call one service or selector, render. A refused action shows a small page of its own
with 400 and the reason."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import scoping
from core.errors import DomainError, NotFound
from core.errors import PermissionDenied as ServicePermissionDenied
from verification import holidays as holiday_data
from verification import objections, workdays
from verification.objection_forms import (
    DecisionForm,
    HolidayForm,
    HolidayYearForm,
    ObjectionFilterForm,
    ObjectionForm,
)

PAGE_SIZE = 50


def _refused(request, assignment, form, *, action_url, title, error=None):
    """Show the form again with the reason, on a page of its own (400)."""
    if isinstance(error, NotFound | ServicePermissionDenied):
        raise error
    if error is not None:
        form.add_error(error.field if error.field in form.fields else None, error.message)
    context = {"assignment": assignment, "form": form, "action_url": action_url, "title": title}
    return render(request, "verification/objection_form.html", context, status=400)


@login_required
@require_POST
def objection_file(request, public_id):
    actor = scoping.actor_for(request.user)
    assignment = objections.assignment_detail(actor=actor, public_id=public_id)
    if assignment.enterprise_id not in actor.enterprise_ids:
        raise PermissionDenied
    form = ObjectionForm(request.POST)
    refused = {
        "action_url": reverse("verification:objection-file", kwargs={"public_id": public_id}),
        "title": _("The objection was not filed"),
    }
    if not form.is_valid():
        return _refused(request, assignment, form, **refused)
    try:
        objections.file_objection(
            actor=actor, assignment=assignment, grounds=form.cleaned_data["grounds"]
        )
    except DomainError as error:
        return _refused(request, assignment, form, error=error, **refused)
    messages.success(request, _("Your objection was sent to the provincial department."))
    return redirect(assignment.get_absolute_url())


@login_required
@require_POST
def objection_decide(request, public_id):
    actor = scoping.actor_for(request.user)
    objection = objections.objection_detail(actor=actor, public_id=public_id)
    assignment = objection.assignment
    if not objections.is_decider(actor, assignment):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    refused = {
        "action_url": reverse("verification:objection-decide", kwargs={"public_id": public_id}),
        "title": _("The decision was not recorded"),
    }
    if not form.is_valid():
        return _refused(request, assignment, form, **refused)
    try:
        objections.decide(
            actor=actor,
            objection=objection,
            upheld=form.upheld,
            decision=form.cleaned_data["decision"],
            revised_emissions=form.cleaned_data["revised_emissions"],
        )
    except DomainError as error:
        return _refused(request, assignment, form, error=error, **refused)
    messages.success(request, _("The decision was recorded and sent to the enterprise."))
    return redirect(assignment.get_absolute_url())


@login_required
def objection_list(request):
    actor = scoping.actor_for(request.user)
    if not (actor.staff_scopes or actor.sees_all_provinces):
        raise PermissionDenied
    form = ObjectionFilterForm(request.GET)
    valid = form.is_valid()
    status = form.cleaned_data["status"] if valid else ""
    query = request.GET.copy()
    query.pop("page", None)
    rows = objections.staff_objections(actor=actor, status=status)
    context = {
        "form": form,
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": query.urlencode(),
        "show_province": actor.sees_all_provinces or len(actor.province_ids) > 1,
    }
    return render(request, "verification/objections.html", context, status=200 if valid else 400)


def _may_edit_holidays(request):
    actor = scoping.actor_for(request.user)
    if not holiday_data.may_edit_holidays(actor):
        raise PermissionDenied
    return actor


def _holidays_page(request, actor, *, year, form=None, year_form=None, status=200):
    this_year = objections.today().year
    rows = list(holiday_data.holidays_of(actor=actor, year=year))
    covered = workdays.library_covers(year)
    context = {
        "year": year,
        "previous_year": year - 1,
        "next_year": year + 1,
        "coverage": holiday_data.holiday_coverage(
            actor=actor, first=this_year - 1, last=this_year + 2
        ),
        "rows": rows,
        "library_covers": covered,
        "library_days": holiday_data.library_days(year),
        "provisional": not covered and not rows,
        "form": form or HolidayForm(),
        "year_form": year_form or HolidayYearForm(initial={"year": year}),
    }
    return render(request, "verification/holidays.html", context, status=status)


@login_required
def holidays(request):
    actor = _may_edit_holidays(request)
    year_form = HolidayYearForm(request.GET)
    if not year_form.is_valid():
        year = objections.today().year
        return _holidays_page(request, actor, year=year, year_form=year_form, status=400)
    year = year_form.cleaned_data["year"] or objections.today().year
    return _holidays_page(request, actor, year=year)


def _holidays_url(year: int) -> str:
    return reverse("verification:holidays") + f"?year={year}"


@login_required
@require_POST
def holiday_add(request):
    actor = _may_edit_holidays(request)
    form = HolidayForm(request.POST)
    if not form.is_valid():
        return _holidays_page(request, actor, year=objections.today().year, form=form, status=400)
    day = form.cleaned_data["date"]
    try:
        holiday_data.add_holiday(
            actor=actor,
            day=day,
            is_working_day=form.cleaned_data["is_working_day"],
            name=form.cleaned_data["name"],
        )
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _holidays_page(request, actor, year=day.year, form=form, status=400)
    messages.success(request, _("%(date)s was entered.") % {"date": day.isoformat()})
    return redirect(_holidays_url(day.year))


@login_required
@require_POST
def holiday_delete(request, day):
    actor = _may_edit_holidays(request)
    try:
        day = date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    holiday_data.delete_holiday(actor=actor, day=day)
    messages.success(request, _("%(date)s was deleted.") % {"date": day.isoformat()})
    return redirect(_holidays_url(day.year))


urlpatterns = [
    path("assignments/<uuid:public_id>/objection/", objection_file, name="objection-file"),
    path("objections/", objection_list, name="objections"),
    path("objections/<uuid:public_id>/decide/", objection_decide, name="objection-decide"),
    path("holidays/", holidays, name="holidays"),
    path("holidays/add/", holiday_add, name="holiday-add"),
    path("holidays/<str:day>/delete/", holiday_delete, name="holiday-delete"),
]
