"""Allocation pages: the batches of pre-allocation, determination and issuance (drafting, the
four-eyes workflow, the issuance, the registry table downloads), one allocation line by line
(enterprise, staff, ministry read-only), its pre-allocation notice, and review requests and
decisions. Thin: parse, resolve the actor, call one service or read, render. A refused action
shows the page again with 400 and the reason; another province's object is 404."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import scoping
from core.errors import DomainError, NotFound
from core.errors import PermissionDenied as ServicePermissionDenied
from core.templatetags.presentation import localized_name
from quotas import allocation_exports as exports
from quotas import (
    allocation_reviews,
    batch_workflow,
    determination,
    issuance,
    pre_allocation,
)
from quotas import allocation_selectors as selectors
from quotas.models import BATCH_OF_STEP, BatchStatus, ReviewStatus, Step
from units.models import Sector

MARKET_SECTORS = (Sector.POWER, Sector.STEEL, Sector.CEMENT, Sector.ALUMINIUM)
PDF_TYPE = "application/pdf"
UPHELD, REJECTED = "upheld", "rejected"


# --- forms: they parse; the services decide ------------------------------------------------------


class DraftForm(forms.Form):
    province = forms.ModelChoiceField(
        label=gettext_lazy("Province"), queryset=None, to_field_name="code"
    )
    year = forms.IntegerField(label=gettext_lazy("Compliance year"), min_value=2019, max_value=2100)
    sector = forms.ChoiceField(
        label=gettext_lazy("Sector"),
        choices=[(sector.value, sector.label) for sector in MARKET_SECTORS],
    )
    step = forms.ChoiceField(label=gettext_lazy("Step"), choices=Step.choices)

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = provinces
        self.fields["province"].label_from_instance = localized_name
        self.fields["year"].initial = timezone.localdate().year - 1
        first_two = list(provinces[:2])
        self.has_provinces = bool(first_two)
        if len(first_two) == 1:
            self.fields["province"].initial = first_two[0].code
            self.fields["province"].empty_label = None


class FilterForm(forms.Form):
    province = forms.CharField(required=False, max_length=6)
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("What needs changing"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class IssueForm(forms.Form):
    issued_on = forms.DateField(
        label=gettext_lazy("Issued on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("The day the registry issued the allowances."),
    )


class ReviewForm(forms.Form):
    grounds = forms.CharField(
        label=gettext_lazy("Grounds of the request"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DecideForm(forms.Form):
    review = forms.UUIDField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            (UPHELD, gettext_lazy("Upheld: the determination is redone")),
            (REJECTED, gettext_lazy("Rejected: the determination stands")),
        ],
    )
    decision = forms.CharField(
        label=gettext_lazy("Reasons"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


DRAFTS = {
    Step.PRE_ALLOCATION: pre_allocation.draft_pre_allocation,
    Step.DETERMINATION: determination.draft_determination,
    Step.ALLOCATION: issuance.draft_allocation,
}


# --- the batches ----------------------------------------------------------------------------------


def _reader(request) -> scoping.Actor:
    """Batches are the province's working papers: staff, the ministry and administrators."""
    actor = scoping.actor_for(request.user)
    if not (actor.staff_scopes or actor.sees_all_provinces):
        raise PermissionDenied
    return actor


def _draft_form(actor, data=None):
    form = DraftForm(data, provinces=selectors.provinces_to_allocate(actor=actor))
    return form if form.has_provinces else None


def _batches_page(request, actor, form, *, status=200):
    filters = FilterForm(request.GET or None)
    chosen = {"province_code": "", "year": None}
    if filters.is_bound and filters.is_valid():
        chosen = {
            "province_code": filters.cleaned_data["province"],
            "year": filters.cleaned_data["year"],
        }
    context = {
        "batches": selectors.batches_for(actor=actor, **chosen),
        "filters": chosen,
        "draft_form": form,
        "show_province": actor.sees_all_provinces or len(actor.province_ids) > 1,
    }
    return render(request, "quotas/batch_list.html", context, status=status)


