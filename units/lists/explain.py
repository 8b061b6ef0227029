"""Why the rules proposed what they did, in the reader's language, from an entry's figures."""

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from units.models import ListEntry


def _t(value) -> str:
    return intcomma(number_format(value, decimal_pos=0)) if value is not None else "—"


def explain(entry: ListEntry) -> str:
    x = entry.explanation or {}
    rule = x.get("rule", {})
    threshold = _t(rule.get("threshold_t"))
    years = x.get("years_considered", [])
    basis = _t(entry.basis_emissions)
    year = years[0] if years else ""
    texts = {
        "at_or_above_threshold": _(
            "%(year)s verified direct emissions %(basis)s t, at or above the threshold of "
            "%(threshold)s t."
        ),
        "below_threshold": _(
            "%(year)s verified direct emissions %(basis)s t, below the threshold of "
            "%(threshold)s t."
        ),
        "below_threshold_once": _(
            "%(year)s verified direct emissions %(basis)s t are below %(threshold)s t, but "
            "only one year running: the unit stays on the list."
        ),
        "below_threshold_years": _(
            "Below %(threshold)s t in %(years)s (%(count)s consecutive years): removed."
        ),
        "new_build": _(
            "Newly commissioned; its expected annual emissions of %(basis)s t reach the "
            "threshold of %(threshold)s t."
        ),
        "no_new_verified_data": _(
            "No verified emissions for a recent year; the unit stays on the list."
        ),
        "no_verified_data": _("No verified emissions."),
        "closed": _("Closed: the unit no longer operates."),
        "merged": _("Merged into %(merged_into)s."),
        "at_or_above_threshold_in_range": _(
            "At or above %(threshold)s t in %(years)s (highest %(basis)s t)."
        ),
        "below_threshold_in_range": _("Below %(threshold)s t in every year of %(range)s."),
    }
    template = texts.get(entry.reason_code, entry.reason_code)
    text = template % {
        "year": year,
        "basis": basis,
        "threshold": threshold,
        "years": "、".join(str(y) for y in years),
        "count": len(years),
        "merged_into": x.get("merged_into", ""),
        "range": f"{rule.get('from_year')}–{rule.get('to_year')}",
    }
    if x.get("on_previous_list"):
        text += " " + _("On last year's list.")
    return text
