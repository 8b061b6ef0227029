"""The list conditions at their edges: a pure function of the rule and one unit's figures, so
these tests need no database.

The 2027 list is drawn up in 2026 from 2025's verified direct emissions (list year - 2).
"""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from units.lists.explain import explain
from units.lists.inclusion import Proposal, UnitFacts, evaluate
from units.models import Decision, InclusionRule, ListEntry, ListScope, Lookback

T = Decimal


def rule(**fields) -> InclusionRule:
    values = {
        "list_year": 2027,
        "sector": "power",
        "is_market_sector": True,
        "threshold_t": T("26000.00"),
        "lookback": Lookback.LATEST_VERIFIED,
        "include_new_build": True,
        "removal_years_below": 2,
    }
    return InclusionRule(**(values | fields))


def facts(verified=None, reported=None, **fields) -> UnitFacts:
    return UnitFacts(
        status=fields.pop("status", "active"),
        verified={year: T(value) for year, value in (verified or {}).items()},
        reported={year: T(value) for year, value in (reported or {}).items()},
        **fields,
    )


def decide(the_facts: UnitFacts, **rule_fields) -> Proposal:
    return evaluate(rule(**rule_fields), the_facts)


# --- The threshold ------------------------------------------------------------------------


def test_exactly_the_threshold_is_included():
    proposal = decide(facts({2025: "26000"}))

    assert proposal.decision == Decision.NEW
    assert proposal.reason_code == "at_or_above_threshold"
    assert proposal.basis_emissions == T("26000")
    assert proposal.explanation["years_considered"] == [2025]


@pytest.mark.parametrize("below", ["25999", "25999.99"])
def test_just_below_the_threshold_is_not_included(below):
    proposal = decide(facts({2025: below}))

    assert proposal.decision == Decision.NOT_INCLUDED
    assert proposal.reason_code == "below_threshold"
    assert proposal.basis_emissions == T(below)


def test_a_unit_on_last_years_list_is_continuing_otherwise_new():
    assert decide(facts({2025: "500000"}, on_previous_list=True)).decision == Decision.CONTINUING
    assert decide(facts({2025: "500000"}, on_previous_list=False)).decision == Decision.NEW


def test_the_threshold_is_the_rules_own():
    assert decide(facts({2025: "30000"}), threshold_t=T("50000")).decision == (
        Decision.NOT_INCLUDED
    )


# --- Which year counts --------------------------------------------------------------------


def test_the_2027_list_uses_2025_data_and_ignores_2026_figures():
    above_only_in_2026 = facts({2025: "20000", 2026: "90000"}, reported={2026: "90000"})
    below_only_in_2026 = facts({2025: "90000", 2026: "10000"})

    assert decide(above_only_in_2026).decision == Decision.NOT_INCLUDED
    assert decide(above_only_in_2026).explanation["years_considered"] == [2025]
    assert decide(below_only_in_2026).decision == Decision.NEW
    assert decide(below_only_in_2026).basis_emissions == T("90000")


def test_the_most_recent_verified_year_counts_not_an_earlier_one():
    proposal = decide(facts({2023: "900000", 2024: "900000", 2025: "20000"}))

    assert proposal.decision == Decision.NOT_INCLUDED
    assert proposal.basis_emissions == T("20000")


def test_reported_figures_alone_do_not_list_an_established_unit():
    proposal = decide(facts(reported={2025: "900000"}))

    assert proposal.decision == Decision.NOT_INCLUDED
    assert proposal.reason_code == "no_verified_data"


# --- Removal: two consecutive years below ----------------------------------------------------


def test_two_consecutive_years_below_remove_a_unit_on_last_years_list():
    proposal = decide(facts({2023: "40000", 2024: "25000", 2025: "24000"}, on_previous_list=True))

    assert proposal.decision == Decision.REMOVED
    assert proposal.reason_code == "below_threshold_years"
    assert proposal.explanation["years_considered"] == [2025, 2024]


def test_one_year_below_keeps_a_unit_on_the_list():
    proposal = decide(facts({2024: "40000", 2025: "25999.99"}, on_previous_list=True))

    assert proposal.decision == Decision.CONTINUING
    assert proposal.reason_code == "below_threshold_once"
    assert proposal.explanation["years_considered"] == [2025]


def test_a_gap_year_without_data_breaks_the_run():
    proposal = decide(facts({2023: "20000", 2025: "20000"}, on_previous_list=True))

    assert proposal.decision == Decision.CONTINUING
    assert proposal.explanation["years_considered"] == [2025]


def test_the_number_of_years_below_is_the_rules_own():
    below_twice = facts({2024: "20000", 2025: "20000"}, on_previous_list=True)

    assert decide(below_twice, removal_years_below=3).decision == Decision.CONTINUING
    assert decide(below_twice, removal_years_below=1).decision == Decision.REMOVED


def test_a_unit_below_and_not_on_last_years_list_is_not_included():
    proposal = decide(facts({2024: "20000", 2025: "20000"}, on_previous_list=False))

    assert proposal.decision == Decision.NOT_INCLUDED
    assert proposal.reason_code == "below_threshold"


def test_a_unit_on_the_list_without_new_verified_data_stays():
    proposal = decide(facts(on_previous_list=True))

    assert proposal.decision == Decision.CONTINUING
    assert proposal.reason_code == "no_new_verified_data"


# --- Closed and merged units -----------------------------------------------------------------


@pytest.mark.parametrize("status", ["closed", "merged"])
def test_a_closed_or_merged_unit_on_last_years_list_is_removed(status):
    merged_into = "山东测试电力有限公司" if status == "merged" else ""
    proposal = decide(
        facts({2025: "900000"}, status=status, on_previous_list=True, merged_into=merged_into)
    )

    assert proposal.decision == Decision.REMOVED
    assert proposal.reason_code == status
    assert proposal.basis_emissions is None
    assert proposal.explanation.get("merged_into", "") == merged_into


@pytest.mark.parametrize("status", ["closed", "merged"])
def test_a_closed_or_merged_unit_not_on_last_years_list_is_not_included(status):
    proposal = decide(facts({2025: "900000"}, status=status, on_previous_list=False))

    assert proposal.decision == Decision.NOT_INCLUDED
    assert proposal.reason_code == status


# --- "Any year of years X..Y" ----------------------------------------------------------------


def any_year(the_facts: UnitFacts, frm: int = 2013, to: int = 2019) -> Proposal:
    return decide(the_facts, lookback=Lookback.ANY_YEAR, from_year=frm, to_year=to)


def test_any_year_includes_a_unit_above_the_threshold_in_one_year_of_the_range():
    proposal = any_year(facts({2013: "10000", 2016: "26000", 2019: "12000"}))

    assert proposal.decision == Decision.NEW
    assert proposal.reason_code == "at_or_above_threshold_in_range"
    assert proposal.basis_emissions == T("26000")
    assert proposal.explanation["years_considered"] == [2016]


def test_any_year_names_every_year_above_and_the_highest():
    proposal = any_year(facts({2014: "30000", 2015: "20000", 2017: "80000"}))

    assert proposal.explanation["years_considered"] == [2014, 2017]
    assert proposal.basis_emissions == T("80000")


def test_any_year_prefers_verified_over_reported_figures_per_year():
    # Reported above, verified below in 2015: the verified figure decides that year.
    verified_below = facts({2015: "20000"}, reported={2015: "30000"})
    # Reported only in 2016: the reported figure counts for that year.
    reported_only = facts({2015: "20000"}, reported={2015: "30000", 2016: "27000"})

    assert any_year(verified_below).decision == Decision.NOT_INCLUDED
    assert any_year(reported_only).decision == Decision.NEW
    assert any_year(reported_only).explanation["years_considered"] == [2016]


