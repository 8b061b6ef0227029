"""An allocation's figures recomputed from its stored inputs alone (quotas.inputs), with no
database read: equal to the stored figures when nothing was altered.
"""

from decimal import Decimal

from quotas import calculation, inputs
from quotas.determination import true_up
from quotas.models import Allocation


def recompute(allocation: Allocation) -> dict:
    """pre_allocated, determined, adjustments and to_issue from the allocation's stored inputs
    alone (no database read): equal to the stored figures when nothing was altered."""
    figures = {
        "pre_allocated": None,
        "determined": None,
        "adjustments": Decimal(0),
        "to_issue": None,
    }
    pre = allocation.pre_allocation_inputs or {}
    if pre.get("rules") and not pre.get("missing"):
        figures["pre_allocated"] = calculation.pre_allocate(
            inputs.rules_from_json(pre["rules"]),
            inputs.facilities_from_json(pre["facilities"]),
            basis_emissions=_decimal(pre["emissions"]),
        ).total
    stored = allocation.determination_inputs or {}
    if stored.get("rules") and not stored.get("missing"):
        determined = calculation.allocate(
            inputs.rules_from_json(stored["rules"]),
            inputs.facilities_from_json(stored["facilities"]),
            verified_emissions=_decimal(stored["emissions"]),
        ).total
        netted = sum((Decimal(row["tonnes"]) for row in stored["adjustments"]), Decimal(0))
        figures["determined"] = determined
        figures["adjustments"] = netted
        figures["to_issue"] = true_up(determined, Decimal(stored["pre_allocated"]), netted)
    return figures


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)
