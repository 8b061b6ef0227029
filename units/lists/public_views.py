"""The public disclosure of the lists (no login): every province's published list, the national
roll-up, and the downloads in the notice's format. Drafts never reach these pages: everything
comes through the selectors' published-only reads."""

import hashlib
from itertools import groupby

from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from units.lists import exports, selectors
from units.models import ListScope

PAGE_SIZE = 50
PDF_TYPE = "application/pdf"
PDF_CACHE_SECONDS = 60 * 60


@require_safe
def index(request):
    lists = selectors.published_lists()
    years = [(year, list(group)) for year, group in groupby(lists, key=lambda item: item.year)]
    return render(request, "units/lists/public_index.html", {"years": years})


@require_safe
def national(request, year: int):
    lists = _national_lists(year)
    q = request.GET.get("q", "").strip()
    rows = selectors.disclosed_entries(year=year, q=q)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "units/lists/public_national.html",
        {"year": year, "lists": lists, "q": q, "page": page},
    )


@require_safe
def province(request, year: int, code: str):
    unit_list = selectors.published_list(year=year, province_code=code)
    q = request.GET.get("q", "").strip()
    rows = selectors.disclosed_entries(year=year, province=unit_list.province, q=q)
    return render(
        request,
        "units/lists/public_province.html",
        {"unit_list": unit_list, "q": q, "sections": _by_scope(rows)},
    )


@require_safe
def national_xlsx(request, year: int):
    document = _national_document(year, _national_lists(year))
    return _xlsx(document)


@require_safe
def national_pdf(request, year: int):
    lists = _national_lists(year)
    content = _cached_pdf(lists, lambda: _national_document(year, lists))
    return _download(content, PDF_TYPE, exports.filename(exports.NATIONAL, year, "pdf"))


@require_safe
def province_xlsx(request, year: int, code: str):
    unit_list = selectors.published_list(year=year, province_code=code)
    return _xlsx(_province_document(unit_list))


@require_safe
def province_pdf(request, year: int, code: str):
    unit_list = selectors.published_list(year=year, province_code=code)
    content = _cached_pdf([unit_list], lambda: _province_document(unit_list))
    return _download(content, PDF_TYPE, exports.filename(unit_list.province.name_zh, year, "pdf"))


def _national_lists(year: int) -> list:
    lists = list(selectors.published_lists(year=year))
    if not lists:
        raise Http404("no published list for that year")
    return lists


def _by_scope(rows) -> list[tuple[str, list]]:
    """The province page's two sections: the market list, then the reporting-only units."""
    entries = list(rows)
    return [(scope, [entry for entry in entries if entry.scope == scope]) for scope in ListScope]


def _province_document(unit_list) -> exports.Disclosure:
    return exports.disclosure(
        place=unit_list.province.name_zh,
        year=unit_list.year,
        date_label="公布日期",
        on=_day(unit_list.published_at),
        entries=selectors.disclosed_entries(year=unit_list.year, province=unit_list.province),
    )


def _national_document(year: int, lists: list) -> exports.Disclosure:
    # The roll-up is as of the latest provincial publication it includes.
    moments = [unit_list.published_at for unit_list in lists if unit_list.published_at]
    return exports.disclosure(
        place=exports.NATIONAL,
        year=year,
        date_label="更新日期",
        on=_day(max(moments, default=None)),
        entries=selectors.disclosed_entries(year=year),
    )


def _day(moment):
    # localdate(None) would be today: a missing date must stay missing.
    return timezone.localdate(moment) if moment else None


def _cached_pdf(lists: list, document) -> bytes:
    """Rendering takes seconds per thousand rows (bench/list_pdf.py) and the pages are public,
    so each rendering is kept: a published list never changes (a correction is a new list with
    its own id), hence the key. The expiry bounds how long an edited unit name can lag."""
    ids = ",".join(str(unit_list.public_id) for unit_list in lists)
    key = "public-list-pdf:" + hashlib.sha256(ids.encode()).hexdigest()
    content = cache.get(key)
    if content is None:
        content = exports.list_pdf(document=document())
        cache.set(key, content, PDF_CACHE_SECONDS)
    return content


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    return HttpResponse(
        content,
        content_type=content_type,
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )


def _xlsx(document: exports.Disclosure) -> HttpResponse:
    content = exports.list_xlsx(title=document.title, sections=document.sections)
    return _download(content, exports.XLSX_TYPE, document.filename("xlsx"))
