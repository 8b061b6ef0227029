"""The validation rules of a monthly certification, each at its edges.

Pure functions: the items are built in memory from the 2026 schema table (the rows the data
migration loads), so no test here touches the database.
"""

from decimal import Decimal

import pytest

from reporting import validation
from reporting.models import DataItem, Severity
from reporting.schemas_2026 import SCHEMAS
from reporting.validation import Context, Found

FIRST_HALF = Context(month=6)


def items(sector: str) -> list[DataItem]:
    """The sector's 2026 items as the data migration stores them."""
    _version, rows = SCHEMAS[sector]
    return [
        DataItem(
            code=code,
            name_zh=name_zh,
            name_en=name_en,
            unit=unit,
            role=role,
            group=group,
            is_required=required,
            min_value=None if low is None else Decimal(str(low)),
            max_value=None if high is None else Decimal(str(high)),
            evidence_types=evidence,
            order=order,
        )
        for order, (code, name_zh, name_en, unit, role, group, required, low, high, evidence) in (
            enumerate(rows)
        )
    ]


def check(sector: str, raw: dict, context: Context = FIRST_HALF) -> list[Found]:
    version, _rows = SCHEMAS[sector]
    _values, found = validation.validate(
        formula_version=version, items=items(sector), raw=raw, context=context
    )
    return found


def keyed(found: list[Found]) -> dict[str, Found]:
    return {f.key: f for f in found}


POWER = {
    "coal_consumption": "152384.6",
    "coal_ncv": "21.352",
    "coal_carbon_content": "0.02694",
    "coal_oxidation_rate": "98.6",
    "power_generated": "480000",
    "power_supplied": "451200",
    "operating_hours": "698",
    "load_factor": "71.6",
}
GAS = {
    "natural_gas_consumption": "2150.4",
    "natural_gas_ncv": "389.31",
    "natural_gas_carbon_content": "0.01532",
    "natural_gas_oxidation_rate": "99",
}
CEMENT = {
    "clinker_quantity": "150000",
    "clinker_factor": "0.538",
    "kiln_coal_consumption": "20000",
    "kiln_coal_ncv": "23.0",
    "kiln_coal_carbon_content": "0.0261",
    "kiln_coal_oxidation_rate": "98",
}


def power(**changes: str) -> dict[str, str]:
    return {**POWER, **changes}


@pytest.mark.parametrize(("sector", "raw"), [("power", POWER), ("cement", CEMENT)])
def test_a_complete_plausible_month_finds_nothing(sector, raw):
    assert check(sector, raw) == []


def test_the_values_come_back_as_decimals_with_thousands_separators_dropped():
    version, _rows = SCHEMAS["power"]
    values, found = validation.validate(
        formula_version=version,
        items=items("power"),
        raw=power(coal_consumption=" 152,384.6 "),
        context=FIRST_HALF,
    )

    assert found == []
    assert values["coal_consumption"] == Decimal("152384.6")
    assert values["coal_ncv"] == Decimal("21.352")


# --- Required items -----------------------------------------------------------------------


def test_each_missing_required_item_is_an_error_naming_it():
    found = check("power", {k: v for k, v in POWER.items() if k != "power_supplied"})

    assert found == [Found("required", "power_supplied", Severity.ERROR)]


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_blank_counts_as_missing(blank):
    assert Found("required", "load_factor", Severity.ERROR) in check(
        "power", power(load_factor=blank)
    )


def test_an_empty_form_names_every_required_item_and_no_optional_one():
    found = check("power", {})

    required = {f.item_code for f in found if f.rule == "required"}
    assert required == {item.code for item in items("power") if item.is_required}
    assert not required & {"natural_gas_consumption", "heat_supplied", "purchased_electricity"}
    assert all(f.severity == Severity.ERROR for f in found)


def test_an_optional_item_left_empty_is_fine():
    assert check("power", power(heat_supplied="", purchased_electricity="")) == []


# --- Numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["abc", "12..5", "1O0", "NaN", "Infinity", "-inf", "5吨"])
def test_what_is_not_a_finite_number_is_an_error_with_the_text(text):
    found = keyed(check("power", power(operating_hours=text)))

    assert found["not_a_number:operating_hours"].severity == Severity.ERROR
    assert found["not_a_number:operating_hours"].params == {"value": text}


def test_a_long_text_is_cut_in_the_finding():
    found = keyed(check("power", power(operating_hours="x" * 500)))

    assert found["not_a_number:operating_hours"].params["value"] == "x" * 50


@pytest.mark.parametrize("text", ["-1", "-0.001"])
def test_a_negative_number_is_an_error(text):
    found = keyed(check("power", power(power_supplied=text)))

    assert found["negative:power_supplied"].severity == Severity.ERROR
    assert found["negative:power_supplied"].params == {"value": text}


