"""Emissions computed from activity data: worked examples checked by hand."""

from decimal import Decimal

import pytest

from reporting.calculation import IncompleteData, compute
from reporting.models import DataItemSchema

pytestmark = pytest.mark.django_db


def schema(sector: str) -> tuple[str, list]:
    found = DataItemSchema.objects.get(year=2026, sector=sector)
    return found.formula_version, list(found.items.all())


def test_a_power_month_worked_by_hand():
    version, items = schema("power")
    values = {
        "coal_consumption": Decimal("100000"),  # t
        "coal_ncv": Decimal("20.934"),  # GJ/t
        "coal_carbon_content": Decimal("0.02649"),  # tC/GJ
        "coal_oxidation_rate": Decimal("99"),  # %
        "power_generated": Decimal("280000"),  # MWh: no emissions of its own
    }
    # 100,000 t x 20.934 GJ/t = 2,093,400 GJ
    # 2,093,400 GJ x 0.02649 tC/GJ = 55,454.166 tC
    # 55,454.166 tC x 99% = 54,899.62434 tC
    # 54,899.62434 tC x 44/12 = 201,298.62258... tCO2, rounded to 201,298.62 t
    result = compute(formula_version=version, items=items, values=values)
    assert result.formula_version == "power-2022-v1"
    assert [(line.group, line.kind, line.tonnes) for line in result.lines] == [
        ("coal", "combustion", Decimal("201298.62"))
    ]
    assert result.total == Decimal("201298.62")


def test_a_cement_month_worked_by_hand():
    version, items = schema("cement")
    values = {
        "clinker_quantity": Decimal("150000"),  # t of clinker
        "clinker_factor": Decimal("0.538"),  # tCO2/t clinker
        "kiln_coal_consumption": Decimal("20000"),  # t
        "kiln_coal_ncv": Decimal("23.0"),  # GJ/t
        "kiln_coal_carbon_content": Decimal("0.0261"),  # tC/GJ
        "kiln_coal_oxidation_rate": Decimal("98"),  # %
    }
    # Process: 150,000 t x 0.538 = 80,700.00 t
    # Kiln coal: 20,000 x 23.0 = 460,000 GJ; x 0.0261 = 12,006 tC; x 98% = 11,765.88 tC;
    #            x 44/12 = 43,141.56 t
    # Total: 80,700.00 + 43,141.56 = 123,841.56 t
    result = compute(formula_version=version, items=items, values=values)
    assert {(line.group, line.tonnes) for line in result.lines} == {
        ("clinker", Decimal("80700.00")),
        ("kiln_coal", Decimal("43141.56")),
    }
    assert result.total == Decimal("123841.56")


def test_two_fuels_add_up_and_an_unreported_optional_fuel_adds_nothing():
    version, items = schema("power")
    coal = {
        "coal_consumption": Decimal("1000"),
        "coal_ncv": Decimal("20"),
        "coal_carbon_content": Decimal("0.03"),
        "coal_oxidation_rate": Decimal("100"),
    }
    # 1,000 x 20 x 0.03 x 100% x 44/12 = 600 tC x 44/12 = 2,200.00 t
    assert compute(formula_version=version, items=items, values=coal).total == Decimal("2200.00")
    gas = {
        "natural_gas_consumption": Decimal("10"),  # 10^4 Nm3
        "natural_gas_ncv": Decimal("389.31"),
        "natural_gas_carbon_content": Decimal("0.01532"),
        "natural_gas_oxidation_rate": Decimal("99"),
    }
    # 10 x 389.31 = 3,893.1 GJ; x 0.01532 = 59.642292 tC; x 99% = 59.04586908 tC;
    # x 44/12 = 216.50151996 t, rounded to 216.50 t
    both = compute(formula_version=version, items=items, values={**coal, **gas})
    assert both.total == Decimal("2200.00") + Decimal("216.50")


def test_a_fuel_with_some_of_its_values_missing_is_named():
    version, items = schema("power")
    with pytest.raises(IncompleteData) as error:
        compute(
            formula_version=version,
            items=items,
            values={"coal_consumption": Decimal("1000"), "coal_ncv": Decimal("20")},
        )
    assert error.value.group == "coal"
    assert set(error.value.missing) == {"carbon_content", "oxidation_rate"}


def test_sectors_reported_as_totals_add_their_totals():
    version, items = schema("copper")
    result = compute(
        formula_version=version,
        items=items,
        values={"total_emissions": Decimal("56789.014"), "main_output": Decimal("120000")},
    )
    assert result.total == Decimal("56789.01")


def test_every_sector_of_the_2026_notice_has_a_schema_with_named_items():
    sectors = set(DataItemSchema.objects.filter(year=2026).values_list("sector", flat=True))
    assert sectors == {
        "power", "steel", "cement", "aluminium",
        "petrochemical", "chemical", "flat_glass", "copper", "paper", "aviation",
    }  # fmt: skip
    power = DataItemSchema.objects.get(year=2026, sector="power")
    codes = set(power.items.values_list("code", flat=True))
    # The monthly certification items of domain-facts §6.
    assert {
        "coal_consumption", "coal_ncv", "coal_carbon_content", "coal_oxidation_rate",
        "power_generated", "power_supplied", "heat_supplied", "operating_hours", "load_factor",
    } <= codes  # fmt: skip
