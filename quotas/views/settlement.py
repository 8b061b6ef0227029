"""Settlement pages: the province's list (status filter, counts, interim targets, opening and
closing the year), one settlement (surrenders recorded by staff), the registry export's import,
the shortfall cases, the compliance summary as xlsx and PDF, and an enterprise's quota position.
Thin: parse, resolve the actor, call one service or read, render. A refused action shows the page
again with 400 and the reason; another province's rows are 404."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import scoping
from core.errors import DomainError, NotFound
from core.errors import PermissionDenied as ServicePermissionDenied
from quotas import (
    compliance,
    quota_position,
    registry_import,
    settlement_access,
    settlement_closing,
    settlement_opening,
    surrenders,
)
from quotas import settlement_exports as exports
from quotas import settlement_selectors as selectors
from quotas.models import Settlement, SettlementStatus, SurrenderKind
from units.imports.errors import ImportRejected
from units.models import Enterprise, Province

PAGE_SIZE = 100
ERRORS_SHOWN = 500


# --- forms: they parse; the services decide ------------------------------------------------------


def _year_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=gettext_lazy("Compliance year"), min_value=2019, max_value=2100, **kwargs
    )


class ListFilter(forms.Form):
    year = _year_field(required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All")), *SettlementStatus.choices],
    )


class YearForm(forms.Form):
    year = _year_field()


class CloseForm(YearForm):
    average_price = forms.DecimalField(
        label=gettext_lazy("Average market price in the month before the deadline (CNY/t)"),
        required=False,
        max_digits=10,
        decimal_places=2,
        help_text=gettext_lazy("Needed where the fine is a multiple of the average price."),
    )


class SurrenderForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=SurrenderKind.choices)
    quantity = forms.DecimalField(
        label=gettext_lazy("Quantity (t)"), max_digits=14, decimal_places=0, min_value=1
    )
    vintage = forms.IntegerField(
        label=gettext_lazy("Vintage"),
        required=False,
        min_value=2013,
        max_value=2100,
        help_text=gettext_lazy("Required for allowances."),
    )
    surrendered_on = forms.DateField(
        label=gettext_lazy("Surrendered on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    registry_reference = forms.CharField(
        label=gettext_lazy("Registry reference"), required=False, max_length=100
    )


class ImportForm(YearForm):
    file = forms.FileField(
        label=gettext_lazy("Excel file (.xlsx)"),
        help_text=gettext_lazy("The registry's export of surrenders, one surrender per row."),
    )


class CaseForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("correct", "correct"), ("penalty", "penalty")], widget=forms.HiddenInput
    )
    amount = forms.DecimalField(
        label=gettext_lazy("Fine decided (CNY)"), required=False, max_digits=16, decimal_places=2
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- helpers --------------------------------------------------------------------------------------


def _actor_for_province_pages(request: HttpRequest) -> scoping.Actor:
    actor = scoping.actor_for(request.user)
    if not (actor.staff_scopes or actor.sees_all_provinces):
        raise PermissionDenied
    return actor


def _province(actor: scoping.Actor, code: str | None) -> Province:
    """The province named by its code, or the actor's first; another province is 404."""
    provinces = selectors.provinces_for(actor=actor)
    if code:
        found = provinces.filter(code=code).first()
        if found is None:
            raise NotFound("not found")
        return found
    found = provinces.first()
    if found is None:
        raise PermissionDenied
    return found


def _default_year() -> int:
    """The compliance year settled this year: the one before."""
    return timezone.localdate().year - 1


def _list_url(province: Province, year: int) -> str:
    query = urlencode({"province": province.code, "year": year})
    return f"{reverse('quotas:settlements')}?{query}"


def _download(content: bytes, content_type: str, filename: str, *, inline=False) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    return response


def _service_error(error: DomainError) -> None:
    """Re-raise what the middleware turns into 404/403; other refusals are shown on the page."""
    if isinstance(error, NotFound | ServicePermissionDenied):
        raise error


# --- the province's list --------------------------------------------------------------------------


