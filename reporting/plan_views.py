"""Data quality control plan pages: the enterprise's plans by year, the plan with its section
form (draft) or its content, changes against the previous version and review, and the staff's
list by status. Thin: parse, resolve the actor, call one service or selector, render. A refused
action shows the page again with 400 and the reason."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import scoping
from core.errors import DomainError, NotFound
from core.errors import PermissionDenied as ServicePermissionDenied
from reporting import plans
from reporting.forms import PlanFilterForm, PlanForm, PlanStartForm, ReturnForm, ReviewForm
from reporting.models import SubmissionStatus
from units import selectors as units

PAGE_SIZE = 50


def _action(latest) -> str:
    if latest is None:
        return "start"
    if latest.status == SubmissionStatus.DRAFT:
        return "continue"
    if latest.status == SubmissionStatus.RETURNED:
        return "correct"
    return "view"


def _enterprise_page(request, actor, *, start_form=None, status=200):
    today = timezone.localdate()
    enterprises = list(units.my_enterprises(actor=actor))
    latest = {}
    for plan in plans.enterprise_plans(actor=actor):
        latest.setdefault((plan.enterprise_id, plan.year), plan)
    years = sorted(set(plans.plan_years(today)) | {year for _pk, year in latest}, reverse=True)
    due = plans.obligations(
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
                    "action": _action(latest.get((enterprise.pk, year)))
                    if year <= today.year + 1
                    else "view",
                }
                for year in years
            ],
        }
        for enterprise in enterprises
    ]
    context = {"sections": sections, "start_form": start_form}
    return render(request, "reporting/plan_list.html", context, status=status)


def _staff_page(request, actor):
    form = PlanFilterForm(request.GET)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": Paginator(plans.staff_plans(actor=actor, status=status), PAGE_SIZE).get_page(
            request.GET.get("page")
        ),
        "query": query.urlencode(),
        "show_province": actor.sees_all_provinces or len(actor.province_ids) > 1,
    }
    return render(request, "reporting/plan_review.html", context)


@login_required
def plan_list(request):
    actor = scoping.actor_for(request.user)
    if actor.enterprise_ids:
        return _enterprise_page(request, actor)
    if actor.staff_scopes or actor.sees_all_provinces:
        return _staff_page(request, actor)
    raise PermissionDenied


@login_required
@require_POST
def plan_start(request):
    actor = scoping.actor_for(request.user)
    if not actor.enterprise_ids:
        raise PermissionDenied
    form = PlanStartForm(request.POST, enterprises=units.my_enterprises(actor=actor))
    if not form.is_valid():
        if "enterprise" in form.errors and request.POST.get("enterprise"):
            raise Http404  # another unit, or none: as if it did not exist
        return _enterprise_page(request, actor, start_form=form, status=400)
    try:
        plan = plans.start(
            actor=actor,
            enterprise=form.cleaned_data["enterprise"],
            year=form.cleaned_data["year"],
        )
    except (NotFound, ServicePermissionDenied):
        raise
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _enterprise_page(request, actor, start_form=form, status=400)
    return redirect(plan)


def _detail(request, actor, plan, *, status=200, error=None, **forms):
    is_own = plan.enterprise_id in actor.enterprise_ids
    is_reviewer = plans.is_reviewer(actor, plan)
    editable = is_own and plan.is_editable
    under_review = is_reviewer and plan.status == SubmissionStatus.SUBMITTED
    versions = list(plans.versions(actor=actor, plan=plan))
    context = {
        "plan": plan,
        "error": error,
        "is_own": is_own,
        "plan_form": forms.get("plan_form")
        or (PlanForm(initial=plan.content) if editable else None),
        "accept_form": forms.get("accept_form") or (ReviewForm() if under_review else None),
        "return_form": forms.get("return_form") or (ReturnForm() if under_review else None),
        "versions": versions,
        "may_correct": is_own
        and plan.status in plans.STANDING
        and not any(v.status == SubmissionStatus.DRAFT for v in versions),
        "diff": plans.diff(plan),
        "obligation": plans.obligations(
            actor=actor, enterprise_ids=[plan.enterprise_id], years=[plan.year]
        ).get((plan.enterprise_id, plan.year)),
    }
    return render(request, "reporting/plan_detail.html", context, status=status)


def _refused(request, actor, plan, error: DomainError, *, form=None, **forms):
    if isinstance(error, NotFound | ServicePermissionDenied):
        raise error
    if form is not None:
        form.add_error(error.field if error.field in form.fields else None, error.message)
    return _detail(request, actor, plan, status=400, error=error.message, **forms)


@login_required
def plan_detail(request, public_id):
    actor = scoping.actor_for(request.user)
    return _detail(request, actor, plans.plan_detail(actor=actor, public_id=public_id))


def _own(request, public_id):
    actor = scoping.actor_for(request.user)
    plan = plans.plan_detail(actor=actor, public_id=public_id)
    if plan.enterprise_id not in actor.enterprise_ids:
        raise PermissionDenied
    return actor, plan


@login_required
@require_POST
def plan_save(request, public_id):
    actor, plan = _own(request, public_id)
    form = PlanForm(request.POST)
    if not form.is_valid():
        error = _("Some sections are too long: correct the marked fields. Nothing was saved.")
        return _detail(request, actor, plan, status=400, error=error, plan_form=form)
    try:
        plans.save(actor=actor, plan=plan, content=form.content())
    except DomainError as error:
        return _refused(request, actor, plan, error, form=form, plan_form=form)
    messages.success(request, _("The plan was saved."))
    return redirect(plan)


@login_required
@require_POST
def plan_submit(request, public_id):
    actor, plan = _own(request, public_id)
    try:
        plans.submit(actor=actor, plan=plan)
    except DomainError as error:
        return _refused(request, actor, plan, error)
    messages.success(request, _("The plan was submitted to the provincial department."))
    return redirect(plan)


def _under_review(request, public_id):
    actor = scoping.actor_for(request.user)
    plan = plans.plan_detail(actor=actor, public_id=public_id)
    if not plans.is_reviewer(actor, plan):
        raise PermissionDenied
    return actor, plan


@login_required
@require_POST
def plan_accept(request, public_id):
    actor, plan = _under_review(request, public_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _detail(request, actor, plan, status=400, accept_form=form)
    try:
        plans.accept(actor=actor, plan=plan, comment=form.cleaned_data["comment"])
    except DomainError as error:
        return _refused(request, actor, plan, error, form=form, accept_form=form)
    messages.success(request, _("Accepted: %(what)s.") % {"what": plan})
    return redirect("reporting:plans")


@login_required
@require_POST
def plan_return(request, public_id):
    actor, plan = _under_review(request, public_id)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _detail(request, actor, plan, status=400, return_form=form)
    try:
        plans.return_for_correction(actor=actor, plan=plan, comment=form.cleaned_data["comment"])
    except DomainError as error:
        return _refused(request, actor, plan, error, form=form, return_form=form)
    messages.success(
        request, _("Returned to the enterprise for correction: %(what)s.") % {"what": plan}
    )
    return redirect("reporting:plans")
