"""The arithmetic of an annual emission report, as pure functions of the schema and the values:
the year's figures implied by its monthly certifications (to prefill the report and to reconcile
it), the reconciliation item by item against a tolerance, and the supplementary data (output and
intensity) of the other key industries.

Quantities (fuel consumed, process activity, output, hours, emissions reported as totals) add up
over the months. Parameters are weighted so that the annual figures reproduce the months'
emissions exactly: the net calorific value by the fuel consumed, the carbon content by the heat
(consumption x NCV), the oxidation rate by the carbon (consumption x NCV x carbon content), a
process factor by its activity. Percentages without a weight (load factor) are the mean of the
months that report them.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from reporting.models import DataItem, ItemRole, Severity
from reporting.validation import Found

PARAMETER_PLACES = Decimal("0.000001")
PCT_PLACES = Decimal("0.01")
ADDITIVE_ROLES = (
    ItemRole.FUEL_CONSUMPTION,
    ItemRole.PROCESS_ACTIVITY,
    ItemRole.REPORTED_EMISSIONS,
)
# Each parameter's weight: the product of these items of its group, month by month.
WEIGHTED_BY = {
    ItemRole.NET_CALORIFIC_VALUE: (ItemRole.FUEL_CONSUMPTION,),
    ItemRole.CARBON_CONTENT: (ItemRole.FUEL_CONSUMPTION, ItemRole.NET_CALORIFIC_VALUE),
    ItemRole.OXIDATION_RATE: (
        ItemRole.FUEL_CONSUMPTION,
        ItemRole.NET_CALORIFIC_VALUE,
        ItemRole.CARBON_CONTENT,
    ),
    ItemRole.PROCESS_FACTOR: (ItemRole.PROCESS_ACTIVITY,),
}
EMISSIONS = "emissions"  # the reconciliation line of the computed total


def is_additive(item: DataItem) -> bool:
    """Whether the item's annual figure is the sum of its monthly figures."""
    return item.role in ADDITIVE_ROLES or (item.role == ItemRole.PRODUCTION and item.unit != "%")


def _weight(item: DataItem, by_role: dict[str, str], month: dict[str, Decimal]) -> Decimal | None:
    weight = Decimal(1)
    for role in WEIGHTED_BY.get(item.role, ()):
        code = by_role.get(role)
        if code is None or month.get(code) is None:
            return None
        weight *= month[code]
    return weight


def monthly_reference(items: list[DataItem], months: list[dict[str, Decimal]]) -> dict:
    """The annual figure of each item implied by the months' values (those reported at all)."""
    roles_by_group: dict[str, dict[str, str]] = {}
    for item in items:
        roles_by_group.setdefault(item.group, {})[item.role] = item.code
    reference = {}
    for item in items:
        reported = [month for month in months if month.get(item.code) is not None]
        if not reported:
            continue
        if is_additive(item):
            reference[item.code] = sum((month[item.code] for month in reported), Decimal(0))
            continue
        by_role = roles_by_group[item.group]
        weighted = [
            (weight, month[item.code])
            for month in reported
            if (weight := _weight(item, by_role, month)) is not None
        ]
        total_weight = sum((weight for weight, _value in weighted), Decimal(0))
        if item.role in WEIGHTED_BY and total_weight > 0:
            mean = sum((weight * value for weight, value in weighted), Decimal(0)) / total_weight
        else:
            mean = sum((month[item.code] for month in reported), Decimal(0)) / len(reported)
        reference[item.code] = mean.quantize(PARAMETER_PLACES, ROUND_HALF_UP).normalize()
    return reference


@dataclass(frozen=True)
class ReconciliationLine:
    item_code: str
    annual: Decimal | None
    monthly: Decimal
    difference: Decimal | None
    difference_pct: Decimal | None
    over_tolerance: bool

    def as_json(self) -> dict:
        def text(value):
            return None if value is None else format(value, "f")

        return {
            "item_code": self.item_code,
            "annual": text(self.annual),
            "monthly": text(self.monthly),
            "difference": text(self.difference),
            "difference_pct": text(self.difference_pct),
            "over_tolerance": self.over_tolerance,
        }


def _line(code: str, annual: Decimal | None, monthly: Decimal, tolerance_pct: Decimal):
    if annual is None:
        return ReconciliationLine(code, None, monthly, None, None, monthly != 0)
    difference = annual - monthly
    if monthly:
        pct = (difference / monthly * 100).quantize(PCT_PLACES, ROUND_HALF_UP)
        over = abs(pct) > tolerance_pct
    else:
        pct, over = None, difference != 0
    return ReconciliationLine(code, annual, monthly, difference, pct, over)


def reconcile(
    *,
    items: list[DataItem],
    annual: dict[str, Decimal],
    reference: dict[str, Decimal],
    annual_emissions: Decimal | None,
    monthly_emissions: Decimal | None,
    tolerance_pct: Decimal,
) -> list[ReconciliationLine]:
    """Item by item (and for the computed emissions), the annual figure against the months'."""
    lines = [
        _line(item.code, annual.get(item.code), reference[item.code], tolerance_pct)
        for item in items
        if item.code in reference
    ]
    if monthly_emissions is not None:
        lines.append(_line(EMISSIONS, annual_emissions, monthly_emissions, tolerance_pct))
    return lines


def reconciliation_findings(lines: list[ReconciliationLine], tolerance_pct: Decimal) -> list:
    return [
        Found(
            "reconciliation",
            line.item_code,
            Severity.WARNING,
            {
                "annual": None if line.annual is None else format(line.annual, "f"),
                "monthly": format(line.monthly, "f"),
                "difference_pct": None
                if line.difference_pct is None
                else format(line.difference_pct, "f"),
                "tolerance_pct": format(tolerance_pct.normalize(), "f"),
            },
        )
        for line in lines
        if line.over_tolerance
    ]


def supplementary(
    items: list[DataItem], values: dict[str, Decimal], emissions: Decimal | None
) -> dict:
    """The supplementary data report's figures: the main output and the emissions intensity
    (emissions per unit of output), from the schema's first required production item."""
    output_item = next(
        (item for item in items if item.role == ItemRole.PRODUCTION and item.is_required), None
    )
    if output_item is None:
        return {}
    output = values.get(output_item.code)
    intensity = (
        (emissions / output).quantize(PARAMETER_PLACES, ROUND_HALF_UP).normalize()
        if output and emissions is not None
        else None
    )
    return {
        "output_code": output_item.code,
        "output": None if output is None else format(output, "f"),
        "unit": output_item.unit,
        "intensity": None if intensity is None else format(intensity, "f"),
        "intensity_unit": f"tCO2e/{output_item.unit}",
    }
