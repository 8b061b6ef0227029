"""Validation of a monthly certification's values: errors block submission, warnings need an
explanation. Pure functions of the schema, the values and the month before, so every rule can be
tested on its own; thresholds come from ValidationThreshold rows."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from reporting.calculation import IncompleteData, compute
from reporting.models import DataItem, ItemRole, Severity

# No monthly figure comes near this; beyond it a product of figures would not fit the stored
# emissions (14 digits) and is surely a typing slip.
TOO_LARGE = Decimal("1e9")
QUANTITY_ROLES = (ItemRole.FUEL_CONSUMPTION, ItemRole.PROCESS_ACTIVITY, ItemRole.PRODUCTION)


@dataclass(frozen=True)
class Found:
    rule: str
    item_code: str
    severity: str
    params: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.item_code}"


@dataclass(frozen=True)
class Context:
    """What the rules know beyond the values themselves."""

    month: int
    previous_values: dict[str, Decimal] | None = None
    previous_month_certified: bool = True
    change_threshold_pct: Decimal = Decimal(50)


def parse(items: list[DataItem], raw: dict[str, str]) -> tuple[dict[str, Decimal], list[Found]]:
    """Numbers from the submitted strings; what is not a number is an error naming the item."""
    values, found = {}, []
    for item in items:
        text = str(raw.get(item.code, "") or "").strip().replace(",", "")
        if not text:
            if item.is_required:
                found.append(Found("required", item.code, Severity.ERROR))
            continue
        try:
            value = Decimal(text)
        except InvalidOperation:
            found.append(Found("not_a_number", item.code, Severity.ERROR, {"value": text[:50]}))
            continue
        if not value.is_finite():
            found.append(Found("not_a_number", item.code, Severity.ERROR, {"value": text[:50]}))
        elif value < 0:
            found.append(Found("negative", item.code, Severity.ERROR, {"value": str(value)}))
        elif value >= TOO_LARGE:
            found.append(Found("too_large", item.code, Severity.ERROR, {"value": text[:50]}))
        else:
            values[item.code] = value
    return values, found


def ranges(items: list[DataItem], values: dict[str, Decimal]) -> list[Found]:
    found = []
    for item in items:
        value = values.get(item.code)
        if value is None:
            continue
        low, high = item.min_value, item.max_value
        if (low is not None and value < low) or (high is not None and value > high):
            params = {
                "value": str(value),
                "unit": item.unit,
                "min": _plain(low),
                "max": _plain(high),
            }
            found.append(Found("out_of_range", item.code, Severity.WARNING, params))
    return found


def _plain(value) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _month_over_month(items, values, context: Context) -> list[Found]:
    if not context.previous_values:
        return []
    found = []
    for item in items:
        now, before = values.get(item.code), context.previous_values.get(item.code)
        if item.role not in QUANTITY_ROLES or now is None or not before:
            continue
        change = (now - before) / before * 100
        if abs(change) > context.change_threshold_pct:
            params = {"change_pct": str(change.quantize(Decimal("0.1"))), "previous": str(before)}
            found.append(Found("month_over_month", item.code, Severity.WARNING, params))
    return found


def _generation_without_fuel(items, values) -> list[Found]:
    generated = values.get("power_generated")
    if not generated:
        return []
    burned = sum(
        (
            values.get(item.code) or Decimal(0)
            for item in items
            if item.role == ItemRole.FUEL_CONSUMPTION
        ),
        Decimal(0),
    )
    return (
        []
        if burned > 0
        else [Found("generation_without_fuel", "power_generated", Severity.WARNING)]
    )


def completeness(schema_version, items, values) -> list[Found]:
    """Every group with some but not all of its values (group by group: `compute` stops at the
    first incomplete one, and a form or an upload must name them all)."""
    found = []
    for group in sorted({item.group for item in items}):
        members = [item for item in items if item.group == group]
        try:
            compute(formula_version=schema_version, items=members, values=values)
        except IncompleteData as incomplete:
            missing = [str(role) for role in incomplete.missing]
            found.append(
                Found("incomplete_group", incomplete.group, Severity.ERROR, {"missing": missing})
            )
    return found


def validate(
    *, formula_version: str, items: list[DataItem], raw: dict[str, str], context: Context
) -> tuple[dict[str, Decimal], list[Found]]:
    """All findings for one month's values, and the values as numbers."""
    values, found = parse(items, raw)
    found += completeness(formula_version, items, values)
    found += ranges(items, values)
    found += _month_over_month(items, values, context)
    found += _generation_without_fuel(items, values)
    if context.month > 1 and not context.previous_month_certified:
        found.append(
            Found("missing_previous_month", "", Severity.WARNING, {"month": context.month - 1})
        )
    return values, found
