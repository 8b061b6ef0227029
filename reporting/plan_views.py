"""Data quality control plan pages: the enterprise's plans by year, the plan with its section
form (draft) or its content, changes against the previous version and review, and the staff's
list by status. Thin: parse, resolve the actor, call one service or selector, render. A refused
action shows the page again with 400 and the reason."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import DomainError
from reporting import plans, submission_views
from reporting.forms import PlanFilterForm, PlanForm, PlanStartForm
from reporting.submission_views import Kind


def _enterprise_page(request, actor, *, start_form=None, status=200):
    today = timezone.localdate()
    return submission_views.yearly_page(
        request,
        actor,
        records=plans.enterprise_plans(actor=actor),
        years=plans.plan_years(today),
        obligations=plans.obligations,
        template="reporting/plan_list.html",
        open_until=today.year + 1,
        start_form=start_form,
        status=status,
    )


def _staff_page(request, actor):
    form = PlanFilterForm(request.GET)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    return submission_views.staff_page(
        request,
        actor,
        form=form,
        rows=plans.staff_plans(actor=actor, status=status),
        template="reporting/plan_review.html",
    )


def _detail(request, actor, plan, *, status=200, error=None, **forms):
    is_own = submission_views.is_own(actor, plan)
    is_reviewer = plans.is_reviewer(actor, plan)
    editable = is_own and plan.is_editable
    versions = list(plans.versions(actor=actor, plan=plan))
    context = {
        "plan": plan,
        "error": error,
        "plan_form": forms.get("plan_form")
        or (PlanForm(initial=plan.content) if editable else None),
        **submission_views.review_context(
            plan, versions, forms, own_record=is_own, reviewer=is_reviewer
        ),
        "diff": plans.diff(plan),
        "obligation": plans.obligations(
            actor=actor, enterprise_ids=[plan.enterprise_id], years=[plan.year]
        ).get((plan.enterprise_id, plan.year)),
    }
    return render(request, "reporting/plan_detail.html", context, status=status)


PLAN = Kind(
    name="plan",
    detail=plans.plan_detail,
    render=_detail,
    submit=plans.submit,
    accept=plans.accept,
    return_for_correction=plans.return_for_correction,
    submitted=gettext_lazy("The plan was submitted to the provincial department."),
    after_review="reporting:plans",
)

plan_list = submission_views.list_view(enterprise_page=_enterprise_page, staff_page=_staff_page)
plan_start = submission_views.start_view(
    form_class=PlanStartForm,
    start=plans.start,
    page=_enterprise_page,
    fields=("enterprise", "year"),
)
plan_detail = submission_views.detail_view(PLAN)
plan_submit = submission_views.submit_view(PLAN)
plan_accept = submission_views.accept_view(PLAN)
plan_return = submission_views.return_view(PLAN)


@login_required
@require_POST
def plan_save(request, public_id):
    actor, plan = submission_views.own(PLAN, request, public_id)
    form = PlanForm(request.POST)
    if not form.is_valid():
        error = _("Some sections are too long: correct the marked fields. Nothing was saved.")
        return _detail(request, actor, plan, status=400, error=error, plan_form=form)
    try:
        plans.save(actor=actor, plan=plan, content=form.content())
    except DomainError as error:
        return submission_views.refused(
            PLAN, request, actor, plan, error, form=form, plan_form=form
        )
    messages.success(request, _("The plan was saved."))
    return redirect(plan)
