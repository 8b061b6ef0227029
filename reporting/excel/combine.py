"""One month's values from the rows of an upload, by each item's rule (see layout's docstring).

Decimal throughout, in a context wide enough that sums are exact; means are rounded half up to
four more decimal places than their most precise input. The results are strings, as the web
form's values are, for services.save_values.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, localcontext

from reporting.excel.layout import Rule, rule_for, weight_item
from reporting.excel.rows import ParsedRow
from reporting.models import DataItem

EXTRA_PLACES = 4


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def _places(values: Iterable[Decimal]) -> int:
    return max((max(-value.as_tuple().exponent, 0) for value in values), default=0)


def _rounded(value: Decimal, inputs: list[Decimal]) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-(_places(inputs) + EXTRA_PLACES)), ROUND_HALF_UP)


def _weighted_mean(code: str, weight_code: str | None, rows: list[ParsedRow]) -> Decimal:
    pairs = [
        (row.values.get(weight_code, Decimal(0)) if weight_code else Decimal(0), row.values[code])
        for row in rows
        if code in row.values
    ]
    parameters = [parameter for _weight, parameter in pairs]
    total_weight = sum((weight for weight, _parameter in pairs), Decimal(0))
    if total_weight > 0:
        mean = sum((weight * parameter for weight, parameter in pairs), Decimal(0)) / total_weight
    else:
        mean = sum(parameters, Decimal(0)) / len(parameters)
    return _rounded(mean, parameters)


def combine(items: list[DataItem], rows: list[ParsedRow], *, of_days: bool) -> dict[str, str]:
    """The month's value of every item some row reports (an item no row reports stays blank)."""
    values: dict[str, str] = {}
    with localcontext() as context:
        context.prec = 60
        for item in items:
            reported = [row.values[item.code] for row in rows if item.code in row.values]
            if not reported:
                continue
            rule = rule_for(item)
            if rule == Rule.WEIGHTED_MEAN:
                weight = weight_item(item, items)
                value = _weighted_mean(item.code, weight.code if weight else None, rows)
            elif rule == Rule.MEAN:
                value = _rounded(sum(reported, Decimal(0)) / len(reported), reported)
            elif rule == Rule.HOURS and not of_days:
                value = max(reported)
            else:  # Rule.SUM, and hours over days
                value = sum(reported, Decimal(0))
            values[item.code] = _text(value)
    return values
