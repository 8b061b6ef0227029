"""The arithmetic of allowances, as pure functions of a plan's rules and the verified data, in
Decimal; every result comes with its lines (formula and tonnes) so the page, the notice and a
recomputation show the same thing.

Power (benchmark method, generation basis):
    facility = generation benchmark × power generated × cooling factor × load factor correction
               + heat benchmark × heat supplied
Intensity: facility = output benchmark × output.   Equal to verified: the verified emissions.
Pre-allocation = ratio × (the same formula on the basis year's verified data) for the output
basis, or ratio × the basis year's verified emissions.
Settlement obligation = verified emissions, at most the allocation for a gas unit, and at most
allocation + cap% × verified emissions where a gap cap applies.
Totals are rounded once, per enterprise, by the plan's rounding (half up).
"""

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

FACTOR_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Rules:
    """What a calculation reads of an AllocationPlan (see quotas.models.AllocationPlan)."""

    method: str
    benchmarks: dict[str, dict]  # category -> {"output": Decimal, "heat": Decimal | None}
    cooling_factors: dict[str, str] = field(default_factory=dict)
    load_factor_bands: list[dict] = field(default_factory=list)
    load_factor_applies_to: list[str] = field(default_factory=list)
    pre_allocation_ratio: Decimal = Decimal(0)
    pre_allocation_basis: str = "none"
    gap_cap_pct: Decimal | None = None
    gas_units_capped: bool = False
    ccer_limit_pct: Decimal = Decimal(5)
    rounding_places: int = 0


@dataclass(frozen=True)
class FacilityData:
    """One facility's verified figures for a year (None where not reported)."""

    facility_id: int
    name: str
    category: str
    fuel: str = ""
    cooling: str = ""
    output: Decimal | None = None  # MWh generated for power; t of product otherwise
    heat: Decimal | None = None  # GJ supplied
    load_factor: Decimal | None = None  # a fraction (0.72 for 72%)


@dataclass(frozen=True)
class Line:
    facility_id: int | None
    label: str
    formula: str
    tonnes: Decimal

    def as_json(self) -> dict:
        return {
            "facility_id": self.facility_id,
            "label": self.label,
            "formula": self.formula,
            "tonnes": format(self.tonnes, "f"),
        }


@dataclass(frozen=True)
class Result:
    total: Decimal
    lines: list[Line]


class MissingData(ValueError):
    """A figure the formula needs is not there; the message names it."""


