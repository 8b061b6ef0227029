"""Staff pages of the annual list: the lists, one list with its entries and workflow actions,
overrides, the year-over-year comparison and the download. Thin: parse, resolve the actor,
call one service or selector, render. A refused action shows the page again with 400."""

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import scoping
from core import four_eyes
from core.errors import DomainError
from units.lists import exports, selectors, services
from units.lists.explain import explain
from units.lists.forms import (
    EntryFilterForm,
    FormulateForm,
    OverrideForm,
    ReturnForm,
    RevisionForm,
)
from units.models import Decision, ListScope, ListStatus, UnitList
from units.selectors import provinces_for

PAGE_SIZE = 50
SECTIONS = ((ListScope.MARKET, "page"), (ListScope.REPORTING_ONLY, "rpage"))


def _provinces_to_formulate(actor):
    """Lists are drawn up by province-wide staff (or administrators) of their own province."""
    provinces = provinces_for(actor=actor)
    if actor.is_administrator:
        return provinces
    return provinces.filter(pk__in=[p for p, city in actor.staff_scopes if city is None])


def _formulate_form(actor, data=None):
    form = FormulateForm(
        data, provinces=_provinces_to_formulate(actor), year=timezone.localdate().year + 1
    )
    return form if form.has_provinces else None


def _lists_page(request, actor, form, status=200):
    context = {
        "lists": selectors.lists_for(actor=actor),
        "formulate_form": form,
        "show_province": actor.sees_all_provinces or len(actor.province_ids) > 1,
    }
    return render(request, "units/lists/staff_lists.html", context, status=status)


@login_required
def unit_lists(request):
    actor = scoping.actor_for(request.user)
    return _lists_page(request, actor, _formulate_form(actor))


@login_required
@require_POST
def list_formulate(request):
    actor = scoping.actor_for(request.user)
    form = _formulate_form(actor, request.POST)
    if form is None:
        raise PermissionDenied
    if not form.is_valid():
        if form.has_error("province", "invalid_choice"):
            raise Http404  # another province: as if it did not exist
        return _lists_page(request, actor, form, status=400)
    try:
        unit_list = services.formulate(actor=actor, **form.cleaned_data)
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _lists_page(request, actor, form, status=400)
    messages.success(request, _("The list was formulated from the inclusion rules."))
    return redirect(unit_list)


def _sections(request, actor, unit_list, filters):
    """Market entries, and the reporting-only units apart, each paginated on its own."""
    sections = []
    for scope, param in SECTIONS:
        if filters.scope and filters.scope != scope:
            continue
        rows = selectors.entries(
            actor=actor, unit_list=unit_list, filters=replace(filters, scope=scope)
        )
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get(param))
        query = request.GET.copy()
        query.pop(param, None)
        sections.append(
            {
                "scope": scope,
                "label": ListScope(scope).label,
                "page": page,
                "rows": [(entry, explain(entry)) for entry in page],
                "param": param,
                "query": query.urlencode(),
            }
        )
    return sections


def _revision_of(unit_list):
    try:
        return unit_list.superseded_by
    except UnitList.DoesNotExist:
        return None


def _labelled_summary(unit_list):
    return [
        {
            **row,
            "scope_label": ListScope(row["scope"]).label,
            "decision_label": Decision(row["decision"]).label,
        }
        for row in selectors.summary(unit_list)
    ]


def _labelled_changes(unit_list):
    labels = dict(Decision.choices)
    return [
        (change, labels.get(change.before, "—"), labels.get(change.after, "—"))
        for change in selectors.revision_changes(unit_list)
    ]


def _detail_context(request, actor, unit_list, **forms):
    filter_form = EntryFilterForm(request.GET or None)
    filters = selectors.EntryFilters()
    if filter_form.is_bound and filter_form.is_valid():
        filters = selectors.EntryFilters(**filter_form.cleaned_data)
    may_act = scoping.can_change(actor, unit_list)
    status = unit_list.status
    revision = _revision_of(unit_list)
    may_revise = may_act and status == ListStatus.PUBLISHED and revision is None
    return {
        "unit_list": unit_list,
        "revision": revision,
        "summary": _labelled_summary(unit_list),
        "filter_form": filter_form,
        "sections": _sections(request, actor, unit_list, filters),
        "query": request.GET.urlencode(),
        "changes": _labelled_changes(unit_list),
        "history": selectors.history(actor=actor, unit_list=unit_list)[:200],
        "may_act": may_act,
        "may_change_entries": may_act and status == ListStatus.DRAFT,
        "may_approve": may_act
        and status == ListStatus.SUBMITTED
        and four_eyes.second_person(actor.user.pk, unit_list.submitted_by_id),
        "decisions": Decision.choices,
        "return_form": forms.get("return_form")
        or (ReturnForm() if may_act and status == ListStatus.SUBMITTED else None),
        "revision_form": forms.get("revision_form") or (RevisionForm() if may_revise else None),
        "override_form": forms.get("override_form"),
        "override_entry": forms.get("override_entry"),
        "action_error": forms.get("action_error"),
    }


def _show_again(request, actor, unit_list, **forms):
    """The list page once more, with a refused form or action (400)."""
    context = _detail_context(request, actor, unit_list, **forms)
    return render(request, "units/lists/staff_detail.html", context, status=400)


