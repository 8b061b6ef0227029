"""Worked examples of the allowance arithmetic, hand-computed in the comments, on the seeded
plans' rules (quotas/plans_data.py)."""

from decimal import Decimal

import pytest

from quotas import calculation
from quotas.calculation import FacilityData, Rules
from quotas.plans_data import LOAD_FACTOR_BANDS, POWER_CATEGORIES

POWER = Rules(
    method="power_benchmark",
    benchmarks={
        "coal_above_300": {"output": Decimal("0.7860"), "heat": Decimal("0.1050")},
        "gas": {"output": Decimal("0.3700"), "heat": Decimal("0.0530")},
    },
    cooling_factors={"water": "1", "air": "1.05", "na": "1"},
    load_factor_bands=LOAD_FACTOR_BANDS,
    load_factor_applies_to=["coal", "coal_gangue"],
    pre_allocation_ratio=Decimal("0.70"),
    pre_allocation_basis="output",
    gap_cap_pct=Decimal(20),
    gas_units_capped=True,
)
UNIT_600 = FacilityData(
    facility_id=1,
    name="1号机组",
    category="coal_above_300",
    fuel="coal",
    cooling="water",
    output=Decimal(3_000_000),
    heat=Decimal(1_200_000),
    load_factor=Decimal("0.72"),
)


def test_load_factor_correction_bands():
    # F ≥ 85%: 1.  80% ≤ F < 85%: 1 + 0.0014 × (85 − 82) = 1.0042.
    # 75% ≤ F < 80%: 1.007 × 1.0016^(80 − 78) = 1.007 × 1.00320256 = 1.010225 (6 places).
    # F < 75%: 1.015^(16 − 20 × 0.72) = 1.015^1.6 = 1.024108 (6 places).
    bands = LOAD_FACTOR_BANDS
    assert calculation.load_factor_correction(Decimal("0.90"), bands) == Decimal(1)
    assert calculation.load_factor_correction(Decimal("0.82"), bands) == Decimal("1.0042")
    assert calculation.load_factor_correction(Decimal("0.78"), bands) == Decimal("1.010225")
    assert calculation.load_factor_correction(Decimal("0.72"), bands) == Decimal("1.024108")


def test_600_mw_coal_unit_with_heat_and_a_low_load_factor():
    # Generation: 0.7860 tCO2/MWh × 3,000,000 MWh × 1 (water cooling) × 1.024108 (F = 72%)
    #           = 2,414,846.664 t
    # Heat:       0.1050 tCO2/GJ × 1,200,000 GJ = 126,000 t
    # Total 2,540,846.664 → 2,540,847 t (whole tonnes, half up).
    result = calculation.allocate(POWER, [UNIT_600], verified_emissions=None)
    assert [line.tonnes for line in result.lines] == [
        Decimal("2414846.664000"),
        Decimal("126000.0000"),
    ]
    assert result.total == Decimal(2_540_847)

    # Pre-allocation on the same basis-year figures: 70% × 2,540,846.664 = 1,778,592.6648
    # → 1,778,593 t; the true-up at determination is 2,540,847 − 1,778,593 = 762,254 t.
    pre = calculation.pre_allocate(POWER, [UNIT_600], basis_emissions=None)
    assert pre.total == Decimal(1_778_593)
    assert result.total - pre.total == Decimal(762_254)


def test_air_cooling_raises_the_allocation_by_five_percent():
    # 0.7860 × 3,000,000 × 1.05 × 1.024108 = 2,535,588.9972; + 126,000 → 2,661,589 t.
    air = FacilityData(**{**UNIT_600.__dict__, "cooling": "air"})
    assert calculation.allocate(POWER, [air], verified_emissions=None).total == Decimal(2_661_589)


