"""Pages of the key emission unit registry. Thin: parse, resolve the actor, call, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import scoping
from units import selectors, services
from units.forms import AnnualEmissionsForm, EnterpriseFilterForm, EnterpriseForm, FacilityForm
from units.models import Enterprise

PAGE_SIZE = 50


@login_required
def enterprise_list(request):
    actor = scoping.actor_for(request.user)
    form = EnterpriseFilterForm(
        request.GET or None,
        provinces=selectors.provinces_for(actor=actor),
        cities=selectors.cities_for(actor=actor),
        industries=selectors.industries(),
    )
    filters = selectors.EnterpriseFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.EnterpriseFilters(**form.cleaned_data)
    enterprises = selectors.enterprise_list(actor=actor, filters=filters)
    page = Paginator(enterprises, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "units/enterprise_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "may_create": scoping.may_create_any(actor, Enterprise),
            "show_province": actor.sees_all_provinces or len(actor.province_ids) > 1,
        },
    )


@login_required
def enterprise_detail(request, public_id):
    actor = scoping.actor_for(request.user)
    enterprise = selectors.enterprise_detail(actor=actor, public_id=public_id)
    return render(
        request,
        "units/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "may_change": scoping.can_change(actor, enterprise),
            "history": selectors.enterprise_history(actor=actor, enterprise=enterprise)[:200],
        },
    )


def _enterprise_form(actor, request, instance=None):
    return EnterpriseForm(
        request.POST or None,
        instance=instance,
        provinces=selectors.provinces_for(actor=actor),
        cities=selectors.cities_for(actor=actor, province=getattr(instance, "province", None)),
        city_required=bool(actor.staff_scopes)
        and all(city for _province, city in actor.staff_scopes)
        and not actor.is_administrator,
    )


def _render_form(request, template, context):
    """A form page; shown again after a POST only because the input was refused."""
    return render(request, template, context, status=400 if request.method == "POST" else 200)


def _changeable_enterprise(actor, public_id):
    """The enterprise behind a change page: 404 outside the actor's scope, 403 if read-only."""
    enterprise = selectors.enterprise_detail(actor=actor, public_id=public_id)
    if not scoping.can_change(actor, enterprise):
        raise PermissionDenied
    return enterprise


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_create(request):
    actor = scoping.actor_for(request.user)
    if not scoping.may_create_any(actor, Enterprise):
        raise PermissionDenied
    form = _enterprise_form(actor, request)
    if request.method == "POST" and form.is_valid():
        try:
            enterprise = services.create_enterprise(
                actor=actor, data=services.EnterpriseData(**form.cleaned_data)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Key emission unit %(name)s added.") % {"name": enterprise})
            return redirect(enterprise)
    return _render_form(request, "units/enterprise_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_edit(request, public_id):
    actor = scoping.actor_for(request.user)
    enterprise = _changeable_enterprise(actor, public_id)
    form = _enterprise_form(actor, request, instance=enterprise)
    if request.method == "POST" and form.is_valid():
        changes = {
            name: form.cleaned_data[name] for name in form.changed_data if name != "province"
        }
        try:
            services.update_enterprise(actor=actor, enterprise=enterprise, changes=changes)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(enterprise)
    return _render_form(
        request, "units/enterprise_form.html", {"form": form, "enterprise": enterprise}
    )


@login_required
@require_http_methods(["GET", "POST"])
def facility_add(request, public_id):
    actor = scoping.actor_for(request.user)
    enterprise = _changeable_enterprise(actor, public_id)
    form = FacilityForm(request.POST or None, enterprise=enterprise)
    if request.method == "POST" and form.is_valid():
        services.add_facility(actor=actor, enterprise=enterprise, values=form.cleaned_data)
        messages.success(request, _("Facility added."))
        return redirect(enterprise)
    return _render_form(
        request, "units/facility_form.html", {"form": form, "enterprise": enterprise}
    )


@login_required
@require_http_methods(["GET", "POST"])
def facility_edit(request, public_id):
    actor = scoping.actor_for(request.user)
    facility = selectors.facility_detail(actor=actor, public_id=public_id)
    if not scoping.can_change(actor, facility):
        raise PermissionDenied
    form = FacilityForm(request.POST or None, instance=facility, enterprise=facility.enterprise)
    if request.method == "POST" and form.is_valid():
        services.update_facility(actor=actor, facility=facility, values=form.cleaned_data)
        messages.success(request, _("Changes saved."))
        return redirect(facility.enterprise)
    context = {"form": form, "enterprise": facility.enterprise, "facility": facility}
    return _render_form(request, "units/facility_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def emissions_record(request, public_id):
    actor = scoping.actor_for(request.user)
    enterprise = _changeable_enterprise(actor, public_id)
    form = AnnualEmissionsForm(request.POST or None, enterprise=enterprise)
    if request.method == "POST" and form.is_valid():
        services.record_annual_emissions(actor=actor, enterprise=enterprise, **form.cleaned_data)
        messages.success(request, _("Annual emissions recorded."))
        return redirect(enterprise)
    return _render_form(
        request, "units/emissions_form.html", {"form": form, "enterprise": enterprise}
    )