def _refused(request, actor, unit_list, error, *, form=None, form_name="", **extra):
    """The service refused: the message goes on the form's field when it names one. The list
    is read again, as the refused transaction left it."""
    if form is None:
        extra["action_error"] = error.message
    else:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        extra[form_name] = form
    unit_list = selectors.list_detail(actor=actor, public_id=unit_list.public_id)
    return _show_again(request, actor, unit_list, **extra)


@login_required
def list_detail(request, public_id):
    actor = scoping.actor_for(request.user)
    unit_list = selectors.list_detail(actor=actor, public_id=public_id)
    context = _detail_context(request, actor, unit_list)
    return render(request, "units/lists/staff_detail.html", context)


def _list_to_act_on(actor, public_id):
    """The list behind an action: 404 outside the actor's provinces, 403 if read-only to them."""
    unit_list = selectors.list_detail(actor=actor, public_id=public_id)
    if not scoping.can_change(actor, unit_list):
        raise PermissionDenied
    return unit_list


def _act(request, public_id, service, *, done, form_class=None, form_name=""):
    """One workflow step: the service decides; a refusal re-renders the list with 400."""
    actor = scoping.actor_for(request.user)
    unit_list = _list_to_act_on(actor, public_id)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        return _show_again(request, actor, unit_list, **{form_name: form})
    try:
        result = service(actor=actor, unit_list=unit_list, **(form.cleaned_data if form else {}))
    except DomainError as error:
        return _refused(request, actor, unit_list, error, form=form, form_name=form_name)
    messages.success(request, done)
    return redirect(result)


def _recalculate(*, actor, unit_list):
    # Formulation works on the province's open list of the year; a page of any other list
    # (published, or with its approver) must not reach a draft revision through it.
    if not unit_list.is_editable:
        raise DomainError(_("Only a draft list can be changed."))
    return services.formulate(actor=actor, province=unit_list.province, year=unit_list.year)


@login_required
@require_POST
def list_recalculate(request, public_id):
    return _act(request, public_id, _recalculate, done=_("The list was recalculated."))


@login_required
@require_POST
def list_submit(request, public_id):
    return _act(request, public_id, services.submit, done=_("The list was submitted for approval."))


@login_required
@require_POST
def list_return(request, public_id):
    return _act(
        request,
        public_id,
        services.return_to_draft,
        done=_("The list was returned to draft."),
        form_class=ReturnForm,
        form_name="return_form",
    )


@login_required
@require_POST
def list_approve(request, public_id):
    return _act(request, public_id, services.approve, done=_("The list was approved."))


@login_required
@require_POST
def list_publish(request, public_id):
    return _act(
        request,
        public_id,
        services.publish,
        done=_("The list was published; its units are being notified."),
    )


@login_required
@require_POST
def list_revise(request, public_id):
    return _act(
        request,
        public_id,
        services.start_revision,
        done=_("A correction revision was started as a draft."),
        form_class=RevisionForm,
        form_name="revision_form",
    )


@login_required
@require_POST
def entry_override(request, public_id):
    actor = scoping.actor_for(request.user)
    entry = selectors.entry_detail(actor=actor, public_id=public_id)
    unit_list = _list_to_act_on(actor, entry.unit_list.public_id)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        return _show_again(request, actor, unit_list, override_form=form, override_entry=entry)
    try:
        services.override(actor=actor, entry=entry, **form.cleaned_data)
    except DomainError as error:
        return _refused(
            request,
            actor,
            unit_list,
            error,
            form=form,
            form_name="override_form",
            override_entry=entry,
        )
    messages.success(request, _("The decision on %(unit)s was saved.") % {"unit": entry.enterprise})
    query = QueryDict(request.POST.get("query", "")).urlencode()
    return redirect(f"{unit_list.get_absolute_url()}{'?' + query if query else ''}")


@login_required
def list_compare(request, public_id):
    actor = scoping.actor_for(request.user)
    unit_list = selectors.list_detail(actor=actor, public_id=public_id)
    comparison = selectors.year_over_year(actor=actor, unit_list=unit_list)
    context = {
        "unit_list": unit_list,
        "comparison": comparison,
        "count_change": comparison.count_now - comparison.count_before,
        "emissions_change": comparison.emissions_now - comparison.emissions_before,
    }
    return render(request, "units/lists/staff_compare.html", context)


# The file is an official Chinese document whatever the reader's language; one that is not the
# published text says so in its title.
DRAFT_MARKS = {ListStatus.PUBLISHED: "", ListStatus.SUPERSEDED: "（已更正）"}


@login_required
def list_xlsx(request, public_id):
    """The list in the disclosure format, in any status (a draft as it would be published)."""
    actor = scoping.actor_for(request.user)
    unit_list = selectors.list_detail(actor=actor, public_id=public_id)
    entries = (
        selectors.entries(actor=actor, unit_list=unit_list, filters=selectors.EntryFilters())
        .exclude(decision=Decision.NOT_INCLUDED)
        .select_related("unit_list__province")
    )
    document = exports.disclosure(
        place=unit_list.province.name_zh,
        year=unit_list.year,
        date_label="公布日期",
        on=timezone.localdate(unit_list.published_at) if unit_list.published_at else None,
        entries=entries,
    )
    title = document.title + DRAFT_MARKS.get(unit_list.status, "（未公布）")
    response = HttpResponse(
        exports.list_xlsx(title=title, sections=document.sections),
        content_type=exports.XLSX_TYPE,
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=document.filename("xlsx")
    )
    return response
