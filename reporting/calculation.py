"""Emissions computed from activity data, in Decimal, with the formula version recorded.

Fuel combustion, per group (fuel):  consumption x net calorific value x carbon content per unit
calorific value x oxidation rate (%) / 100 x 44/12.
Process emissions, per group:  activity x emission factor.
Items whose role is `reported_emissions` add as they are (sectors reported as totals).
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from reporting.models import DataItem, ItemRole

CO2_PER_C = Decimal(44) / Decimal(12)
TONNE = Decimal("0.01")
COMBUSTION_ROLES = (
    ItemRole.FUEL_CONSUMPTION,
    ItemRole.NET_CALORIFIC_VALUE,
    ItemRole.CARBON_CONTENT,
    ItemRole.OXIDATION_RATE,
)


class IncompleteData(ValueError):
    """A group lacks an item its formula needs."""

    def __init__(self, group: str, missing: list[str]) -> None:
        super().__init__(f"{group}: missing {', '.join(missing)}")
        self.group = group
        self.missing = missing


@dataclass(frozen=True)
class Line:
    group: str
    kind: str
    formula: str
    tonnes: Decimal


@dataclass(frozen=True)
class Calculation:
    formula_version: str
    lines: list[Line]
    total: Decimal


def _grouped(items: list[DataItem], values: dict[str, Decimal]) -> dict[str, dict[str, Decimal]]:
    groups: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for item in items:
        if item.code in values and values[item.code] is not None:
            groups[item.group][item.role] = Decimal(values[item.code])
    return groups


def _combustion(group: str, data: dict[str, Decimal]) -> Line:
    missing = [role for role in COMBUSTION_ROLES if role not in data]
    if missing:
        raise IncompleteData(group, missing)
    consumption, ncv = data[ItemRole.FUEL_CONSUMPTION], data[ItemRole.NET_CALORIFIC_VALUE]
    carbon, oxidation = data[ItemRole.CARBON_CONTENT], data[ItemRole.OXIDATION_RATE]
    tonnes = consumption * ncv * carbon * oxidation / 100 * CO2_PER_C
    formula = f"{consumption} × {ncv} × {carbon} × {oxidation}% × 44/12"
    return Line(group, "combustion", formula, tonnes.quantize(TONNE, ROUND_HALF_UP))


def _process(group: str, data: dict[str, Decimal]) -> Line:
    missing = [r for r in (ItemRole.PROCESS_ACTIVITY, ItemRole.PROCESS_FACTOR) if r not in data]
    if missing:
        raise IncompleteData(group, missing)
    activity, factor = data[ItemRole.PROCESS_ACTIVITY], data[ItemRole.PROCESS_FACTOR]
    return Line(
        group,
        "process",
        f"{activity} × {factor}",
        (activity * factor).quantize(TONNE, ROUND_HALF_UP),
    )


def compute(
    *, formula_version: str, items: list[DataItem], values: dict[str, Decimal]
) -> Calculation:
    """The emissions of one period from its reported values, line by line.

    A group (fuel, process) with none of its values reported contributes nothing; one with only
    some of them raises IncompleteData naming what is missing.
    """
    lines = []
    for group, data in sorted(_grouped(items, values).items()):
        roles = set(data)
        if roles & set(COMBUSTION_ROLES):
            lines.append(_combustion(group, data))
        if roles & {ItemRole.PROCESS_ACTIVITY, ItemRole.PROCESS_FACTOR}:
            lines.append(_process(group, data))
        if ItemRole.REPORTED_EMISSIONS in roles:
            reported = data[ItemRole.REPORTED_EMISSIONS].quantize(TONNE, ROUND_HALF_UP)
            lines.append(Line(group, "reported", str(reported), reported))
    return Calculation(formula_version, lines, sum((line.tonnes for line in lines), Decimal(0)))
