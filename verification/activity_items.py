"""The verified activity data per facility that quota determination needs, by sector, as data:
which facilities, which items, in which unit, and their names (the reader's language for pages,
Chinese for official documents)."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from units.models import FacilityCategory


@dataclass(frozen=True)
class ActivityItem:
    code: str
    label: str
    zh: str  # the name in official Chinese documents, whatever the reader's language
    unit: str


@dataclass(frozen=True)
class ActivityRule:
    """Which facilities need verified activity data, and which items each needs. Empty
    `categories` means every facility of the unit."""

    categories: tuple[str, ...]
    items: tuple[ActivityItem, ...]


OUTPUT = gettext_lazy("Output")
# What quota determination reads per facility, by sector (domain-facts §4): power benchmarks
# apply to each generating unit's generation and heat supply; the other sectors' allocation and
# intensity rest on output, in the unit of the sector's supplementary data report. A sector not
# listed records output in tonnes.
ACTIVITY_RULES: dict[str, ActivityRule] = {
    "power": ActivityRule(
        categories=(FacilityCategory.GENERATING_UNIT,),
        items=(
            ActivityItem("power_generated", gettext_lazy("Power generated"), "发电量", "MWh"),
            ActivityItem("heat_supplied", gettext_lazy("Heat supplied"), "供热量", "GJ"),
        ),
    ),
    "flat_glass": ActivityRule((), (ActivityItem("output", OUTPUT, "产量", "weight case"),)),
    "aviation": ActivityRule((), (ActivityItem("output", OUTPUT, "运输周转量", "10^4 t·km"),)),
}
DEFAULT_ACTIVITY_RULE = ActivityRule((), (ActivityItem("output", OUTPUT, "产量", "t"),))


def activity_rule(sector: str) -> ActivityRule:
    return ACTIVITY_RULES.get(sector, DEFAULT_ACTIVITY_RULE)


def item_label(code: str, *, sector: str = "", chinese: bool = False) -> str:
    """An activity item's name in the reader's language, or in Chinese for documents."""
    for item in activity_rule(sector).items:
        if item.code == code:
            return item.zh if chinese else str(item.label)
    return code
