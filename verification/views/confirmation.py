"""The province's confirmation or return of a verification conclusion, and the notice of the
verification result (核查结果告知书) as a PDF. The actions live on the assignment page
(views/work.py); a refused one shows that page again with 400 and the reason."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import scoping
from core.errors import DomainError
from core.pdf import render_pdf
from units.models import Province
from verification import activity_items, confirmation, objections, selectors
from verification.models import Assignment, VerifiedFigures
from verification.views.work import detail, refused
from verification.work_forms import ReturnForm

# Municipalities directly under the central government and the Corps have a bureau (局) of
# ecology and environment; the provinces and autonomous regions a department (厅).
BUREAU_CODES = frozenset({"110000", "120000", "310000", "500000", "660000"})


def _under_review(request, public_id):
    actor = scoping.actor_for(request.user)
    assignment = selectors.assignment_detail(actor=actor, public_id=public_id)
    if not selectors.standing(actor, assignment).is_reviewer:
        raise PermissionDenied
    return actor, assignment


@login_required
@require_POST
def confirm(request, public_id):
    actor, assignment = _under_review(request, public_id)
    try:
        confirmation.confirm(actor=actor, assignment=assignment)
    except DomainError as error:
        return refused(request, actor, assignment, error)
    messages.success(
        request,
        _("Confirmed: the verified figures are final and the enterprise was notified."),
    )
    return redirect(assignment)


@login_required
@require_POST
def return_conclusion(request, public_id):
    actor, assignment = _under_review(request, public_id)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        error = _("Correct the marked fields. Nothing was saved.")
        return detail(request, actor, assignment, status=400, error=error, return_form=form)
    try:
        confirmation.return_conclusion(
            actor=actor, assignment=assignment, comment=form.cleaned_data["comment"]
        )
    except DomainError as error:
        return refused(request, actor, assignment, error, form=form, return_form=form)
    messages.success(request, _("The conclusion was returned to the verifiers."))
    return redirect(assignment)


@dataclass(frozen=True)
class Notice:
    """What the notice says; an official Chinese text whatever the reader's language."""

    department: str
    unit_name: str
    uscc: str
    year: int
    emissions: str
    institution: str
    rows: list[dict]
    window_days: int
    objection_until: date
    dated: date

    @property
    def we(self) -> str:
        return "我局" if self.department.endswith("局") else "我厅"


def department(province: Province) -> str:
    suffix = "生态环境局" if province.code in BUREAU_CODES else "生态环境厅"
    return f"{province.name_zh}{suffix}"


def _tonnes(value: Decimal) -> str:
    return f"{value:,.2f}"


def notice(assignment: Assignment, figures: VerifiedFigures) -> Notice:
    window = objections.objection_window(assignment)
    sector = assignment.enterprise.industry.sector
    return Notice(
        department=department(assignment.enterprise.province),
        unit_name=assignment.enterprise.name_zh,
        uscc=assignment.enterprise.uscc,
        year=assignment.year,
        emissions=_tonnes(figures.emissions),
        institution=assignment.institution.name_zh,
        rows=[
            {
                "facility": row["facility_name"],
                "item": activity_items.item_label(row["item"], sector=sector, chinese=True),
                "value": f"{Decimal(row['value']).normalize():,f}",
                "unit": row["unit"],
            }
            for row in figures.activity
        ],
        window_days=window.days,
        objection_until=window.closes,
        dated=figures.confirmed_on,
    )


@login_required
def notice_pdf(request, public_id):
    """To the enterprise, the staff covering it and the ministry, once confirmed."""
    actor = scoping.actor_for(request.user)
    assignment, figures = selectors.confirmed_result(actor=actor, public_id=public_id)
    content = render_pdf(
        render_to_string("verification/notice.html", {"doc": notice(assignment, figures)})
    )
    filename = f"{assignment.year}年度核查结果告知书-{assignment.enterprise.name_zh}.pdf"
    return HttpResponse(
        content,
        content_type="application/pdf",
        headers={"Content-Disposition": content_disposition_header(False, filename)},
    )


ASSIGNMENT = "assignments/<uuid:public_id>/"

urlpatterns = [
    path(f"{ASSIGNMENT}confirm/", confirm, name="assignment-confirm"),
    path(f"{ASSIGNMENT}return/", return_conclusion, name="assignment-return"),
    path(f"{ASSIGNMENT}notice.pdf", notice_pdf, name="assignment-notice-pdf"),
]