def _list_page(request, actor, province, year, *, status="", error="", http_status=200, **forms_):
    rows = selectors.settlements_for(actor=actor, province=province, year=year, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    may_act = scoping.can_create(actor, Settlement, province_id=province.pk, city_id=None)
    context = {
        "province": province,
        "provinces": selectors.provinces_for(actor=actor) if actor.sees_all_provinces else [],
        "year": year,
        "status": status,
        "statuses": SettlementStatus.choices,
        "page": page,
        "query": urlencode({"province": province.code, "year": year, "status": status}),
        "counts": selectors.counts(actor=actor, province=province, year=year),
        "targets": compliance.target_progress(
            actor=actor, province=province, year=year, today=timezone.localdate()
        ),
        "may_act": may_act,
        "close_form": forms_.get("close_form") or CloseForm(initial={"year": year}),
        "error": error,
    }
    return render(request, "quotas/settlement_list.html", context, status=http_status)


@login_required
@require_GET
def settlement_list(request: HttpRequest) -> HttpResponse:
    actor = _actor_for_province_pages(request)
    province = _province(actor, request.GET.get("province"))
    listing = ListFilter(request.GET)
    if not listing.is_valid():
        return _list_page(
            request, actor, province, _default_year(), error=_("Choose a valid year and status."),
            http_status=400,
        )  # fmt: skip
    year = listing.cleaned_data["year"] or _default_year()
    return _list_page(request, actor, province, year, status=listing.cleaned_data["status"])


@login_required
@require_POST
def settlements_open(request: HttpRequest) -> HttpResponse:
    actor = _actor_for_province_pages(request)
    province = _province(actor, request.POST.get("province"))
    form = YearForm(request.POST)
    if not form.is_valid():
        return _list_page(request, actor, province, _default_year(),
                          error=_("Choose a valid compliance year."), http_status=400)  # fmt: skip
    year = form.cleaned_data["year"]
    try:
        result = settlement_opening.open_settlements(actor=actor, province=province, year=year)
    except DomainError as error:
        _service_error(error)
        return _list_page(request, actor, province, year, error=error.message, http_status=400)
    messages.success(
        request,
        _("Settlements opened: %(created)d new, %(updated)d recalculated, %(unchanged)d "
          "unchanged, %(kept)d already closed.")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged,
           "kept": result.kept_closed},
    )  # fmt: skip
    if result.without_allocation:
        messages.warning(
            request,
            _("Verified but without an approved determination (not opened): %(names)s")
            % {"names": "、".join(result.without_allocation[:20])},
        )
    return redirect(_list_url(province, year))


@login_required
@require_POST
def settlements_close(request: HttpRequest) -> HttpResponse:
    actor = _actor_for_province_pages(request)
    province = _province(actor, request.POST.get("province"))
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _list_page(request, actor, province, _default_year(), close_form=form,
                          error=_("Correct the errors below."), http_status=400)  # fmt: skip
    year = form.cleaned_data["year"]
    try:
        result = settlement_closing.close_year(
            actor=actor,
            province=province,
            year=year,
            today=timezone.localdate(),
            average_price=form.cleaned_data["average_price"],
        )
    except DomainError as error:
        _service_error(error)
        if error.field in form.fields:
            form.add_error(error.field, error.message)
        return _list_page(request, actor, province, year, close_form=form, error=error.message,
                          http_status=400)  # fmt: skip
    messages.success(
        request,
        ngettext(
            "%(count)d settlement closed as not settled; a shortfall case was opened.",
            "%(count)d settlements closed as not settled; a shortfall case was opened for each.",
            result.closed,
        )
        % {"count": result.closed},
    )
    return redirect(_list_url(province, year))


# --- one settlement -------------------------------------------------------------------------------


def _detail_page(request, actor, settlement, *, form=None, http_status=200):
    tally = selectors.tally_of(settlement)
    may_record = (
        scoping.can_change(actor, settlement)
        and settlement.status in settlement_access.ACCEPTS_SURRENDERS
    )
    if may_record and form is None:
        form = SurrenderForm(
            initial={"kind": SurrenderKind.ALLOWANCE, "vintage": settlement.year,
                     "surrendered_on": timezone.localdate()}
        )  # fmt: skip
    context = {
        "settlement": settlement,
        "tally": tally,
        "ccer_limit_pct": surrenders.percent(tally.ccer_limit_pct),
        "case": getattr(settlement, "case", None),
        "form": form if may_record else None,
        "history": selectors.history(actor=actor, settlement=settlement)[:200],
        "is_staff": bool(actor.staff_scopes or actor.sees_all_provinces),
    }
    return render(request, "quotas/settlement_detail.html", context, status=http_status)


@login_required
@require_GET
def settlement_detail(request: HttpRequest, public_id) -> HttpResponse:
    actor = scoping.actor_for(request.user)
    settlement = selectors.settlement_detail(actor=actor, public_id=public_id)
    return _detail_page(request, actor, settlement)


@login_required
@require_POST
def surrender_add(request: HttpRequest, public_id) -> HttpResponse:
    actor = scoping.actor_for(request.user)
    settlement = selectors.settlement_detail(actor=actor, public_id=public_id)
    if not scoping.can_change(actor, settlement):
        raise PermissionDenied
    form = SurrenderForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, actor, settlement, form=form, http_status=400)
    try:
        surrenders.record_surrender(actor=actor, settlement=settlement, **form.cleaned_data)
    except surrenders.SurrenderRefused as refused:
        for field_name, message in refused.errors:
            form.add_error(field_name if field_name in form.fields else None, message)
        return _detail_page(request, actor, settlement, form=form, http_status=400)
    except DomainError as error:
        _service_error(error)
        form.add_error(None, error.message)
        return _detail_page(request, actor, settlement, form=form, http_status=400)
    messages.success(request, _("The surrender was recorded."))
    return redirect(settlement)


# --- the registry's export ------------------------------------------------------------------------


def _import_page(request, province, form, *, http_status=200, message="", rejected=None):
    row_errors = rejected.errors if rejected else []
    context = {
        "province": province,
        "form": form,
        "message": message,
        "row_errors": row_errors[:ERRORS_SHOWN],
        "error_count": len(row_errors),
        "errors_hidden": max(len(row_errors) - ERRORS_SHOWN, 0),
        "columns": registry_import.SURRENDER_COLUMNS,
    }
    return render(request, "quotas/import.html", context, status=http_status)


@login_required
@require_http_methods(["GET", "POST"])
def surrender_import(request: HttpRequest) -> HttpResponse:
    actor = _actor_for_province_pages(request)
    province = _province(actor, request.POST.get("province") or request.GET.get("province"))
    if request.method != "POST":
        year = request.GET.get("year") or _default_year()
        return _import_page(request, province, ImportForm(initial={"year": year}))
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, province, form, http_status=400)
    year = form.cleaned_data["year"]
    try:
        result = registry_import.import_surrenders(
            actor=actor, province=province, year=year, uploaded_file=form.cleaned_data["file"]
        )
    except ImportRejected as rejected:
        return _import_page(request, province, form, http_status=400, message=rejected.message,
                            rejected=rejected)  # fmt: skip
    except DomainError as error:
        _service_error(error)
        return _import_page(request, province, form, http_status=400, message=error.message)
    messages.success(
        request,
        _("Imported %(count)d surrenders; %(settled)d settlements are now complete.")
        % {"count": result.surrenders, "settled": result.settled},
    )
    return redirect(_list_url(province, year))


@login_required
@require_GET
def surrender_template(request: HttpRequest) -> HttpResponse:
    _actor_for_province_pages(request)
    year = ListFilter(request.GET)
    year = (year.cleaned_data["year"] if year.is_valid() else None) or _default_year()
    return _download(exports.import_template(year), exports.XLSX_TYPE, "清缴记录导入模板.xlsx")


# --- shortfall cases ------------------------------------------------------------------------------


def _case_page(request, actor, case, *, form=None, http_status=200):
    may_act = scoping.can_change(actor, case)
    context = {
        "case": case,
        "settlement": case.settlement,
        "form": form or CaseForm(),
        "may_act": may_act,
        "rule": selectors.penalty_rule(case.settlement.year),
    }
    return render(request, "quotas/settlement_case.html", context, status=http_status)