@login_required
def batch_list(request):
    actor = _reader(request)
    return _batches_page(request, actor, _draft_form(actor))


@login_required
@require_POST
def batch_draft(request):
    actor = scoping.actor_for(request.user)
    form = _draft_form(actor, request.POST)
    if form is None:
        raise PermissionDenied
    if not form.is_valid():
        if form.has_error("province", "invalid_choice"):
            raise Http404  # another province: as if it did not exist
        return _batches_page(request, actor, form, status=400)
    data = form.cleaned_data
    try:
        batch = DRAFTS[data["step"]](
            actor=actor, province=data["province"], year=data["year"], sector=data["sector"]
        )
    except DomainError as error:
        if isinstance(error, NotFound | ServicePermissionDenied):
            raise
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _batches_page(request, actor, form, status=400)
    messages.success(request, _("The batch was calculated from the verified data."))
    return redirect(batch)


def _detail(request, actor, batch, *, status=200, action_error=None, **given):
    allocations = list(selectors.allocations_of(actor=actor, batch=batch))
    may_act = scoping.can_change(actor, batch)
    draft = batch.status == BatchStatus.DRAFT
    submitted = batch.status == BatchStatus.SUBMITTED
    context = {
        "batch": batch,
        "allocations": allocations,
        "missing": [a for a in allocations if _missing(a, batch)],
        "may_act": may_act,
        "may_approve": may_act and submitted and batch_workflow.may_approve(actor, batch),
        "return_form": given.get("return_form")
        or (ReturnForm() if may_act and submitted else None),
        "issue_form": given.get("issue_form")
        or (IssueForm() if may_act and draft and batch.step == Step.ALLOCATION else None),
        "history": selectors.history(actor=actor, batch=batch)[:200],
        "action_error": action_error,
        "is_determination": batch.step == Step.DETERMINATION,
    }
    return render(request, "quotas/batch_detail.html", context, status=status)


def _missing(allocation, batch) -> list[str]:
    stored = (
        allocation.pre_allocation_inputs
        if batch.step == Step.PRE_ALLOCATION
        else allocation.determination_inputs
    )
    return list((stored or {}).get("missing", []))


@login_required
def batch_detail(request, public_id):
    actor = _reader(request)
    return _detail(request, actor, selectors.batch_detail(actor=actor, public_id=public_id))


def _batch_to_act_on(request, public_id):
    """The batch behind an action: 404 outside the actor's provinces, 403 if read-only."""
    actor = scoping.actor_for(request.user)
    batch = selectors.batch_detail(actor=actor, public_id=public_id)
    if not scoping.can_change(actor, batch):
        raise PermissionDenied
    return actor, batch


def _refused(request, actor, batch, error: DomainError, **given):
    if isinstance(error, NotFound | ServicePermissionDenied):
        raise error
    batch = selectors.batch_detail(actor=actor, public_id=batch.public_id)
    return _detail(request, actor, batch, status=400, action_error=error.message, **given)


def _batch_action(service, success: str):
    @login_required
    @require_POST
    def view(request, public_id):
        actor, batch = _batch_to_act_on(request, public_id)
        try:
            service(actor=actor, batch=batch)
        except DomainError as error:
            return _refused(request, actor, batch, error)
        messages.success(request, success)
        return redirect(batch)

    return view


batch_submit = _batch_action(
    batch_workflow.submit_batch, gettext_lazy("The batch was submitted for approval.")
)
batch_approve = _batch_action(batch_workflow.approve_batch, gettext_lazy("The batch was approved."))


@login_required
@require_POST
def batch_return(request, public_id):
    actor, batch = _batch_to_act_on(request, public_id)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        error = _("Say what needs changing.")
        return _detail(request, actor, batch, status=400, action_error=error, return_form=form)
    try:
        batch_workflow.return_batch(actor=actor, batch=batch, **form.cleaned_data)
    except DomainError as error:
        return _refused(request, actor, batch, error, return_form=form)
    messages.success(request, _("The batch was returned to draft."))
    return redirect(batch)


