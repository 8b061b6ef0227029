"""The public disclosure of the evaluations of verification institutions (no login): every
province's published evaluation, one province-year page, and its xlsx and PDF. Drafts and rounds
awaiting approval never reach these pages: everything comes through the published-only reads."""

from itertools import groupby

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from verification import evaluation_exports as exports
from verification import evaluation_figures, evaluation_selectors
from verification.scoring import Rubric


@require_safe
def index(request):
    rounds = evaluation_selectors.published_rounds()
    years = [(year, list(group)) for year, group in groupby(rounds, key=lambda r: r.year)]
    return render(request, "verification/public/evaluation_index.html", {"years": years})


@require_safe
def province(request, year: int, code: str):
    round_ = evaluation_selectors.published_round(year=year, province_code=code)
    rows = list(evaluation_selectors.published_evaluations(round_))
    rubric = evaluation_figures.rubric_of(rows[0]) if rows else Rubric.of(round_.scheme)
    context = {
        "round": round_,
        "rows": [(evaluation, evaluation_figures.grade_label(evaluation)) for evaluation in rows],
        "rubric": rubric,
        "bands": evaluation_figures.bands_shown(rubric),
    }
    return render(request, "verification/public/evaluation_province.html", context)


def _document(year: int, code: str) -> exports.Document:
    round_ = evaluation_selectors.published_round(year=year, province_code=code)
    return exports.document(round_, evaluation_selectors.published_evaluations(round_))


@require_safe
def province_xlsx(request, year: int, code: str):
    doc = _document(year, code)
    return _download(exports.evaluation_xlsx(doc), exports.XLSX_TYPE, doc.filename("xlsx"))


@require_safe
def province_pdf(request, year: int, code: str):
    doc = _document(year, code)
    return _download(exports.evaluation_pdf(doc), exports.PDF_TYPE, doc.filename("pdf"))


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    return HttpResponse(
        content,
        content_type=content_type,
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )
