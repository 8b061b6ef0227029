"""The list conditions applied to one unit: a pure function of the rule and the unit's figures,
so every decision can be explained and tested at its edges."""

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from units.models import Decision, EnterpriseStatus, InclusionRule, ListScope, Lookback


@dataclass(frozen=True)
class UnitFacts:
    status: str
    verified: dict[int, Decimal]
    reported: dict[int, Decimal]
    commissioned: list[date] = field(default_factory=list)
    on_previous_list: bool = False
    merged_into: str = ""


@dataclass(frozen=True)
class Proposal:
    scope: str
    decision: str
    reason_code: str
    basis_emissions: Decimal | None
    explanation: dict


def _included(facts: UnitFacts) -> str:
    return Decision.CONTINUING if facts.on_previous_list else Decision.NEW


def _rule_summary(rule: InclusionRule) -> dict:
    return {
        "list_year": rule.list_year,
        "sector": rule.sector,
        "threshold_t": str(rule.threshold_t),
        "lookback": rule.lookback,
        "from_year": rule.from_year,
        "to_year": rule.to_year,
        "removal_years_below": rule.removal_years_below,
        "include_new_build": rule.include_new_build,
    }


def evaluate(rule: InclusionRule, facts: UnitFacts) -> Proposal:
    """Propose new / continuing / removed / not included for one unit, with the reason."""
    scope = ListScope.MARKET if rule.is_market_sector else ListScope.REPORTING_ONLY
    decision, code, basis, years = _decide(rule, facts)
    explanation = {
        "rule": _rule_summary(rule),
        "verified": {str(y): str(v) for y, v in sorted(facts.verified.items())},
        "reported": {str(y): str(v) for y, v in sorted(facts.reported.items())},
        "years_considered": years,
        "on_previous_list": facts.on_previous_list,
        "status": facts.status,
    }
    if facts.merged_into:
        explanation["merged_into"] = facts.merged_into
    return Proposal(scope, decision, code, basis, explanation)


def _decide(rule: InclusionRule, facts: UnitFacts) -> tuple[str, str, Decimal | None, list[int]]:
    if facts.status != EnterpriseStatus.ACTIVE:
        decision = Decision.REMOVED if facts.on_previous_list else Decision.NOT_INCLUDED
        return decision, facts.status, None, []
    if rule.lookback == Lookback.ANY_YEAR:
        return _any_year(rule, facts)
    return _latest_verified(rule, facts)


def _latest_verified(rule: InclusionRule, facts: UnitFacts):
    # A list is drawn up in the year before it applies, from the year before that (verified by
    # the summer): the 2027 list from 2025's verified emissions.
    data_years = sorted((y for y in facts.verified if y <= rule.list_year - 2), reverse=True)
    if not data_years:
        return _without_verified_data(rule, facts)
    latest = data_years[0]
    basis = facts.verified[latest]
    if basis >= rule.threshold_t:
        return _included(facts), "at_or_above_threshold", basis, [latest]
    # A unit new in that year was verified for part of it only: its expected year counts.
    expected = _expected_new_build(rule, facts)
    if expected is not None and expected >= rule.threshold_t:
        return _included(facts), "new_build", expected, [latest]
    if not facts.on_previous_list:
        return Decision.NOT_INCLUDED, "below_threshold", basis, [latest]
    below = _consecutive_years_below(rule, facts.verified, latest)
    if len(below) >= rule.removal_years_below:
        return Decision.REMOVED, "below_threshold_years", basis, below
    return Decision.CONTINUING, "below_threshold_once", basis, below


def _consecutive_years_below(
    rule: InclusionRule, verified: dict[int, Decimal], latest: int
) -> list[int]:
    years = []
    year = latest
    while year in verified and verified[year] < rule.threshold_t:
        years.append(year)
        year -= 1
    return years


def _without_verified_data(rule: InclusionRule, facts: UnitFacts):
    expected = _expected_new_build(rule, facts)
    if expected is not None and expected >= rule.threshold_t:
        return _included(facts), "new_build", expected, [rule.list_year - 2]
    if facts.on_previous_list:
        return Decision.CONTINUING, "no_new_verified_data", None, []
    return Decision.NOT_INCLUDED, "no_verified_data", expected, []


def _expected_new_build(rule: InclusionRule, facts: UnitFacts) -> Decimal | None:
    """A unit commissioned in the year before the notice (its first facility started then): its
    emissions of that year (verified, else reported) scaled up to a full year of the months it
    ran. A unit running before that year that only added a facility is not scaled."""
    year = rule.list_year - 2
    emitted = facts.verified.get(year, facts.reported.get(year))
    if not rule.include_new_build or emitted is None or not facts.commissioned:
        return None
    first = min(facts.commissioned)
    if first.year != year:
        return None
    months = (
        12 - first.month + (1 if first.day <= calendar.monthrange(year, first.month)[1] // 2 else 0)
    )
    months = max(months, 1)
    return (emitted * 12 / months).quantize(Decimal("0.01"))


def _any_year(rule: InclusionRule, facts: UnitFacts):
    years = range(rule.from_year, rule.to_year + 1)
    figures = {y: facts.verified.get(y, facts.reported.get(y)) for y in years}
    figures = {y: v for y, v in figures.items() if v is not None}
    above = [y for y, v in figures.items() if v >= rule.threshold_t]
    if above:
        year = max(above, key=lambda y: figures[y])
        return _included(facts), "at_or_above_threshold_in_range", figures[year], sorted(above)
    highest = max(figures.values()) if figures else None
    if facts.on_previous_list:
        return Decision.REMOVED, "below_threshold_in_range", highest, sorted(figures)
    return Decision.NOT_INCLUDED, "below_threshold_in_range", highest, sorted(figures)