@login_required
@require_POST
def batch_issue(request, public_id):
    actor, batch = _batch_to_act_on(request, public_id)
    form = IssueForm(request.POST)
    if not form.is_valid():
        error = _("Give the date of the issuance.")
        return _detail(request, actor, batch, status=400, action_error=error, issue_form=form)
    try:
        issuance.record_issuance(actor=actor, batch=batch, **form.cleaned_data)
    except DomainError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
        return _refused(request, actor, batch, error, issue_form=form)
    messages.success(request, _("The issuance was recorded."))
    return redirect(batch)


def _registry_table(request, public_id):
    actor = _reader(request)
    batch = selectors.batch_detail(actor=actor, public_id=public_id)
    if batch.step != Step.DETERMINATION:
        raise Http404
    return exports.registry_table(batch, list(selectors.allocations_of(actor=actor, batch=batch)))


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
def batch_xlsx(request, public_id):
    table = _registry_table(request, public_id)
    return _download(exports.registry_xlsx(table), exports.XLSX_TYPE, table.filename("xlsx"))


@login_required
def batch_pdf(request, public_id):
    table = _registry_table(request, public_id)
    return _download(exports.registry_pdf(table), PDF_TYPE, table.filename("pdf"))


# --- one allocation -------------------------------------------------------------------------------


def _is_staff_of(actor, allocation) -> bool:
    return actor.is_administrator or scoping.staff_covers(
        actor, allocation.enterprise.province_id, None
    )


def _allocation_page(request, actor, allocation, *, status=200, action_error=None, **given):
    window = allocation_reviews.review_window(allocation)
    reviews = list(selectors.reviews_of(actor=actor, allocation=allocation))
    own = allocation.enterprise_id in actor.enterprise_ids
    today = timezone.localdate()
    may_request = own and window is not None and today <= window.closes and not reviews
    staff = _is_staff_of(actor, allocation)
    decide_forms = given.get("decide_forms", {})
    context = {
        "allocation": allocation,
        "shown": _shown_steps(actor, allocation),
        "pre_inputs": allocation.pre_allocation_inputs or {},
        "determination_inputs": allocation.determination_inputs or {},
        "window": window,
        "reviews": [
            (
                review,
                decide_forms.get(review.public_id)
                or (
                    DecideForm(initial={"review": review.public_id})
                    if staff and review.status == ReviewStatus.FILED
                    else None
                ),
            )
            for review in reviews
        ],
        "review_form": given.get("review_form") or (ReviewForm() if may_request else None),
        "notice_available": _notice_available(actor, allocation),
        "history": selectors.allocation_history(actor=actor, allocation=allocation)[:200],
        "action_error": action_error,
    }
    return render(request, "quotas/allocation_detail.html", context, status=status)


def _shown_steps(actor, allocation) -> dict[str, bool]:
    """Which steps' figures the reader sees: the enterprise only what was approved; staff and
    the ministry the drafts too."""
    working_papers = bool(actor.staff_scopes or actor.sees_all_provinces)
    return {
        step: getattr(allocation, field) is not None
        and (working_papers or allocation.is_approved(step))
        for step, field in BATCH_OF_STEP.items()
    }


def _notice_available(actor, allocation) -> bool:
    """The notice once the pre-allocation is approved; staff and the ministry see a draft too."""
    batch = allocation.pre_allocation_batch
    if batch is None or allocation.pre_allocated is None:
        return False
    return batch.status == BatchStatus.APPROVED or bool(
        actor.staff_scopes or actor.sees_all_provinces
    )


@login_required
def allocation_detail(request, public_id):
    actor = scoping.actor_for(request.user)
    allocation = selectors.allocation_detail(actor=actor, public_id=public_id)
    return _allocation_page(request, actor, allocation)


