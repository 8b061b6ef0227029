"""Pages of the Excel import of key emission units. Thin: parse, resolve the actor, call, render."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts import scoping
from core import errors
from units import imports, selectors
from units.models import Enterprise, Province

# The last rejection's errors wait in the cache, not the session: a large file can have thousands,
# and the session is rewritten on every request.
ERRORS_TIMEOUT_SECONDS = 60 * 60
# The page lists this many errors; the downloadable report has all of them.
ERRORS_SHOWN = 500


class EnterpriseImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        help_text=_("The template, filled in: one key emission unit per row."),
    )
    province = forms.ModelChoiceField(queryset=Province.objects.none(), label=_("Province"))

    def __init__(self, *args: Any, provinces: QuerySet[Province], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        first_two = list(provinces[:2])
        # Staff of one province import into it; only wider scopes choose.
        self.fixed_province = first_two[0] if len(first_two) == 1 else None
        if self.fixed_province is not None:
            del self.fields["province"]
        else:
            self.fields["province"].queryset = provinces

    def import_province(self) -> Province:
        return self.fixed_province or self.cleaned_data["province"]


def _actor_who_may_import(request: HttpRequest) -> scoping.Actor:
    actor = scoping.actor_for(request.user)
    if not scoping.may_create_any(actor, Enterprise):
        raise PermissionDenied
    return actor


def _errors_key(request: HttpRequest) -> str:
    return f"units:enterprise-import-errors:{request.session.session_key}"


def _xlsx_download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=imports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_GET
def enterprise_import_template(request: HttpRequest) -> HttpResponse:
    _actor_who_may_import(request)
    return _xlsx_download(imports.build_template(), "重点排放单位导入模板.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_import(request: HttpRequest) -> HttpResponse:
    actor = _actor_who_may_import(request)
    provinces = selectors.provinces_for(actor=actor)
    if request.method != "POST":
        return _page(request, EnterpriseImportForm(provinces=provinces))
    form = EnterpriseImportForm(request.POST, request.FILES, provinces=provinces)
    if not form.is_valid():
        return _page(request, form, status=400)
    cache.delete(_errors_key(request))
    try:
        result = imports.import_enterprises(
            actor=actor, province=form.import_province(), uploaded_file=form.cleaned_data["file"]
        )
    except imports.ImportRejected as rejected:
        cache.set(_errors_key(request), rejected.errors, ERRORS_TIMEOUT_SECONDS)
        return _page(request, form, status=400, message=rejected.message, rejected=rejected)
    except errors.PermissionDenied as refused:
        return _page(request, form, status=403, message=refused.message)
    except errors.DomainError as refused:
        return _page(request, form, status=400, message=refused.message)
    messages.success(
        request,
        ngettext(
            "Imported %(count)d key emission unit.",
            "Imported %(count)d key emission units.",
            result.created,
        )
        % {"count": result.created},
    )
    return redirect("units:enterprise-list")


def _page(
    request: HttpRequest,
    form: EnterpriseImportForm,
    *,
    status: int = 200,
    message: str = "",
    rejected: imports.ImportRejected | None = None,
) -> HttpResponse:
    row_errors = rejected.errors if rejected else []
    context = {
        "form": form,
        "message": message,
        "row_errors": row_errors[:ERRORS_SHOWN],
        "error_count": len(row_errors),
        "errors_hidden": max(len(row_errors) - ERRORS_SHOWN, 0),
    }
    return render(request, "units/enterprise_import.html", context, status=status)


@login_required
@require_GET
def enterprise_import_errors(request: HttpRequest) -> HttpResponse:
    """The error report of the last import this user's session had rejected."""
    _actor_who_may_import(request)
    row_errors = cache.get(_errors_key(request))
    if not row_errors:
        raise Http404
    return _xlsx_download(imports.error_report(row_errors), "重点排放单位导入错误报告.xlsx")