def round_tonnes(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def category_for(*, fuel: str, capacity: Decimal | None, rules: list[dict]) -> str:
    """A facility's benchmark category: the first rule whose fuels include its fuel (a rule
    without fuels takes any) and whose minimum capacity (MW) it reaches."""
    for rule in rules:
        fuels = rule.get("fuels") or []
        if fuels and fuel not in fuels:
            continue
        minimum = rule.get("min_capacity")
        if minimum is not None and (capacity is None or capacity < Decimal(str(minimum))):
            continue
        return rule["category"]
    return ""


def load_factor_correction(load_factor: Decimal, bands: list[dict]) -> Decimal:
    """The correction for a load factor F (a fraction), from the first band whose `min` F
    reaches; 1 when there are no bands."""
    for band in bands:
        if load_factor < Decimal(str(band["min"])):
            continue
        kind = band["kind"]
        if kind == "constant":
            value = Decimal(str(band["value"]))
        else:
            exponent = Decimal(str(band["pivot"])) - Decimal(str(band["scale"])) * load_factor
            if kind == "linear":
                value = Decimal(str(band["a"])) + Decimal(str(band["b"])) * exponent
            else:
                value = Decimal(str(band["coef"])) * Decimal(str(band["base"])) ** exponent
        return value.quantize(FACTOR_PLACES, ROUND_HALF_UP)
    return Decimal(1)


def _benchmark(rules: Rules, facility: FacilityData) -> dict:
    try:
        return rules.benchmarks[facility.category]
    except KeyError:
        raise MissingData(
            f"{facility.name}: no benchmark for category “{facility.category}”"
        ) from None


def _power_line(rules: Rules, facility: FacilityData) -> list[Line]:
    benchmark = _benchmark(rules, facility)
    if facility.output is None:
        raise MissingData(f"{facility.name}: power generated")
    cooling = Decimal(str(rules.cooling_factors.get(facility.cooling, "1")))
    correction = Decimal(1)
    if rules.load_factor_bands and (
        not rules.load_factor_applies_to or facility.fuel in rules.load_factor_applies_to
    ):
        if facility.load_factor is None:
            raise MissingData(f"{facility.name}: load factor")
        correction = load_factor_correction(facility.load_factor, rules.load_factor_bands)
    generation = benchmark["output"] * facility.output * cooling * correction
    lines = [
        Line(
            facility.facility_id,
            f"{facility.name}: generation",
            f"{benchmark['output']} × {facility.output} MWh × {cooling} (cooling) "
            f"× {correction} (load factor {facility.load_factor})",
            generation,
        )
    ]
    if benchmark.get("heat") is not None and facility.heat:
        heat = benchmark["heat"] * facility.heat
        lines.append(
            Line(
                facility.facility_id,
                f"{facility.name}: heat",
                f"{benchmark['heat']} × {facility.heat} GJ",
                heat,
            )
        )
    return lines


def _intensity_line(rules: Rules, facility: FacilityData) -> list[Line]:
    benchmark = _benchmark(rules, facility)
    if facility.output is None:
        raise MissingData(f"{facility.name}: output")
    tonnes = benchmark["output"] * facility.output
    return [
        Line(
            facility.facility_id,
            facility.name,
            f"{benchmark['output']} × {facility.output}",
            tonnes,
        )
    ]


def _total(rules: Rules, lines: list[Line], *, ratio: Decimal | None = None) -> Result:
    subtotal = sum((line.tonnes for line in lines), Decimal(0))
    if ratio is not None:
        lines = [*lines, Line(None, "ratio", f"{subtotal} × {ratio}", subtotal * ratio)]
        subtotal *= ratio
    return Result(round_tonnes(subtotal, rules.rounding_places), lines)


def allocate(
    rules: Rules, facilities: list[FacilityData], *, verified_emissions: Decimal | None
) -> Result:
    """The allowances the plan's method gives for a year's verified data."""
    if rules.method == "equal_to_verified":
        if verified_emissions is None:
            raise MissingData("verified emissions")
        line = Line(None, "verified emissions", str(verified_emissions), verified_emissions)
        return _total(rules, [line])
    if not facilities:
        raise MissingData("verified activity data per facility")
    per_facility = _power_line if rules.method == "power_benchmark" else _intensity_line
    return _total(rules, [line for f in facilities for line in per_facility(rules, f)])


def pre_allocate(
    rules: Rules, facilities: list[FacilityData], *, basis_emissions: Decimal | None
) -> Result:
    """The pre-allocation from the basis year's verified data: the ratio applied to the plan's
    formula (output basis) or to the basis year's verified emissions (emissions basis)."""
    ratio = rules.pre_allocation_ratio
    if rules.pre_allocation_basis == "emissions":
        if basis_emissions is None:
            raise MissingData("verified emissions of the basis year")
        line = Line(None, "basis year's verified emissions", str(basis_emissions), basis_emissions)
        return _total(rules, [line], ratio=ratio)
    if rules.pre_allocation_basis == "none":
        return Result(Decimal(0), [])
    per_facility = _power_line if rules.method == "power_benchmark" else _intensity_line
    lines = [line for f in facilities for line in per_facility(rules, f)]
    if not lines:
        raise MissingData("verified activity data of the basis year")
    return _total(rules, lines, ratio=ratio)


@dataclass(frozen=True)
class Obligation:
    tonnes: Decimal
    cap_rule: str  # "", "gas_unit" or "gap_cap"
    lines: list[Line]


def settlement_obligation(
    rules: Rules, *, verified: Decimal, allocated: Decimal, gas_unit: bool
) -> Obligation:
    """What must be surrendered: the verified emissions, bounded by the gas-unit rule (at most
    the allocation) or the gap cap (at most the allocation + cap% of the verified emissions)."""
    places = rules.rounding_places
    lines = [Line(None, "verified emissions", str(verified), verified)]
    if gas_unit and rules.gas_units_capped and verified > allocated:
        lines.append(Line(None, "gas unit: at most the allocation", str(allocated), allocated))
        return Obligation(round_tonnes(allocated, places), "gas_unit", lines)
    if rules.gap_cap_pct is not None:
        cap = allocated + verified * rules.gap_cap_pct / 100
        if verified > cap:
            formula = f"{allocated} + {verified} × {rules.gap_cap_pct}%"
            lines.append(Line(None, "gap cap", formula, cap))
            return Obligation(round_tonnes(cap, places), "gap_cap", lines)
    return Obligation(round_tonnes(verified, places), "", lines)


def ccer_allowance(obligation: Decimal, limit_pct: Decimal) -> Decimal:
    """The most CCERs (whole tonnes, rounded down) that may count against the obligation."""
    return (obligation * limit_pct / 100).quantize(Decimal(1), ROUND_DOWN)
