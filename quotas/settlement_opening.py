"""Opening the settlements (清缴) of a compliance year: the obligations from the confirmed
verification and the approved determination of the allocation (the plan's caps and the gas-unit
rule), due on the calendar's date (else the notice's, Dec 31 of the following year). Running
it again changes only open settlements whose inputs changed, and settles one whose lower
obligation is already covered; settled and closed ones are never touched. One transaction,
audited.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import scoping
from core import audit
from core.models import AuditAction
from deadlines.models import Obligation, ObligationKind
from quotas import calculation
from quotas.models import Allocation, AllocationPlan, BatchStatus, Settlement, SettlementStatus
from quotas.settlement_access import SETTLEMENT_FIELDS, require_province_staff
from quotas.surrenders import settle, tallies_of
from units.models import Facility, Fuel, Province
from verification.models import VerifiedFigures

INPUT_FIELDS = (
    "verified_emissions",
    "allocated",
    "obligation",
    "cap_rule",
    "calculation",
    "due_on",
)


def settlement_rules(plan: AllocationPlan) -> calculation.Rules:
    """What the obligation reads of a plan: the caps, the CCER limit and the rounding."""
    return calculation.Rules(
        method=plan.method,
        benchmarks={},
        gap_cap_pct=plan.gap_cap_pct,
        gas_units_capped=plan.gas_units_capped,
        ccer_limit_pct=plan.ccer_limit_pct,
        rounding_places=plan.rounding_places,
    )


def default_due_on(year: int) -> date:
    """Without a calendar obligation, the notice's date: Dec 31 of the following year."""
    return date(year + 1, 12, 31)


@dataclass(frozen=True)
class OpeningResult:
    created: int
    updated: int
    unchanged: int
    kept_closed: int
    without_allocation: list[str]


def _gas_units(enterprise_ids) -> set[int]:
    """Enterprises every facility of which burns natural gas (the gas-unit rule)."""
    fuels: dict[int, set[str]] = defaultdict(set)
    facilities = Facility.objects.filter(enterprise_id__in=enterprise_ids)
    for enterprise_id, fuel in facilities.values_list("enterprise_id", "fuel"):
        fuels[enterprise_id].add(fuel)
    return {pk for pk, found in fuels.items() if found == {Fuel.NATURAL_GAS}}


def _due_dates(enterprise_ids, year: int) -> dict[int, date]:
    rows = Obligation.objects.filter(
        kind=ObligationKind.SETTLEMENT,
        enterprise_id__in=enterprise_ids,
        period_start=date(year, 1, 1),
    ).values_list("enterprise_id", "due_on")
    return dict(rows)


def _inputs(figures: VerifiedFigures, allocation: Allocation, *, gas_unit: bool, due_on: date):
    rules = settlement_rules(allocation.plan)
    verified = calculation.round_tonnes(figures.emissions, rules.rounding_places)
    obligation = calculation.settlement_obligation(
        rules, verified=verified, allocated=allocation.determined, gas_unit=gas_unit
    )
    return {
        "verified_emissions": verified,
        "allocated": allocation.determined,
        "obligation": obligation.tonnes,
        "cap_rule": obligation.cap_rule,
        "calculation": [line.as_json() for line in obligation.lines],
        "due_on": due_on,
    }


def _same(settlement: Settlement, values: dict) -> bool:
    return all(getattr(settlement, name) == value for name, value in values.items())


@transaction.atomic
def open_settlements(*, actor: scoping.Actor, province: Province, year: int) -> OpeningResult:
    """Open (or bring up to date) the settlement of every enterprise of the province with
    confirmed verified figures and an approved determination of its allocation for the year.

    Running it again changes only open settlements whose inputs changed (a revised verification,
    a new determination, an extended due date); settled and closed ones are never touched.
    """
    require_province_staff(actor, province)
    figures = {
        row.enterprise_id: row
        for row in VerifiedFigures.objects.filter(enterprise__province=province, year=year)
        .select_related("enterprise")
        .order_by("enterprise__name_zh")
    }
    allocations = {
        row.enterprise_id: row
        for row in Allocation.objects.filter(
            enterprise_id__in=list(figures),
            year=year,
            determined__isnull=False,
            # A draft determination changes with each recalculation: only an approved one
            # sets what the unit owes.
            determination_batch__status=BatchStatus.APPROVED,
        ).select_related("plan")
    }
    ids = list(allocations)
    gas, due = _gas_units(ids), _due_dates(ids, year)
    existing = {
        row.enterprise_id: row
        for row in Settlement.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .filter(enterprise_id__in=ids, year=year)
    }
    created, updated, unchanged, kept = [], [], 0, 0
    for enterprise_id, allocation in allocations.items():
        values = _inputs(
            figures[enterprise_id],
            allocation,
            gas_unit=enterprise_id in gas,
            due_on=due.get(enterprise_id, default_due_on(year)),
        )
        settlement = existing.get(enterprise_id)
        if settlement is None:
            enterprise = figures[enterprise_id].enterprise
            created.append(Settlement(enterprise=enterprise, year=year, **values))
        elif settlement.status != SettlementStatus.OPEN:
            kept += 1
        elif _same(settlement, values):
            unchanged += 1
        else:
            before = audit.snapshot(settlement, SETTLEMENT_FIELDS)
            for name, value in values.items():
                setattr(settlement, name, value)
            updated.append((settlement, before))
    _save_opened(actor, province, created, updated)
    missing = [row.enterprise.name_zh for pk, row in figures.items() if pk not in allocations]
    return OpeningResult(len(created), len(updated), unchanged, kept, missing)


def _save_opened(actor, province, created: list[Settlement], updated: list[tuple]) -> None:
    Settlement.objects.bulk_create(created, batch_size=1000)
    events = [
        audit.build(
            actor=actor.user,
            action=AuditAction.CREATE,
            target=settlement,
            tenant_code=province.code,
            changes=audit.diff({}, audit.snapshot(settlement, SETTLEMENT_FIELDS)),
        )
        for settlement in created
    ]
    if updated:
        Settlement.objects.bulk_update(
            [settlement for settlement, _before in updated], [*INPUT_FIELDS, "updated_at"]
        )
    events += [
        audit.build(
            actor=actor.user,
            action=AuditAction.UPDATE,
            target=settlement,
            tenant_code=province.code,
            changes=audit.diff(before, audit.snapshot(settlement, SETTLEMENT_FIELDS)),
            note=_("Inputs changed: recalculated."),
        )
        for settlement, before in updated
    ]
    audit.record_many(events)
    if updated:
        # A lower obligation (a revised verification) may already be covered.
        tallies = tallies_of([settlement for settlement, _before in updated])
        for tally in tallies.values():
            if tally.covered:
                settle(actor, tally)