@pytest.mark.parametrize("text", ["0", "-0", "0.000"])
def test_zero_is_a_number(text):
    found = check("power", power(heat_supplied=text))

    assert found == []


def test_a_bad_number_is_not_also_reported_as_missing():
    found = check("power", power(coal_ncv="n/a"))

    assert [f.rule for f in found if f.item_code == "coal_ncv"] == ["not_a_number"]


# --- Groups (a fuel's four values work together) -------------------------------------------


def test_an_optional_fuel_partly_filled_names_the_group_and_the_missing_roles():
    found = check("power", power(natural_gas_consumption="2150.4", natural_gas_oxidation_rate="99"))

    assert found == [
        Found(
            "incomplete_group",
            "natural_gas",
            Severity.ERROR,
            {"missing": ["ncv", "carbon_content"]},
        )
    ]


def test_an_optional_fuel_fully_filled_is_fine_and_one_left_empty_adds_nothing():
    assert check("power", {**POWER, **GAS}) == []
    assert check("power", POWER) == []


def test_a_required_fuel_partly_filled_is_incomplete_and_its_items_required():
    found = keyed(check("power", power(coal_ncv="", coal_carbon_content="")))

    assert found["incomplete_group:coal"].params == {"missing": ["ncv", "carbon_content"]}
    assert {"required:coal_ncv", "required:coal_carbon_content"} <= set(found)


def test_every_incomplete_group_is_named_not_only_the_first():
    raw = power(coal_oxidation_rate="", natural_gas_consumption="10")

    incomplete = {
        f.item_code: f.params for f in check("power", raw) if f.rule == "incomplete_group"
    }

    assert incomplete == {
        "coal": {"missing": ["oxidation_rate"]},
        "natural_gas": {"missing": ["ncv", "carbon_content", "oxidation_rate"]},
    }


def test_a_process_group_lacking_its_factor_is_incomplete():
    found = keyed(check("cement", {**CEMENT, "clinker_factor": ""}))

    assert found["incomplete_group:clinker"].params == {"missing": ["process_factor"]}


# --- Plausible ranges ----------------------------------------------------------------------


def test_coal_ncv_typed_in_kj_per_kg_warns_with_the_unit_and_the_bounds():
    found = check("power", power(coal_ncv="20934"))

    assert found == [
        Found(
            "out_of_range",
            "coal_ncv",
            Severity.WARNING,
            {"value": "20934", "unit": "GJ/t", "min": "10", "max": "32"},
        )
    ]


@pytest.mark.parametrize(
    ("code", "value", "warns"),
    [
        ("coal_ncv", "10", False),
        ("coal_ncv", "32", False),
        ("coal_ncv", "9.999", True),
        ("coal_ncv", "32.001", True),
        ("operating_hours", "744", False),
        ("operating_hours", "744.5", True),
        ("load_factor", "100", False),
        ("load_factor", "100.1", True),
        ("coal_oxidation_rate", "80", False),
        ("coal_oxidation_rate", "79.9", True),
    ],
)
def test_range_edges_are_inclusive(code, value, warns):
    found = keyed(check("power", power(**{code: value})))

    assert (f"out_of_range:{code}" in found) is warns
    assert all(f.severity == Severity.WARNING for f in found.values())


def test_an_open_ended_range_reports_no_upper_bound():
    found = keyed(check("power", power(operating_hours="800")))

    assert found["out_of_range:operating_hours"].params == {
        "value": "800",
        "unit": "h",
        "min": "0",
        "max": "744",
    }
    # Consumption has a floor of zero and no ceiling: a huge figure is not out of range.
    assert "out_of_range:coal_consumption" not in keyed(
        check("power", power(coal_consumption="99999999"))
    )


@pytest.mark.parametrize(
    ("coal", "gas", "warned"),
    [
        ("0.02694", "0.01532", set()),
        # Gas's figure typed as coal's, and coal's as gas's: each outside its own fuel's range.
        ("0.01532", "0.01532", {"coal_carbon_content"}),
        ("0.02694", "0.02694", {"natural_gas_carbon_content"}),
        # The ranges' edges: coal 0.020-0.033, natural gas 0.0145-0.0165 tC/GJ.
        ("0.020", "0.0145", set()),
        ("0.033", "0.0165", set()),
        ("0.0199", "0.0144", {"coal_carbon_content", "natural_gas_carbon_content"}),
        ("0.0331", "0.0166", {"coal_carbon_content", "natural_gas_carbon_content"}),
    ],
)
def test_carbon_content_is_checked_against_the_range_of_its_fuel(coal, gas, warned):
    raw = {**POWER, **GAS, "coal_carbon_content": coal, "natural_gas_carbon_content": gas}

    found = check("power", raw)

    assert {f.item_code for f in found if f.rule == "out_of_range"} == warned
    for finding in found:
        assert finding.params["unit"] == "tC/GJ"
        assert finding.severity == Severity.WARNING