@login_required
@require_GET
def case_detail(request: HttpRequest, public_id) -> HttpResponse:
    actor = scoping.actor_for(request.user)
    return _case_page(request, actor, selectors.case_detail(actor=actor, public_id=public_id))


@login_required
@require_POST
def case_decide(request: HttpRequest, public_id) -> HttpResponse:
    actor = scoping.actor_for(request.user)
    case = selectors.case_detail(actor=actor, public_id=public_id)
    if not scoping.can_change(actor, case):
        raise PermissionDenied
    form = CaseForm(request.POST)
    if not form.is_valid():
        return _case_page(request, actor, case, form=form, http_status=400)
    data = form.cleaned_data
    try:
        if data["action"] == "correct":
            settlement_closing.correct_case(actor=actor, case=case, note=data["note"])
            messages.success(request, _("The case is recorded as corrected."))
        else:
            settlement_closing.decide_penalty(
                actor=actor, case=case, amount=data["amount"], note=data["note"]
            )
            messages.success(request, _("The fine was recorded."))
    except DomainError as error:
        _service_error(error)
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _case_page(request, actor, case, form=form, http_status=400)
    return redirect("quotas:case-detail", public_id=case.public_id)


# --- the compliance summary -----------------------------------------------------------------------


def _summary(request: HttpRequest) -> exports.Summary:
    actor = _actor_for_province_pages(request)
    province = _province(actor, request.GET.get("province"))
    listing = ListFilter(request.GET)
    if not listing.is_valid():
        raise NotFound("not found")
    year = listing.cleaned_data["year"] or _default_year()
    return exports.Summary(
        province=province.name_zh,
        year=year,
        dated=timezone.localdate(),
        rows=compliance.compliance_summary(actor=actor, province=province, year=year),
        counts=selectors.counts(actor=actor, province=province, year=year),
    )


@login_required
@require_GET
def compliance_summary_xlsx(request: HttpRequest) -> HttpResponse:
    summary = _summary(request)
    return _download(exports.summary_xlsx(summary), exports.XLSX_TYPE, summary.filename("xlsx"))


@login_required
@require_GET
def compliance_summary_pdf(request: HttpRequest) -> HttpResponse:
    summary = _summary(request)
    return _download(
        exports.summary_pdf(summary), exports.PDF_TYPE, summary.filename("pdf"), inline=True
    )


# --- an enterprise's quota position ---------------------------------------------------------------


@login_required
@require_GET
def position(request: HttpRequest) -> HttpResponse:
    """An enterprise user's units; staff name one unit of their province (?enterprise=)."""
    actor = scoping.actor_for(request.user)
    chosen = request.GET.get("enterprise")
    if chosen:
        units = [scoping.get_visible(actor, Enterprise, public_id=chosen)]
    elif actor.enterprise_ids:
        units = list(
            scoping.visible(actor, Enterprise)
            .filter(pk__in=actor.enterprise_ids)
            .order_by("name_zh")
        )
    elif actor.has_role:
        units = []
    else:
        raise PermissionDenied
    sections = [
        {"enterprise": unit, "years": quota_position.position(actor=actor, enterprise=unit)}
        for unit in units
    ]
    return render(request, "quotas/position.html", {"sections": sections, "chosen": chosen})


urlpatterns = [
    path("settlements/", settlement_list, name="settlements"),
    path("settlements/open/", settlements_open, name="settlements-open"),
    path("settlements/close/", settlements_close, name="settlements-close"),
    path("settlements/import/", surrender_import, name="surrender-import"),
    path("settlements/import/template/", surrender_template, name="surrender-template"),
    path("settlements/summary.xlsx", compliance_summary_xlsx, name="compliance-summary-xlsx"),
    path("settlements/summary.pdf", compliance_summary_pdf, name="compliance-summary-pdf"),
    path("settlements/<uuid:public_id>/", settlement_detail, name="settlement-detail"),
    path("settlements/<uuid:public_id>/surrenders/", surrender_add, name="surrender-add"),
    path("cases/<uuid:public_id>/", case_detail, name="case-detail"),
    path("cases/<uuid:public_id>/decide/", case_decide, name="case-decide"),
    path("position/", position, name="position"),
]
