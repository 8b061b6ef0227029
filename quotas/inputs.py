"""A year's inputs per enterprise, read from the database into the terms of the pure arithmetic
(quotas.calculation): the plan's Rules, each facility's FacilityData and the verified emissions.

What is read, and from where:
- the plan of (year, sector) and its benchmarks;
- the enterprise's facilities, each given its benchmark category by the plan's category rules
  (fuel, capacity); a facility without a category is outside the plan (oil-fired, biomass ...),
  and one with a category but no verified activity is listed as left out, with the reason;
- the VerifiedFigures of the data year (the plan's basis year for a pre-allocation, the
  compliance year for a determination): emissions, and per facility the plan's output item
  (power generated, clinker ...) and heat item;
- the load factor of each unit (see `load_factor_percent`).

`as_inputs_json` writes all of it, rules included, into the JSON an Allocation stores, and
`rules_from_json` / `facilities_from_json` read it back, so that the stored inputs alone
reproduce the figure (quotas.recompute).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from quotas import calculation
from quotas.calculation import FacilityData, Rules
from quotas.models import AllocationPlan
from reporting.models import AnnualReport, SubmissionStatus
from units.models import Enterprise
from verification.models import VerifiedFigures

LOAD_FACTOR_ITEM = "load_factor"


# --- the plan's rules -----------------------------------------------------------------------------


def rules_of(plan: AllocationPlan) -> Rules:
    """What the arithmetic reads of a plan (its benchmarks prefetched or read here)."""
    return Rules(
        method=plan.method,
        benchmarks={
            benchmark.category: {"output": benchmark.output_value, "heat": benchmark.heat_value}
            for benchmark in plan.benchmarks.all()
        },
        cooling_factors={key: str(value) for key, value in plan.cooling_factors.items()},
        load_factor_bands=list(plan.load_factor_bands),
        load_factor_applies_to=list(plan.load_factor_applies_to),
        pre_allocation_ratio=plan.pre_allocation_ratio,
        pre_allocation_basis=plan.pre_allocation_basis,
        gap_cap_pct=plan.gap_cap_pct,
        gas_units_capped=plan.gas_units_capped,
        ccer_limit_pct=plan.ccer_limit_pct,
        rounding_places=plan.rounding_places,
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _number(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def rules_as_json(rules: Rules) -> dict:
    return {
        "method": rules.method,
        "benchmarks": {
            category: {"output": _text(values["output"]), "heat": _text(values.get("heat"))}
            for category, values in rules.benchmarks.items()
        },
        "cooling_factors": dict(rules.cooling_factors),
        "load_factor_bands": list(rules.load_factor_bands),
        "load_factor_applies_to": list(rules.load_factor_applies_to),
        "pre_allocation_ratio": _text(rules.pre_allocation_ratio),
        "pre_allocation_basis": rules.pre_allocation_basis,
        "gap_cap_pct": _text(rules.gap_cap_pct),
        "gas_units_capped": rules.gas_units_capped,
        "ccer_limit_pct": _text(rules.ccer_limit_pct),
        "rounding_places": rules.rounding_places,
    }


def rules_from_json(data: Mapping) -> Rules:
    return Rules(
        method=data["method"],
        benchmarks={
            category: {"output": _number(values["output"]), "heat": _number(values.get("heat"))}
            for category, values in data["benchmarks"].items()
        },
        cooling_factors=dict(data["cooling_factors"]),
        load_factor_bands=list(data["load_factor_bands"]),
        load_factor_applies_to=list(data["load_factor_applies_to"]),
        pre_allocation_ratio=_number(data["pre_allocation_ratio"]),
        pre_allocation_basis=data["pre_allocation_basis"],
        gap_cap_pct=_number(data["gap_cap_pct"]),
        gas_units_capped=data["gas_units_capped"],
        ccer_limit_pct=_number(data["ccer_limit_pct"]),
        rounding_places=data["rounding_places"],
    )


def facility_as_json(facility: FacilityData) -> dict:
    return {
        "facility_id": facility.facility_id,
        "name": facility.name,
        "category": facility.category,
        "fuel": facility.fuel,
        "cooling": facility.cooling,
        "output": _text(facility.output),
        "heat": _text(facility.heat),
        "load_factor": _text(facility.load_factor),
    }


def facilities_from_json(rows: Iterable[Mapping]) -> list[FacilityData]:
    return [
        FacilityData(
            facility_id=row["facility_id"],
            name=row["name"],
            category=row["category"],
            fuel=row["fuel"],
            cooling=row["cooling"],
            output=_number(row["output"]),
            heat=_number(row["heat"]),
            load_factor=_number(row["load_factor"]),
        )
        for row in rows
    ]


# --- the verified data ----------------------------------------------------------------------------


def activity_by_facility(figures: VerifiedFigures) -> dict[int, dict[str, Decimal]]:
    """facility id -> item code -> value, from the verified activity JSON. The one place that
    knows its key names (as verification.confirmation writes them: facility, item, value)."""
    activity: dict[int, dict[str, Decimal]] = {}
    for row in figures.activity or []:
        activity.setdefault(int(row["facility"]), {})[row["item"]] = Decimal(str(row["value"]))
    return activity


def load_factor_percent(
    items: Mapping[str, Decimal], report_values: Mapping | None
) -> tuple[Decimal | None, str]:
    """A unit's load factor (percent) and where it came from: the verified activity item
    "load_factor" of the unit when the verifiers recorded it, else the enterprise's accepted
    annual report of the year (values["load_factor"], one figure for the enterprise), else
    none. The calculation then names it as missing for the units whose correction needs it."""
    if LOAD_FACTOR_ITEM in items:
        return items[LOAD_FACTOR_ITEM], "verified activity"
    reported = (report_values or {}).get(LOAD_FACTOR_ITEM)
    if reported not in (None, ""):
        return Decimal(str(reported)), "annual report"
    return None, ""


@dataclass
class EnterpriseInputs:
    """One enterprise's inputs for one step: what the arithmetic needs, what was left out and
    why, and what is missing (named)."""

    enterprise: Enterprise
    data_year: int
    facilities: list[FacilityData] = field(default_factory=list)
    emissions: Decimal | None = None
    left_out: list[dict] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    sources: dict = field(default_factory=dict)


def gather(
    plan: AllocationPlan, enterprises: list[Enterprise], *, data_year: int
) -> dict[int, EnterpriseInputs]:
    """Every enterprise's inputs from the data year's verified figures, in two queries whatever
    the number of enterprises (their facilities prefetched by the caller). What the formula
    needs and does not find here, the arithmetic names (calculation.MissingData)."""
    figures = {
        row.enterprise_id: row
        for row in VerifiedFigures.objects.filter(
            enterprise__in=[e.pk for e in enterprises], year=data_year
        )
    }
    reports = _report_values(plan, enterprises, data_year)
    return {
        enterprise.pk: _inputs(
            plan, enterprise, data_year, figures.get(enterprise.pk), reports.get(enterprise.pk)
        )
        for enterprise in enterprises
    }


def _report_values(plan: AllocationPlan, enterprises: list[Enterprise], year: int) -> dict:
    if not plan.load_factor_bands:
        return {}
    return dict(
        AnnualReport.objects.filter(
            enterprise__in=[e.pk for e in enterprises],
            year=year,
            status=SubmissionStatus.ACCEPTED,
        ).values_list("enterprise_id", "values")
    )


def _inputs(plan, enterprise, data_year, figures, report_values) -> EnterpriseInputs:
    inputs = EnterpriseInputs(enterprise=enterprise, data_year=data_year)
    if figures is None:
        inputs.missing.append(f"{data_year} verified figures (confirmed verification)")
        return inputs
    inputs.emissions = figures.emissions
    inputs.sources["verified_figures"] = {
        "id": figures.pk,
        "year": figures.year,
        "confirmed_on": figures.confirmed_on.isoformat(),
    }
    activity = activity_by_facility(figures)
    for facility in enterprise.facilities.all():
        category = calculation.category_for(
            fuel=facility.fuel, capacity=facility.capacity, rules=plan.category_rules
        )
        if not category:
            inputs.left_out.append(
                {"facility_id": facility.pk, "name": facility.name, "reason": "outside the plan"}
            )
            continue
        items = activity.get(facility.pk)
        if items is None:
            inputs.left_out.append(
                {
                    "facility_id": facility.pk,
                    "name": facility.name,
                    "reason": "no verified activity data",
                }
            )
            continue
        percent, source = load_factor_percent(items, report_values)
        if source:
            inputs.sources.setdefault("load_factor", {})[facility.name] = source
        inputs.facilities.append(
            FacilityData(
                facility_id=facility.pk,
                name=facility.name,
                category=category,
                fuel=facility.fuel,
                cooling=facility.cooling,
                output=items.get(plan.output_item) if plan.output_item else None,
                heat=items.get(plan.heat_item) if plan.heat_item else None,
                load_factor=None if percent is None else percent / 100,
            )
        )
    return inputs


def as_inputs_json(plan: AllocationPlan, rules: Rules, inputs: EnterpriseInputs) -> dict:
    """Everything the figure is computed from, as stored on the Allocation."""
    return {
        "plan": {"year": plan.year, "sector": plan.sector, "source": plan.source},
        "rules": rules_as_json(rules),
        "data_year": inputs.data_year,
        "facilities": [facility_as_json(f) for f in inputs.facilities],
        "emissions": _text(inputs.emissions),
        "left_out": inputs.left_out,
        "missing": list(inputs.missing),
        "sources": inputs.sources,
    }
