"""The template's shape and how its rows become one month's values.

The template writer, the reader and the combination all take the file's shape from here: the
sheet names, the three header rows, the label column, and for every data item the rule that
combines its rows (sum, quantity-weighted mean, mean, or the operating-hours rule).

How rows are combined into the month (the instructions sheet says the same, in Chinese and
English):

- Quantities (roles fuel_consumption, process_activity, reported_emissions, and production items
  other than hours and percentages) are summed.
- Per-unit parameters (roles ncv, carbon_content, oxidation_rate, process_factor) are averaged
  weighted by their group's quantity (the fuel's consumption, the process's activity) in the same
  rows: sum(quantity x parameter) / sum(quantity). Rows without the parameter do not count; when
  the rows that report it have no quantity (none in the group, or all zero), the plain mean.
- Operating hours (production items in "h"): in a file of days, summed (a day's hours make the
  month's); in a file of facilities, the largest (one figure for the month, and a month has at
  most 744 hours, so the hours of several units are not added).
- Percentages (production items in "%", the load factor): the plain mean of the rows that report
  them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reporting.models import DataItem, ItemRole
from units.imports.columns import INSTRUCTIONS_SHEET as INSTRUCTIONS_SHEET

DATA_SHEET = "月度数据"

# Row 1: Chinese name; row 2: unit; row 3: English name. Data from row 4.
HEADER_ROWS = 3
FIRST_DATA_ROW = HEADER_ROWS + 1
LABEL_ZH, LABEL_UNIT, LABEL_EN = "日期/设施", "日期或名称", "Day or facility"

PARAMETER_ROLES = (
    ItemRole.NET_CALORIFIC_VALUE,
    ItemRole.CARBON_CONTENT,
    ItemRole.OXIDATION_RATE,
    ItemRole.PROCESS_FACTOR,
)
WEIGHT_ROLES = (ItemRole.FUEL_CONSUMPTION, ItemRole.PROCESS_ACTIVITY)


class Rule(StrEnum):
    SUM = "sum"
    WEIGHTED_MEAN = "weighted_mean"
    MEAN = "mean"
    HOURS = "hours"


# The rule of each kind in the instructions sheet: (Chinese, English).
RULE_TEXT = {
    Rule.SUM: ("各行相加", "summed over the rows"),
    Rule.WEIGHTED_MEAN: (
        "按本组消耗量（或活动数据）加权平均",
        "mean weighted by the group's consumption (or activity data)",
    ),
    Rule.MEAN: ("各行算术平均", "plain mean of the rows"),
    Rule.HOURS: (
        "按日填报时相加；按设施填报时取最大值",
        "summed over days; the largest over facilities",
    ),
}


def rule_for(item: DataItem) -> Rule:
    if item.role in PARAMETER_ROLES:
        return Rule.WEIGHTED_MEAN
    if item.role == ItemRole.PRODUCTION and item.unit.strip() == "h":
        return Rule.HOURS
    if item.role == ItemRole.PRODUCTION and item.unit.strip() == "%":
        return Rule.MEAN
    return Rule.SUM


def weight_item(item: DataItem, items: list[DataItem]) -> DataItem | None:
    """The quantity a parameter is weighted by: the consumption or activity of its group."""
    if rule_for(item) != Rule.WEIGHTED_MEAN or not item.group:
        return None
    return next(
        (other for other in items if other.group == item.group and other.role in WEIGHT_ROLES),
        None,
    )


@dataclass(frozen=True)
class ItemColumn:
    """A data item's column: its header title (the Chinese name, made unique) and position."""

    item: DataItem
    title: str
    index: int  # 1-based, as Excel counts; the label column is 1


def item_columns(items: list[DataItem]) -> list[ItemColumn]:
    names = [item.name_zh.strip() for item in items]
    return [
        ItemColumn(
            item,
            name if names.count(name) == 1 else f"{name}（{item.code}）",
            index,
        )
        for index, (item, name) in enumerate(zip(items, names, strict=True), start=2)
    ]
