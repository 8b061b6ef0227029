"""Assignment pages: the accepted reports waiting for verification, assigned to an institution
and its team one or many at a time; withdrawing an assignment; each institution's workload
against the sector deadlines. Thin: parse, resolve the actor, call one service or selector,
render. A refused assignment shows the page again with 400 and every reason."""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from accounts import scoping
from core.errors import DomainError, NotFound
from core.errors import PermissionDenied as ServicePermissionDenied
from units import selectors as units
from units.models import City, Sector
from verification import assignment_rules, assignments
from verification import workload as workloads
from verification.due_dates import due_dates
from verification.models import Institution

PAGE_SIZE = 50
YEAR = {"min_value": 2000, "max_value": 2100}


class AssignFilterForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Reporting year"), required=False, **YEAR)
    sector = forms.ChoiceField(
        label=gettext_lazy("Sector"),
        choices=[("", gettext_lazy("All sectors")), *Sector.choices],
        required=False,
    )
    city = forms.ModelChoiceField(
        label=gettext_lazy("City"), queryset=City.objects.none(), required=False
    )
    institution = forms.ModelChoiceField(
        label=gettext_lazy("Institution"),
        queryset=Institution.objects.none(),
        required=False,
        to_field_name="public_id",
    )

    def __init__(self, *args, cities, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = cities
        self.fields["institution"].queryset = institutions


class AssignForm(forms.Form):
    """The chosen institution and team; the service checks the rest."""

    institution = forms.ModelChoiceField(
        label=gettext_lazy("Institution"),
        queryset=Institution.objects.none(),
        to_field_name="public_id",
    )
    team = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Team"),
        queryset=get_user_model().objects.none(),
        required=False,
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        chosen = assignments.institutions_for(actor=actor)
        self.fields["institution"].queryset = chosen
        public_id = _uuid(self.data.get("institution", ""))
        institution = chosen.filter(public_id=public_id).first() if public_id else None
        if institution is not None:
            self.fields["team"].queryset = assignments.team_choices(
                actor=actor, institution=institution
            )


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _may_assign(actor) -> bool:
    return bool(actor.staff_scopes) or actor.is_administrator


def _assign_page(request, actor, *, status=200, refused=None, error=None):
    filters_form = AssignFilterForm(
        request.GET,
        cities=units.cities_for(actor=actor),
        institutions=assignments.institutions_for(actor=actor),
    )
    year = timezone.localdate().year - 1
    filters = assignments.AssignableFilters(year=year)
    institution = None
    if filters_form.is_valid():
        data = filters_form.cleaned_data
        institution = data["institution"]
        filters = assignments.AssignableFilters(
            year=data["year"] or year, sector=data["sector"], city=data["city"]
        )
    page = Paginator(
        assignments.assignable_reports(actor=actor, filters=filters), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    reports = list(page)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters_form": filters_form,
        "year": filters.year,
        "page": page,
        "rows": [
            {"report": report, "due": due, "reasons": reasons}
            for report, due, reasons in _rows(reports, institution)
        ],
        "institution": institution,
        "team": assignments.team_choices(actor=actor, institution=institution)
        if institution
        else [],
        "query": query.urlencode(),
        "full_query": request.GET.urlencode(),
        "refused": refused or [],
        "error": error,
    }
    return render(request, "verification/assign.html", context, status=status)


def _rows(reports, institution):
    due = due_dates(reports)
    reasons = assignment_rules.refusal_map(reports, institution) if institution else {}
    return [(report, due.get(report.pk), reasons.get(report.pk, [])) for report in reports]


@login_required
@require_http_methods(["GET", "POST"])
def assign(request):
    actor = scoping.actor_for(request.user)
    if not _may_assign(actor):
        raise PermissionDenied
    if request.method == "GET":
        return _assign_page(request, actor)
    form = AssignForm(request.POST, actor=actor)
    if not form.is_valid():
        if "institution" in form.errors and request.POST.get("institution"):
            raise Http404  # another province's institution, or none: as if it did not exist
        error = " ".join(str(message) for errors in form.errors.values() for message in errors)
        return _assign_page(request, actor, status=400, error=error)
    institution = form.cleaned_data["institution"]
    report_ids = [_uuid(value) for value in request.POST.getlist("reports")]
    if None in report_ids:
        raise Http404  # a malformed report id: as if it did not exist
    try:
        reports = assignments.assignable_by_public_id(actor=actor, public_ids=report_ids)
        done = assignments.assign_many(
            actor=actor, reports=reports, institution=institution, team=form.cleaned_data["team"]
        )
    except assignments.AssignmentRefused as refusal:
        return _assign_page(request, actor, status=400, refused=refusal.refused)
    except (NotFound, ServicePermissionDenied):
        raise
    except DomainError as error:
        return _assign_page(request, actor, status=400, error=error.message)
    messages.success(
        request,
        ngettext(
            "%(count)d report assigned to %(institution)s.",
            "%(count)d reports assigned to %(institution)s.",
            len(done),
        )
        % {"count": len(done), "institution": institution},
    )
    return redirect(f"{reverse('verification:assign')}?{request.GET.urlencode()}")


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_withdraw(request, public_id):
    actor = scoping.actor_for(request.user)
    assignment = assignments.assignment_detail(actor=actor, public_id=public_id)
    if not scoping.can_change(actor, assignment):
        raise PermissionDenied
    form = WithdrawForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            assignments.withdraw(
                actor=actor, assignment=assignment, reason=form.cleaned_data["reason"]
            )
        except (NotFound, ServicePermissionDenied):
            raise
        except DomainError as refusal:
            error = refusal.message
        else:
            messages.success(request, _("The assignment was withdrawn."))
            return redirect(
                "verification:institution-detail", public_id=assignment.institution.public_id
            )
    context = {"assignment": assignment, "form": form, "error": error}
    status = 400 if request.method == "POST" else 200
    return render(request, "verification/assign_withdraw.html", context, status=status)


class WorkloadForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Reporting year"), required=False, **YEAR)


@login_required
def workload(request):
    actor = scoping.actor_for(request.user)
    if not (actor.staff_scopes or actor.sees_all_provinces or actor.institution_ids):
        raise PermissionDenied
    today = timezone.localdate()
    form = WorkloadForm(request.GET)
    year = (form.cleaned_data["year"] if form.is_valid() else None) or today.year - 1
    context = {
        "form": form,
        "year": year,
        "today": today,
        "loads": workloads.workload(actor=actor, year=year, today=today),
    }
    return render(request, "verification/workload.html", context)


urlpatterns = [
    path("assign/", assign, name="assign"),
    path("assignments/<uuid:public_id>/withdraw/", assignment_withdraw, name="assignment-withdraw"),
    path("workload/", workload, name="workload"),
]
