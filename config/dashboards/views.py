"""The dashboards: a province's cycle at a glance (its staff, or reviewers drilling down, read
only) and the national roll-up (ministry reviewers and administrators), with xlsx downloads."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import scoping
from config.dashboards import charts, exports, measures, national
from config.dashboards.cycle import Filters, current_cycle, cycle_a_year_before
from core.errors import PermissionDenied
from core.templatetags.presentation import localized_name
from units.models import Province, Sector
from units.selectors import cities_for

CHART_LIBRARY = "vendor/chart.js/chart.umd.min.js"


class FilterForm(forms.Form):
    city = forms.ModelChoiceField(
        label=gettext_lazy("City"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("All cities"),
    )
    sector = forms.ChoiceField(
        label=gettext_lazy("Sector"),
        choices=[("", gettext_lazy("All sectors")), *Sector.choices],
        required=False,
    )

    def __init__(self, *args, cities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = cities

    def filters(self) -> Filters:
        if not self.is_bound or not self.is_valid():
            return Filters()
        return Filters(
            city=self.cleaned_data.get("city"), sector=self.cleaned_data.get("sector") or ""
        )


def charts_available() -> bool:
    """Whether scripts/install put the chart library in place (else the page says so)."""
    return finders.find(CHART_LIBRARY) is not None


def _filter_form(request, actor, province: Province) -> FilterForm:
    return FilterForm(request.GET or None, cities=cities_for(actor=actor, province=province))


def _render_dashboard(request, actor, province: Province):
    form = _filter_form(request, actor, province)
    filters = form.filters()
    data = measures.province_dashboard(
        actor=actor, province=province, filters=filters, today=timezone.localdate()
    )
    context = {
        "province": province,
        "form": form,
        "filters": filters,
        "query": request.GET.urlencode(),
        "read_only": province.pk not in actor.province_ids,
        "charts_available": charts_available(),
        "data": data,
    }
    if data is not None:
        context["charts"] = {
            "obligations": charts.obligations(data.obligations),
            "monthly": charts.monthly(data.monthly, data.monthly_last_year),
            "verification": charts.verification(data.verification),
            "quotas": charts.quotas(data.allocation, data.settlement),
        }
    return render(request, "dashboards/province.html", context)


@login_required
def province(request):
    """Staff land on their province's dashboard; reviewers and multi-province staff pick one."""
    actor = scoping.actor_for(request.user)
    own = measures.own_province(actor=actor)
    if own is None:
        provinces = measures.dashboard_provinces(actor=actor)
        return render(
            request,
            "dashboards/pick.html",
            {"provinces": provinces, "national": measures.may_see_national(actor)},
        )
    return _render_dashboard(request, actor, own)


@login_required
def province_detail(request, code: str):
    actor = scoping.actor_for(request.user)
    return _render_dashboard(request, actor, measures.dashboard_province(actor=actor, code=code))


def _xlsx_response(sheet: exports.Sheet, *, heading: str, filename: str) -> HttpResponse:
    response = HttpResponse(
        exports.workbook(sheet, heading=heading), content_type=exports.XLSX_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def province_xlsx(request, code: str):
    """One table of the province's dashboard (`table`), with the page's filters, every row."""
    actor = scoping.actor_for(request.user)
    province = measures.dashboard_province(actor=actor, code=code)
    build = exports.PROVINCE_TABLES.get(request.GET.get("table", ""))
    if build is None:
        raise Http404("no such table")
    filters = _filter_form(request, actor, province).filters()
    today = timezone.localdate()
    data = measures.province_dashboard(
        actor=actor, province=province, filters=filters, today=today, full=True
    )
    if data is None:
        raise Http404("no calendar")
    sheet = build(data)
    return _xlsx_response(
        sheet,
        heading=_("%(province)s · %(table)s · as of %(date)s")
        % {"province": localized_name(province), "table": sheet.title, "date": today},
        filename=f"dashboard-{province.code}-{request.GET['table']}-{today:%Y%m%d}.xlsx",
    )


def _national_data(request, actor):
    if not measures.may_see_national(actor):
        raise PermissionDenied("the national roll-up is for ministry reviewers")
    today = timezone.localdate()
    sector = request.GET.get("sector", "")
    filters = Filters(sector=sector if sector in Sector.values else "")
    cycle = current_cycle(today)
    if cycle is None:
        return filters, today, None, None, []
    last = cycle_a_year_before(today, cycle)
    rows = national.province_rollup(
        actor=actor, filters=filters, cycle=cycle, last_cycle=last, sort=_sort(request)
    )
    return filters, today, cycle, last, rows


def _sort(request) -> str:
    sort = request.GET.get("sort", "code")
    return sort if sort.removeprefix("-") in national.SORT_KEYS else "code"


@login_required
def national_rollup(request):
    actor = scoping.actor_for(request.user)
    filters, today, cycle, last, rows = _national_data(request, actor)
    context = {
        "filters": filters,
        "sectors": Sector.choices,
        "today": today,
        "cycle": cycle,
        "last_cycle": last,
        "rows": rows,
        "total": national.totals(rows) if rows else None,
        "sort": _sort(request),
        "charts_available": charts_available(),
        "chart": charts.national(rows, localized_name) if rows else None,
    }
    return render(request, "dashboards/national.html", context)


@login_required
def national_xlsx(request):
    actor = scoping.actor_for(request.user)
    _filters, today, cycle, _last, rows = _national_data(request, actor)
    if cycle is None:
        raise Http404("no calendar")
    sheet = exports.national(rows)
    return _xlsx_response(
        sheet,
        heading=_("National roll-up · as of %(date)s") % {"date": today},
        filename=f"dashboard-national-{today:%Y%m%d}.xlsx",
    )