def test_gas_unit_whose_emissions_exceed_its_allocation_owes_only_the_allocation():
    # Allocation: 0.3700 × 1,500,000 MWh = 555,000 t (no correction for gas, no heat).
    # Verified emissions 600,000 t > 555,000 t: a gas unit surrenders at most its allocation.
    gas = FacilityData(
        2, "燃机", "gas", fuel="natural_gas", cooling="na", output=Decimal(1_500_000)
    )
    allocated = calculation.allocate(POWER, [gas], verified_emissions=None).total
    assert allocated == Decimal(555_000)
    owed = calculation.settlement_obligation(
        POWER, verified=Decimal(600_000), allocated=allocated, gas_unit=True
    )
    assert (owed.tonnes, owed.cap_rule) == (Decimal(555_000), "gas_unit")


def test_coal_enterprise_whose_gap_exceeds_the_cap():
    # Allocation 1,000,000 t; verified 1,300,000 t; gap 300,000 t > 20% × 1,300,000 = 260,000 t.
    # Obligation = 1,000,000 + 260,000 = 1,260,000 t.
    owed = calculation.settlement_obligation(
        POWER, verified=Decimal(1_300_000), allocated=Decimal(1_000_000), gas_unit=False
    )
    assert (owed.tonnes, owed.cap_rule) == (Decimal(1_260_000), "gap_cap")
    # Within the cap the obligation is the verified emissions: gap 150,000 ≤ 230,000.
    owed = calculation.settlement_obligation(
        POWER, verified=Decimal(1_150_000), allocated=Decimal(1_000_000), gas_unit=False
    )
    assert (owed.tonnes, owed.cap_rule) == (Decimal(1_150_000), "")


def test_cement_under_the_equal_to_verified_rule():
    # 2024 cement plan: allocation = verified emissions 812,345.6 t → 812,346 t; the
    # obligation is the verified emissions, so the net position is zero (rounding aside).
    rules = Rules(method="equal_to_verified", benchmarks={})
    result = calculation.allocate(rules, [], verified_emissions=Decimal("812345.6"))
    assert result.total == Decimal(812_346)


def test_cement_intensity_and_pre_allocation_on_emissions():
    # 2025 cement plan: 0.8600 tCO2/t clinker × 950,000 t = 817,000 t;
    # pre-allocation 70% × 2024 verified emissions 812,345.6 = 568,641.92 → 568,642 t.
    rules = Rules(
        method="intensity",
        benchmarks={"clinker": {"output": Decimal("0.8600"), "heat": None}},
        pre_allocation_ratio=Decimal("0.70"),
        pre_allocation_basis="emissions",
    )
    line = FacilityData(3, "熟料线", "clinker", output=Decimal(950_000))
    assert calculation.allocate(rules, [line], verified_emissions=None).total == Decimal(817_000)
    pre = calculation.pre_allocate(rules, [], basis_emissions=Decimal("812345.6"))
    assert pre.total == Decimal(568_642)


def test_ccer_limit():
    # 5% of 1,260,000 = 63,000; 5% of 1,234,567 = 61,728.35 → 61,728 (whole CCERs, down).
    assert calculation.ccer_allowance(Decimal(1_260_000), Decimal(5)) == Decimal(63_000)
    assert calculation.ccer_allowance(Decimal(1_234_567), Decimal(5)) == Decimal(61_728)


def test_benchmark_category_from_the_plan_rules():
    assert calculation.category_for(fuel="coal", capacity=Decimal(600), rules=POWER_CATEGORIES) == (
        "coal_above_300"
    )
    assert calculation.category_for(fuel="coal", capacity=Decimal(330), rules=POWER_CATEGORIES) == (
        "coal_300_below"
    )
    assert calculation.category_for(fuel="coal_gangue", capacity=None, rules=POWER_CATEGORIES) == (
        "unconventional_coal"
    )
    assert calculation.category_for(fuel="oil", capacity=None, rules=POWER_CATEGORIES) == ""


def test_missing_data_is_named():
    no_load = FacilityData(**{**UNIT_600.__dict__, "load_factor": None})
    with pytest.raises(calculation.MissingData, match="load factor"):
        calculation.allocate(POWER, [no_load], verified_emissions=None)
    with pytest.raises(calculation.MissingData, match="verified emissions"):
        calculation.allocate(
            Rules(method="equal_to_verified", benchmarks={}), [], verified_emissions=None
        )