def test_any_year_ignores_years_outside_the_range():
    proposal = any_year(facts({2012: "900000", 2014: "20000", 2020: "900000"}))

    assert proposal.decision == Decision.NOT_INCLUDED
    assert proposal.reason_code == "below_threshold_in_range"
    assert proposal.basis_emissions == T("20000")
    assert proposal.explanation["years_considered"] == [2014]


def test_any_year_on_last_years_list_and_below_throughout_is_removed():
    proposal = any_year(facts({2014: "20000"}, on_previous_list=True))

    assert proposal.decision == Decision.REMOVED
    assert proposal.reason_code == "below_threshold_in_range"


def test_any_year_a_unit_on_last_years_list_and_above_is_continuing():
    assert any_year(facts({2019: "30000"}, on_previous_list=True)).decision == (Decision.CONTINUING)


# --- Newly commissioned units --------------------------------------------------------------


def new_build(commissioned: date, reported: str, verified: str | None = None) -> UnitFacts:
    year = commissioned.year
    return facts(
        {year: verified} if verified else {},
        reported={year: reported},
        commissioned=[commissioned],
    )


def test_a_unit_commissioned_mid_2025_is_new_when_its_scaled_emissions_reach_the_threshold():
    # July to December: six months, 13,000 t -> 26,000 t a year.
    proposal = decide(new_build(date(2025, 7, 1), "13000"))

    assert proposal.decision == Decision.NEW
    assert proposal.reason_code == "new_build"
    assert proposal.basis_emissions == T("26000.00")
    assert proposal.explanation["years_considered"] == [2025]


def test_a_new_unit_whose_scaled_emissions_fall_short_is_not_included():
    proposal = decide(new_build(date(2025, 7, 1), "12999"))

    assert proposal.decision == Decision.NOT_INCLUDED
    assert proposal.basis_emissions == T("25998.00")


def test_a_unit_commissioned_late_in_a_month_counts_from_the_next_month():
    # Commissioned on 20 July: August to December, five months. 11,000 t -> 26,400 t a year.
    assert decide(new_build(date(2025, 7, 20), "11000")).basis_emissions == T("26400.00")
    # Commissioned on 1 July: six months, 11,000 t -> 22,000 t: not enough.
    assert decide(new_build(date(2025, 7, 1), "11000")).decision == Decision.NOT_INCLUDED


def test_a_new_unit_with_verified_part_year_emissions_is_scaled_too():
    proposal = decide(new_build(date(2025, 7, 1), reported="14000", verified="13500"))

    assert proposal.decision == Decision.NEW
    assert proposal.reason_code == "new_build"
    assert proposal.basis_emissions == T("27000.00")


@pytest.mark.parametrize("verified", [{2024: "20000", 2025: "15000"}, {}])
def test_an_established_unit_is_not_scaled_by_a_new_facility(verified):
    # A unit running since 2010 that added a line in October 2025: its 15,000 t are a full
    # year's, not three months' (which would make 60,000 t).
    established = facts(
        verified, reported={2025: "15000"}, commissioned=[date(2010, 1, 1), date(2025, 10, 1)]
    )

    assert decide(established).decision == Decision.NOT_INCLUDED


def test_new_units_are_not_included_when_the_rule_leaves_them_out():
    proposal = decide(new_build(date(2025, 7, 1), "20000"), include_new_build=False)

    assert proposal.decision == Decision.NOT_INCLUDED
    assert proposal.reason_code == "no_verified_data"


def test_only_units_commissioned_in_the_data_year_are_new_builds():
    # Commissioned in 2026: the 2027 list does not look at it yet.
    assert decide(new_build(date(2026, 3, 1), "90000")).decision == Decision.NOT_INCLUDED


# --- Scope ---------------------------------------------------------------------------------


def test_market_sectors_give_the_market_scope():
    assert decide(facts({2025: "30000"})).scope == ListScope.MARKET


