"""The parts of the pages of the kinds that hold values by data item (monthly certifications,
annual reports): the values in their groups, the emissions calculation, and saving the values
form, which checks them and says what the check found."""

from collections.abc import Callable
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import DomainError
from reporting import messages as wording
from reporting import selectors
from reporting.models import Severity
from reporting.submission_views import Kind, own, refused

LINE_KINDS = {
    "combustion": gettext_lazy("Fuel combustion"),
    "process": gettext_lazy("Process"),
    "reported": gettext_lazy("Reported total"),
}


def grouped(items, values):
    return [
        (wording.group_name(members), [(item, values.get(item.code, "")) for item in members])
        for members in (list(run) for _group, run in groupby(items, key=lambda i: i.group))
    ]


def calculation(record, items):
    groups = {}
    for item in items:
        groups.setdefault(item.group, []).append(item)
    return [
        {
            **line,
            "label": wording.group_name(groups.get(line["group"], [])),
            "kind_label": LINE_KINDS.get(line["kind"], line["kind"]),
        }
        for line in record.calculation
    ]


def values_form(form_class, record, forms: dict, *, items, warnings, editable: bool):
    """The values form that failed (bound), else a fresh one while the record is editable."""
    return forms.get("values_form") or (
        form_class(
            initial=record.values,
            items=items,
            warnings=warnings,
            explanations=record.explanations,
        )
        if editable
        else None
    )


def save_view(kind: Kind, *, form_class, warnings: Callable, save: Callable):
    """Saving a draft's values and explanations; `warnings` (actor, record) gives the warnings
    the form asks an explanation for."""

    @login_required
    @require_POST
    def view(request, public_id):
        actor, record = own(kind, request, public_id)
        form = form_class(
            request.POST,
            warnings=warnings(actor, record),
            items=selectors.items_of(record),
            explanations=record.explanations,
        )
        if not form.is_valid():
            error = _("Some values are not numbers: correct the marked fields. Nothing was saved.")
            return kind.render(request, actor, record, status=400, error=error, values_form=form)
        try:
            found = save(
                actor=actor,
                values=form.values(),
                explanations=form.explanations(record.explanations),
                **{kind.name: record},
            )
        except DomainError as error:
            return refused(kind, request, actor, record, error, form=form, values_form=form)
        errors = sum(1 for f in found if f.severity == Severity.ERROR)
        messages.success(
            request,
            _("Saved. The check found %(errors)d error(s) and %(warnings)d warning(s).")
            % {"errors": errors, "warnings": len(found) - errors},
        )
        return redirect(record)

    return view