def test_the_gas_range_shows_its_own_bounds():
    found = keyed(check("power", {**POWER, **GAS, "natural_gas_carbon_content": "0.027"}))

    params = found["out_of_range:natural_gas_carbon_content"].params
    assert (params["min"], params["max"]) == ("0.0145", "0.0165")


# --- Month over month ----------------------------------------------------------------------


def after(previous: dict[str, str], threshold: str = "50") -> Context:
    return Context(
        month=6,
        previous_values={code: Decimal(value) for code, value in previous.items()},
        change_threshold_pct=Decimal(threshold),
    )


@pytest.mark.parametrize(
    ("now", "warns", "change"),
    [
        ("150", False, None),  # +50.0 %: at the threshold, no warning
        ("150.01", True, "50.0"),  # just above (shown rounded to 0.1)
        ("150.1", True, "50.1"),
        ("50", False, None),  # -50.0 %
        ("49.9", True, "-50.1"),
        ("100", False, None),
        ("300", True, "200.0"),
    ],
)
def test_a_month_over_month_change_above_the_threshold_warns(now, warns, change):
    found = keyed(check("power", power(power_supplied=now), after({"power_supplied": "100"})))

    finding = found.get("month_over_month:power_supplied")
    assert (finding is not None) is warns
    if warns:
        assert finding.severity == Severity.WARNING
        assert finding.params == {"change_pct": change, "previous": "100"}


def test_the_threshold_comes_from_the_context():
    raw = power(power_supplied="120")

    assert "month_over_month:power_supplied" in keyed(
        check("power", raw, after({"power_supplied": "100"}, threshold="10"))
    )
    assert "month_over_month:power_supplied" not in keyed(
        check("power", raw, after({"power_supplied": "100"}, threshold="20"))
    )


def test_quantities_are_compared_and_parameters_are_not():
    previous = {"coal_consumption": "50000", "coal_ncv": "10.5", "power_generated": "480000"}

    found = check("power", POWER, after(previous))

    # Consumption tripled (a quantity); the NCV doubled (a lab parameter): only the first warns.
    assert [f.key for f in found] == ["month_over_month:coal_consumption"]


def test_process_activity_is_a_quantity_too():
    found = keyed(check("cement", CEMENT, after({"clinker_quantity": "60000"})))

    assert found["month_over_month:clinker_quantity"].params["change_pct"] == "150.0"


def test_no_comparison_without_a_previous_figure_or_from_zero():
    assert check("power", POWER, Context(month=6, previous_values=None)) == []
    assert check("power", POWER, after({"heat_supplied": "5000"})) == []  # not reported now
    assert check("power", POWER, after({"power_generated": "0"})) == []


# --- Generation without fuel ---------------------------------------------------------------


def test_generation_without_any_fuel_warns():
    found = check("power", power(coal_consumption="0"))

    assert found == [Found("generation_without_fuel", "power_generated", Severity.WARNING)]


def test_generation_on_gas_alone_is_fine():
    assert check("power", {**POWER, **GAS, "coal_consumption": "0"}) == []


def test_no_generation_no_warning():
    assert check("power", power(coal_consumption="0", power_generated="0")) == []


# --- A month missing before this one -------------------------------------------------------


def test_a_month_missing_before_this_one_warns_with_that_month():
    found = check("power", POWER, Context(month=5, previous_month_certified=False))

    assert found == [
        Found("missing_previous_month", "", Severity.WARNING, {"month": 4}),
    ]


def test_january_has_no_month_before_it_to_miss():
    assert check("power", POWER, Context(month=1, previous_month_certified=False)) == []


def test_no_warning_when_the_month_before_is_certified():
    assert check("power", POWER, Context(month=5, previous_month_certified=True)) == []


# --- Severities together -------------------------------------------------------------------


def test_errors_and_warnings_are_reported_together():
    found = check(
        "power",
        power(coal_ncv="20934", operating_hours="", load_factor="-3"),
        Context(month=3, previous_month_certified=False),
    )

    assert {(f.key, f.severity) for f in found} == {
        ("out_of_range:coal_ncv", Severity.WARNING),
        ("required:operating_hours", Severity.ERROR),
        ("negative:load_factor", Severity.ERROR),
        ("missing_previous_month:", Severity.WARNING),
    }


def test_a_figure_far_too_large_for_a_month_is_an_error_not_a_crash():
    found = check("power", power(coal_consumption="1000000000000"))
    assert [(f.rule, f.item_code, f.severity) for f in found if f.rule == "too_large"] == [
        ("too_large", "coal_consumption", "error")
    ]
