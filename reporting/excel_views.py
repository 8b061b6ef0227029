"""The Excel path of the monthly certification: the template to download (per sector, or for one
certification) and the upload that fills a draft. Thin: parse, resolve the actor, call, render.

A refused upload shows the upload page again (400) with the reason and every bad cell; an
accepted one goes back to the certification, whose page shows the saved values and findings."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts import scoping
from core import errors
from reporting import excel
from reporting.models import DataItemSchema, MonthlyCertification, Severity
from units.imports.columns import SECTOR_LABELS_ZH

# The page lists this many errors; the count says how many more there are.
ERRORS_SHOWN = 500


class ExcelUploadForm(forms.Form):
    # Empty files reach the upload service, which says so in the words of every file check.
    file = forms.FileField(
        label=gettext_lazy("Excel file (.xlsx)"),
        help_text=gettext_lazy("The template of this certification, filled in."),
        allow_empty_file=True,
    )


def _xlsx_download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _certification(actor: scoping.Actor, public_id) -> MonthlyCertification:
    """A certification the actor may see, or NotFound (404): another unit's looks missing."""
    return scoping.get_visible(
        actor,
        MonthlyCertification.objects.select_related("schema", "enterprise__province"),
        public_id=public_id,
    )


def _schema(actor: scoping.Actor, sector: str, year_text: str) -> DataItemSchema:
    """The sector's schema for the year (the latest earlier one if the year has none)."""
    try:
        year = int(year_text) if year_text else timezone.localdate().year
    except ValueError:
        raise Http404 from None
    schema = (
        scoping.visible(actor, DataItemSchema)
        .filter(sector=sector, year__lte=year)
        .order_by("-year")
        .first()
    )
    if schema is None:
        raise Http404
    return schema


@login_required
@require_GET
def excel_template(request: HttpRequest) -> HttpResponse:
    """?certification=<public id>: that certification's template (its month's days listed);
    ?sector=<sector>[&year=<year>]: the sector's template."""
    actor = scoping.actor_for(request.user)
    public_id = request.GET.get("certification", "")
    if public_id:
        certification = _certification(actor, public_id)
        content = excel.build_template(certification.schema, certification=certification)
        period = f"{certification.year}-{certification.month:02d}"
        filename = f"{certification.enterprise.name_zh}_{period}_月度数据.xlsx"
    else:
        schema = _schema(actor, request.GET.get("sector", ""), request.GET.get("year", ""))
        content = excel.build_template(schema)
        sector = SECTOR_LABELS_ZH.get(schema.sector, schema.sector)
        filename = f"{sector}_{schema.year}_月度数据模板.xlsx"
    return _xlsx_download(content, filename)


def _page(
    request: HttpRequest,
    certification: MonthlyCertification,
    form: ExcelUploadForm,
    *,
    status: int = 200,
    message: str = "",
    rejected: excel.ImportRejected | None = None,
) -> HttpResponse:
    row_errors = rejected.errors if rejected else []
    context = {
        "certification": certification,
        "form": form,
        "message": message,
        "row_errors": row_errors[:ERRORS_SHOWN],
        "error_count": len(row_errors),
        "errors_hidden": max(len(row_errors) - ERRORS_SHOWN, 0),
    }
    return render(request, "reporting/excel_upload.html", context, status=status)


def _summary(result: excel.UploadResult, filename: str) -> str:
    if result.of_days:
        read = ngettext(
            "%(file)s: %(count)d day of the month read.",
            "%(file)s: %(count)d days of the month read.",
            result.rows_used,
        ) % {"file": filename, "count": result.rows_used}
    else:
        read = ngettext(
            "%(file)s: %(count)d facility read.",
            "%(file)s: %(count)d facilities read.",
            result.rows_used,
        ) % {"file": filename, "count": result.rows_used}
    if result.rows_skipped:
        read += " " + ngettext(
            "%(count)d row of another month was skipped.",
            "%(count)d rows of other months were skipped.",
            result.rows_skipped,
        ) % {"count": result.rows_skipped}
    found_errors = sum(1 for f in result.findings if f.severity == Severity.ERROR)
    checked = _("Saved. The check found %(errors)d error(s) and %(warnings)d warning(s).") % {
        "errors": found_errors,
        "warnings": len(result.findings) - found_errors,
    }
    return f"{read} {checked}"


@login_required
@require_http_methods(["GET", "POST"])
def excel_upload(request: HttpRequest, public_id) -> HttpResponse:
    actor = scoping.actor_for(request.user)
    certification = _certification(actor, public_id)
    if certification.enterprise_id not in actor.enterprise_ids:
        raise errors.PermissionDenied(_("Only the enterprise's own users can do this."))
    if request.method != "POST":
        return _page(request, certification, ExcelUploadForm())
    form = ExcelUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, certification, form, status=400)
    uploaded_file = form.cleaned_data["file"]
    try:
        result = excel.upload(actor=actor, certification=certification, uploaded_file=uploaded_file)
    except excel.ImportRejected as rejected:
        message = ngettext(
            "The file has %(count)d error; nothing was saved.",
            "The file has %(count)d errors; nothing was saved.",
            len(rejected.errors),
        ) % {"count": len(rejected.errors)}
        return _page(request, certification, form, status=400, message=message, rejected=rejected)
    except (errors.NotFound, errors.PermissionDenied):
        raise
    except errors.DomainError as refused:
        return _page(request, certification, form, status=400, message=refused.message)
    messages.success(request, _summary(result, uploaded_file.name))
    return redirect(f"{certification.get_absolute_url()}#findings")