def test_reporting_only_sectors_give_the_reporting_scope():
    proposal = decide(facts({2025: "30000"}), sector="chemical", is_market_sector=False)

    assert proposal.scope == ListScope.REPORTING_ONLY
    assert proposal.decision == Decision.NEW
    assert decide(facts({2025: "20000"}), is_market_sector=False).scope == (
        ListScope.REPORTING_ONLY
    )


def test_the_explanation_carries_the_rule_and_the_figures():
    proposal = decide(facts({2024: "40000", 2025: "30000"}, reported={2025: "31000"}))

    assert proposal.explanation["rule"]["threshold_t"] == "26000.00"
    assert proposal.explanation["rule"]["list_year"] == 2027
    assert proposal.explanation["verified"] == {"2024": "40000", "2025": "30000"}
    assert proposal.explanation["reported"] == {"2025": "31000"}
    assert proposal.explanation["on_previous_list"] is False


# --- Explanations ----------------------------------------------------------------------------


def sentence(proposal: Proposal) -> str:
    entry = ListEntry(
        scope=proposal.scope,
        proposed=proposal.decision,
        decision=proposal.decision,
        reason_code=proposal.reason_code,
        explanation=proposal.explanation,
        basis_emissions=proposal.basis_emissions,
    )
    with translation.override("en"):
        return explain(entry)


ANY = {"lookback": Lookback.ANY_YEAR, "from_year": 2013, "to_year": 2019}
MERGED_INTO = "山东测试电力有限公司"


@pytest.mark.parametrize(
    ("the_facts", "rule_fields", "code", "parts"),
    [
        (facts({2025: "26000"}), {}, "at_or_above_threshold", ["2025", "26,000 t", "26,000"]),
        (facts({2025: "25999"}), {}, "below_threshold", ["2025", "25,999 t", "below"]),
        (
            facts({2024: "40000", 2025: "25000"}, on_previous_list=True),
            {},
            "below_threshold_once",
            ["2025", "25,000 t", "only one year", "On last year's list."],
        ),
        (
            facts({2024: "24000", 2025: "25000"}, on_previous_list=True),
            {},
            "below_threshold_years",
            ["26,000 t", "2025、2024", "2 consecutive years", "removed"],
        ),
        (
            new_build(date(2025, 7, 1), "13000"),
            {},
            "new_build",
            ["Newly commissioned", "26,000 t", "threshold of 26,000 t"],
        ),
        (
            facts(on_previous_list=True),
            {},
            "no_new_verified_data",
            ["No verified emissions", "stays on the list"],
        ),
        (facts(), {}, "no_verified_data", ["No verified emissions."]),
        (
            facts(status="closed", on_previous_list=True),
            {},
            "closed",
            ["Closed", "On last year's list."],
        ),
        (
            facts(status="merged", on_previous_list=True, merged_into=MERGED_INTO),
            {},
            "merged",
            [f"Merged into {MERGED_INTO}."],
        ),
        (
            facts({2014: "30000", 2017: "80000"}),
            ANY,
            "at_or_above_threshold_in_range",
            ["26,000 t", "2014、2017", "highest 80,000 t"],
        ),
        (
            facts({2014: "20000"}),
            ANY,
            "below_threshold_in_range",
            ["26,000 t", "every year of 2013–2019"],
        ),
    ],
)
def test_explain_gives_a_sentence_with_the_figures_for_each_reason(
    the_facts, rule_fields, code, parts
):
    proposal = decide(the_facts, **rule_fields)
    text = sentence(proposal)

    assert proposal.reason_code == code
    assert code not in text, "a sentence, not the bare code"
    for part in parts:
        assert part in text
    assert "%(" not in text


def test_explain_never_rounds_a_figure_below_the_threshold_up_to_it():
    assert "25,999 t, below" in sentence(decide(facts({2025: "25999.99"})))
