"""What a validation finding says, in the reader's language, built from its rule, its figures and
the names of the items it concerns (the data item schema holds the names in both languages)."""

from collections.abc import Iterable

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from reporting.models import DataItem, ItemRole

EVIDENCE_KINDS = {
    "lab_report": gettext_lazy("Laboratory test report"),
    "production_report": gettext_lazy("Production report"),
    "metering_record": gettext_lazy("Metering record"),
    "calculation_sheet": gettext_lazy("Calculation sheet"),
    "emission_report": gettext_lazy("Emission report"),
    "other": gettext_lazy("Other document"),
}


def _english() -> bool:
    return (get_language() or "").startswith("en")


def item_name(item: DataItem | None, code: str = "") -> str:
    if item is None:
        return code
    return item.name_en if _english() and item.name_en else item.name_zh


def group_name(items: Iterable[DataItem]) -> str:
    """A group's name from what its items' names share ("Coal" of "Coal consumption", "Coal
    net calorific value", ...); the group of production data has a fixed name."""
    items = list(items)
    names = [item_name(item) for item in items]
    if not names or not items[0].group:
        return _("Production and operating data")
    if len(names) == 1:
        return names[0]
    return _shared_start(names, by_word=_english()) or items[0].group


def _shared_start(names: list[str], *, by_word: bool) -> str:
    """The words (English) or characters (Chinese) every name starts with."""
    shared = []
    for column in zip(*(name.split() if by_word else list(name) for name in names), strict=False):
        if len(set(column)) != 1:
            break
        shared.append(column[0])
    return (" " if by_word else "").join(shared).strip()


def evidence_kind(kind: str) -> str:
    return str(EVIDENCE_KINDS.get(kind, kind))


def _range(params: dict) -> str:
    low, high, unit = params.get("min"), params.get("max"), params.get("unit", "")
    if low is not None and high is not None:
        return _("%(min)s–%(max)s %(unit)s") % {"min": low, "max": high, "unit": unit}
    if low is not None:
        return _("at least %(min)s %(unit)s") % {"min": low, "unit": unit}
    return _("at most %(max)s %(unit)s") % {"max": high, "unit": unit}


def _missing(params: dict, group: str, items: Iterable[DataItem]) -> str:
    by_role = {item.role: item for item in items if item.group == group}
    names = [
        item_name(by_role[role])
        if role in by_role
        else str(ItemRole(role).label if role in ItemRole.values else role)
        for role in params.get("missing", [])
    ]
    return _(", ").join(names)


def describe(finding, item: DataItem | None, *, items: Iterable[DataItem] = ()) -> str:
    """One sentence for a finding (a stored ValidationFinding or a fresh validation.Found).
    `items` (the schema's items) lets a group's finding name what the group lacks."""
    items = list(items)
    name = item_name(item, finding.item_code)
    params = finding.params or {}
    unit = item.unit if item is not None else params.get("unit", "")
    rule = finding.rule
    if rule == "required":
        return _("%(item)s is required.") % {"item": name}
    if rule == "not_a_number":
        return _("%(item)s: “%(value)s” is not a number.") % {
            "item": name,
            "value": params.get("value", ""),
        }
    if rule == "negative":
        return _("%(item)s cannot be negative (%(value)s).") % {
            "item": name,
            "value": params.get("value", ""),
        }
    if rule == "too_large":
        return _("%(item)s: %(value)s is far too large for one month; check the unit.") % {
            "item": name,
            "value": params.get("value", ""),
        }
    if rule == "out_of_range":
        return _("%(item)s is %(value)s %(unit)s, outside the plausible range of %(range)s.") % {
            "item": name,
            "value": params.get("value", ""),
            "unit": unit,
            "range": _range({**params, "unit": unit}),
        }
    if rule == "month_over_month":
        return _(
            "%(item)s changed by %(change)s%% from the month before (%(previous)s %(unit)s)."
        ) % {
            "item": name,
            "change": params.get("change_pct", ""),
            "previous": params.get("previous", ""),
            "unit": unit,
        }
    if rule == "generation_without_fuel":
        return _("%(item)s is reported, but no fuel consumption is.") % {"item": name}
    if rule == "missing_previous_month":
        return _("Month %(month)s has no submitted certification yet.") % {
            "month": params.get("month", "")
        }
    if rule == "reconciliation":
        if finding.item_code == "emissions":
            name = _("Computed emissions")
            unit = "tCO2"
        if params.get("annual") is None:
            return _(
                "%(item)s is missing, but the year's monthly certifications total %(monthly)s "
                "%(unit)s."
            ) % {"item": name, "monthly": params.get("monthly", ""), "unit": unit}
        return _(
            "%(item)s is %(annual)s %(unit)s; the year's monthly certifications give %(monthly)s "
            "%(unit)s (difference %(pct)s%%, tolerance %(tolerance)s%%)."
        ) % {
            "item": name,
            "annual": params.get("annual", ""),
            "monthly": params.get("monthly", ""),
            "unit": unit,
            "pct": params.get("difference_pct") or "—",
            "tolerance": params.get("tolerance_pct", ""),
        }
    if rule == "months_not_certified":
        return _("No submitted monthly certification for month(s) %(months)s of the year.") % {
            "months": ", ".join(str(month) for month in params.get("months", []))
        }
    if rule == "incomplete_group":
        group = [i for i in items if i.group == finding.item_code]
        return _(
            "The emissions of %(group)s cannot be computed: %(missing)s missing. "
            "Fill in every item of the group, or none."
        ) % {
            "group": group_name(group) if group else finding.item_code,
            "missing": _missing(params, finding.item_code, items),
        }
    return _("%(item)s: rule %(rule)s.") % {"item": name or "—", "rule": rule}