@login_required
def allocation_notice_pdf(request, public_id):
    actor = scoping.actor_for(request.user)
    allocation = selectors.allocation_detail(actor=actor, public_id=public_id)
    if not _notice_available(actor, allocation):
        raise Http404
    return _download(exports.notice_pdf(allocation), PDF_TYPE, exports.notice_filename(allocation))


def _allocation_refused(request, actor, allocation, error: DomainError, **given):
    if isinstance(error, NotFound | ServicePermissionDenied):
        raise error
    allocation = selectors.allocation_detail(actor=actor, public_id=allocation.public_id)
    return _allocation_page(
        request, actor, allocation, status=400, action_error=error.message, **given
    )


@login_required
@require_POST
def review_request(request, public_id):
    actor = scoping.actor_for(request.user)
    allocation = selectors.allocation_detail(actor=actor, public_id=public_id)
    if allocation.enterprise_id not in actor.enterprise_ids:
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if not form.is_valid():
        error = _("Give the grounds of the request. Nothing was saved.")
        return _allocation_page(
            request, actor, allocation, status=400, action_error=error, review_form=form
        )
    try:
        allocation_reviews.request_review(actor=actor, allocation=allocation, **form.cleaned_data)
    except DomainError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
        return _allocation_refused(request, actor, allocation, error, review_form=form)
    messages.success(request, _("Your request for review was filed."))
    return redirect(allocation)


@login_required
@require_POST
def review_decide(request, public_id):
    actor = scoping.actor_for(request.user)
    allocation = selectors.allocation_detail(actor=actor, public_id=public_id)
    if not _is_staff_of(actor, allocation):
        raise PermissionDenied
    form = DecideForm(request.POST)
    review_id = form.data.get("review")
    if not form.is_valid():
        given = {"decide_forms": {_uuid(review_id): form}}
        error = _("Choose the decision and give its reasons. Nothing was saved.")
        return _allocation_page(request, actor, allocation, status=400, action_error=error, **given)
    review = selectors.review_to_decide(actor=actor, public_id=form.cleaned_data["review"])
    if review.allocation_id != allocation.pk:
        raise Http404
    try:
        allocation_reviews.decide_review(
            actor=actor,
            review=review,
            upheld=form.cleaned_data["outcome"] == UPHELD,
            decision=form.cleaned_data["decision"],
        )
    except DomainError as error:
        return _allocation_refused(
            request, actor, allocation, error, decide_forms={review.public_id: form}
        )
    messages.success(request, _("The review was decided."))
    return redirect(allocation)


def _uuid(value):
    try:
        return forms.UUIDField().clean(value)
    except forms.ValidationError:
        return None


urlpatterns = [
    path("batches/", batch_list, name="batches"),
    path("batches/draft/", batch_draft, name="batch-draft"),
    path("batches/<uuid:public_id>/", batch_detail, name="batch-detail"),
    path("batches/<uuid:public_id>/submit/", batch_submit, name="batch-submit"),
    path("batches/<uuid:public_id>/approve/", batch_approve, name="batch-approve"),
    path("batches/<uuid:public_id>/return/", batch_return, name="batch-return"),
    path("batches/<uuid:public_id>/issue/", batch_issue, name="batch-issue"),
    path("batches/<uuid:public_id>/registry.xlsx", batch_xlsx, name="batch-xlsx"),
    path("batches/<uuid:public_id>/registry.pdf", batch_pdf, name="batch-pdf"),
    path("allocations/<uuid:public_id>/", allocation_detail, name="allocation-detail"),
    path(
        "allocations/<uuid:public_id>/notice.pdf",
        allocation_notice_pdf,
        name="allocation-notice-pdf",
    ),
    path("allocations/<uuid:public_id>/review/", review_request, name="review-request"),
    path("allocations/<uuid:public_id>/decide/", review_decide, name="review-decide"),
]
