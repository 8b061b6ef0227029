"""Staff pages of the yearly evaluation of verification institutions: the rounds, preparing one,
one round with its institutions (compliance checklist, submission, four-eyes approval and
publication, return to draft), and recording a spot check of a confirmed verification. Thin:
parse, resolve the actor, call one service or read, render. A refused action shows the page
again with 400 and the reason."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import scoping
from core.errors import DomainError, NotFound
from core.errors import PermissionDenied as ServicePermissionDenied
from core.templatetags.presentation import localized_name
from verification import evaluation as evaluations
from verification import evaluation_figures, evaluation_selectors, spot_checks
from verification.models import EvaluationStatus
from verification.scoring import Rubric

MET, NOT_MET = "met", "not_met"
ANSWERS = {MET: True, NOT_MET: False, "": None}


# --- forms: they parse; the services decide ------------------------------------------------------


class PrepareForm(forms.Form):
    province = forms.ChoiceField(label=gettext_lazy("Province"))
    year = forms.IntegerField(
        label=gettext_lazy("Evaluation year"),
        min_value=2000,
        max_value=2100,
        help_text=gettext_lazy(
            "The evaluation of a year covers the verification of the reports of the year before."
        ),
    )

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices from one read of the provinces (a model choice field reads them per render).
        self.provinces = {province.code: province for province in provinces}
        choices = [(code, localized_name(p)) for code, p in self.provinces.items()]
        self.fields["province"].choices = choices if len(choices) == 1 else [("", "—"), *choices]
        self.fields["year"].initial = timezone.localdate().year
        self.has_provinces = bool(self.provinces)

    def clean_province(self):
        return self.provinces[self.cleaned_data["province"]]


class ChecklistForm(forms.Form):
    """One select per checklist item of the evaluation's rubric: met, not met or unanswered."""

    institution = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, rubric: Rubric, answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        answers = answers or {}
        choices = [("", _("Not answered")), (MET, _("Met")), (NOT_MET, _("Not met"))]
        for item in rubric.checklist:
            answer = answers.get(item["code"])
            self.fields[item["code"]] = forms.ChoiceField(
                label=evaluation_figures.localized_label(item),
                choices=choices,
                required=False,
                initial={True: MET, False: NOT_MET}.get(answer, ""),
                help_text=_("Veto item: not met fails the institution.")
                if item.get("veto")
                else "",
            )
        self.codes = rubric.codes

    def answers(self) -> dict:
        return {code: ANSWERS[self.cleaned_data[code]] for code in self.codes}


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("What needs changing"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SpotCheckForm(forms.Form):
    checked_on = forms.DateField(
        label=gettext_lazy("Checked on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    deviation_found = forms.BooleanField(
        label=gettext_lazy("Material deviation found"), required=False
    )
    deviation_tonnes = forms.DecimalField(
        label=gettext_lazy("Deviation (tCO2e)"), required=False, max_digits=14, decimal_places=2
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required when a deviation was found."),
    )


# --- the rounds -----------------------------------------------------------------------------------


def _staff_actor(request) -> scoping.Actor:
    actor = scoping.actor_for(request.user)
    if not (actor.staff_scopes or actor.sees_all_provinces):
        raise PermissionDenied
    return actor


def _prepare_form(actor, data=None):
    form = PrepareForm(data, provinces=evaluation_selectors.provinces_to_evaluate(actor=actor))
    return form if form.has_provinces else None


def _rounds_page(request, actor, form, *, status=200):
    context = {
        "rounds": evaluation_selectors.rounds_for(actor=actor),
        "prepare_form": form,
        "show_province": actor.sees_all_provinces or len(actor.province_ids) > 1,
    }
    return render(request, "verification/evaluation_list.html", context, status=status)


@login_required
def evaluation_list(request):
    actor = _staff_actor(request)
    return _rounds_page(request, actor, _prepare_form(actor))


@login_required
@require_POST
def evaluation_prepare(request):
    actor = scoping.actor_for(request.user)
    form = _prepare_form(actor, request.POST)
    if form is None:
        raise PermissionDenied
    if not form.is_valid():
        if form.has_error("province", "invalid_choice"):
            raise Http404  # another province: as if it did not exist
        return _rounds_page(request, actor, form, status=400)
    try:
        round_ = evaluations.prepare(actor=actor, **form.cleaned_data)
    except DomainError as error:
        if isinstance(error, NotFound | ServicePermissionDenied):
            raise
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _rounds_page(request, actor, form, status=400)
    messages.success(request, _("The evaluation was calculated from the verification records."))
    return redirect(round_)


# --- one round ------------------------------------------------------------------------------------


def _rubric(round_, rows) -> Rubric:
    """The rubric the round was prepared with (every evaluation keeps the same one)."""
    return evaluation_figures.rubric_of(rows[0]) if rows else Rubric.of(round_.scheme)


def _evaluation_rows(rows, *, editable, forms_by_institution):
    shown = []
    for evaluation in rows:
        rubric = evaluation_figures.rubric_of(evaluation)
        form = forms_by_institution.get(evaluation.institution.public_id)
        if form is None and editable:
            form = ChecklistForm(
                rubric=rubric,
                answers=evaluation.checklist,
                initial={"institution": evaluation.institution.public_id},
            )
        shown.append(
            {
                "evaluation": evaluation,
                "grade": evaluation_figures.grade_label(evaluation),
                "reports": evaluation.inputs.get("reports", []),
                "on_time": sum(1 for row in evaluation.inputs.get("reports", []) if row["on_time"]),
                "answers": [
                    (
                        evaluation_figures.localized_label(item),
                        item.get("veto"),
                        evaluation.checklist.get(item["code"]),
                    )
                    for item in rubric.checklist
                ],
                "form": form,
            }
        )
    return shown


def _detail(request, actor, round_, *, status=200, action_error=None, **given):
    rows = list(evaluation_selectors.evaluations_of(actor=actor, round_=round_))
    may_act = scoping.can_change(actor, round_)
    editable = may_act and round_.status == EvaluationStatus.DRAFT
    submitted = round_.status == EvaluationStatus.SUBMITTED
    rubric = _rubric(round_, rows)
    context = {
        "round": round_,
        "rows": _evaluation_rows(
            rows, editable=editable, forms_by_institution=given.get("checklist_forms", {})
        ),
        "rubric": rubric,
        "bands": evaluation_figures.bands_shown(rubric),
        "history": evaluation_selectors.history(actor=actor, round_=round_)[:200],
        "may_act": may_act,
        "editable": editable,
        "may_approve": may_act and submitted and evaluations.may_approve(actor, round_),
        "return_form": given.get("return_form")
        or (ReturnForm() if may_act and submitted else None),
        "action_error": action_error,
    }
    return render(request, "verification/evaluation_detail.html", context, status=status)


@login_required
def evaluation_detail(request, public_id):
    actor = scoping.actor_for(request.user)
    return _detail(
        request, actor, evaluation_selectors.round_detail(actor=actor, public_id=public_id)
    )


def _round_to_act_on(request, public_id):
    """The round behind an action: 404 outside the actor's provinces, 403 if read-only."""
    actor = scoping.actor_for(request.user)
    round_ = evaluation_selectors.round_detail(actor=actor, public_id=public_id)
    if not scoping.can_change(actor, round_):
        raise PermissionDenied
    return actor, round_


def _refused(request, actor, round_, error: DomainError, **given):
    if isinstance(error, NotFound | ServicePermissionDenied):
        raise error
    # Read again, as the refused transaction left it.
    round_ = evaluation_selectors.round_detail(actor=actor, public_id=round_.public_id)
    return _detail(request, actor, round_, status=400, action_error=error.message, **given)


@login_required
@require_POST
def evaluation_checklist(request, public_id):
    actor, round_ = _round_to_act_on(request, public_id)
    evaluation = evaluation_selectors.evaluation_in(
        actor=actor, round_=round_, institution_public_id=_uuid_or_404(request.POST)
    )
    form = ChecklistForm(request.POST, rubric=evaluation_figures.rubric_of(evaluation))
    forms_given = {"checklist_forms": {evaluation.institution.public_id: form}}
    if not form.is_valid():
        error = _("Choose met, not met or not answered for each item. Nothing was saved.")
        return _detail(request, actor, round_, status=400, action_error=error, **forms_given)
    try:
        evaluations.answer_checklist(actor=actor, evaluation=evaluation, answers=form.answers())
    except DomainError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
        return _refused(request, actor, round_, error, **forms_given)
    messages.success(
        request,
        _("The checklist of %(institution)s was saved.") % {"institution": evaluation.institution},
    )
    return redirect(f"{round_.get_absolute_url()}#institution-{evaluation.institution.public_id}")


def _uuid_or_404(data):
    field = forms.UUIDField()
    try:
        return field.clean(data.get("institution"))
    except forms.ValidationError:
        raise Http404 from None


@login_required
@require_POST
def evaluation_submit(request, public_id):
    actor, round_ = _round_to_act_on(request, public_id)
    try:
        evaluations.submit(actor=actor, round=round_)
    except DomainError as error:
        return _refused(request, actor, round_, error)
    messages.success(request, _("The evaluation was submitted for approval."))
    return redirect(round_)


@login_required
@require_POST
def evaluation_publish(request, public_id):
    actor, round_ = _round_to_act_on(request, public_id)
    try:
        evaluations.approve_and_publish(actor=actor, round=round_)
    except DomainError as error:
        return _refused(request, actor, round_, error)
    messages.success(request, _("The evaluation was approved and published."))
    return redirect(round_)


@login_required
@require_POST
def evaluation_return(request, public_id):
    actor, round_ = _round_to_act_on(request, public_id)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _detail(
            request,
            actor,
            round_,
            status=400,
            action_error=_("Say what needs changing."),
            return_form=form,
        )
    try:
        evaluations.return_to_draft(actor=actor, round=round_, **form.cleaned_data)
    except DomainError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
        return _refused(request, actor, round_, error, return_form=form)
    messages.success(request, _("The evaluation was returned to draft."))
    return redirect(round_)


# --- spot checks ----------------------------------------------------------------------------------


def _spot_check_page(request, actor, assignment, form, *, status=200, error=None):
    context = {
        "assignment": assignment,
        "form": form,
        "error": error,
        "spot_checks": spot_checks.spot_checks_of(actor=actor, assignment=assignment),
    }
    return render(request, "verification/evaluation_spot_check.html", context, status=status)


@login_required
def spot_check_add(request, public_id):
    """The form (GET) and the recording (POST) of a spot check; back to the assignment after."""
    actor = scoping.actor_for(request.user)
    assignment = spot_checks.assignment_for_spot_check(actor=actor, public_id=public_id)
    if not scoping.can_change(actor, assignment):
        raise PermissionDenied
    if request.method != "POST":
        form = SpotCheckForm(initial={"checked_on": timezone.localdate()})
        return _spot_check_page(request, actor, assignment, form)
    form = SpotCheckForm(request.POST)
    if not form.is_valid():
        error = _("Correct the marked fields. Nothing was saved.")
        return _spot_check_page(request, actor, assignment, form, status=400, error=error)
    try:
        spot_checks.record_spot_check(actor=actor, assignment=assignment, **form.cleaned_data)
    except DomainError as error:
        if isinstance(error, NotFound | ServicePermissionDenied):
            raise
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _spot_check_page(request, actor, assignment, form, status=400, error=error.message)
    messages.success(request, _("The spot check was recorded."))
    return redirect(assignment.get_absolute_url())


urlpatterns = [
    path("evaluations/", evaluation_list, name="evaluations"),
    path("evaluations/prepare/", evaluation_prepare, name="evaluation-prepare"),
    path("evaluations/<uuid:public_id>/", evaluation_detail, name="evaluation-detail"),
    path(
        "evaluations/<uuid:public_id>/checklist/",
        evaluation_checklist,
        name="evaluation-checklist",
    ),
    path("evaluations/<uuid:public_id>/submit/", evaluation_submit, name="evaluation-submit"),
    path("evaluations/<uuid:public_id>/publish/", evaluation_publish, name="evaluation-publish"),
    path("evaluations/<uuid:public_id>/return/", evaluation_return, name="evaluation-return"),
    path("assignments/<uuid:public_id>/spot-checks/add/", spot_check_add, name="spot-check-add"),
]
