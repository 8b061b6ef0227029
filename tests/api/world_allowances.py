"""The API world's allowances records (see tests/api/conftest.py AREAS): every unit's 2025
allocation (pre-allocation and determination approved, the issuance awaiting approval) and
its settlement with an allowance and a CCER surrender; every second unit's settlement was not
completed and has a shortfall case."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from quotas.models import (
    AllocationBatch,
    BatchStatus,
    CaseStatus,
    SettlementStatus,
    ShortfallCase,
    Step,
)
from tests.factories.quotas_settlement import AllocationFactory, SettlementFactory, SurrenderFactory

# basename -> the record kind whose first Shandong record is the detail tested for scope
DETAIL_OF: dict[str, str] = {"allocation": "allocations", "settlement": "settlements"}
# basename -> the SQL queries of a list page, whatever its rows
QUERIES: dict[str, int] = {
    "allocation": 7,  # base 6 + the units' facilities (lines name them by public id)
    "settlement": 7,  # base 6 + the surrenders
}

YEAR = 2025
STEP_STATUS = {
    Step.PRE_ALLOCATION: BatchStatus.APPROVED,
    Step.DETERMINATION: BatchStatus.APPROVED,
    Step.ALLOCATION: BatchStatus.SUBMITTED,
}


def batch(province, step, preparer, status=None, *, sector="power") -> AllocationBatch:
    """The province's 2025 batch of the sector's step (one per province, year, sector, step),
    created in the world's status of the step unless given."""
    status = status or STEP_STATUS[step]
    now = timezone.now()
    found, _created = AllocationBatch.objects.get_or_create(
        province=province,
        year=YEAR,
        sector=sector,
        step=step,
        defaults={
            "status": status,
            "prepared_by": preparer,
            "submitted_at": None if status == BatchStatus.DRAFT else now,
            "approved_at": now if status == BatchStatus.APPROVED else None,
        },
    )
    return found


def line(facility, tonnes) -> dict:
    """A calculation line as quotas.calculation.Line.as_json stores it (None: the unit's)."""
    if facility is None:
        return {"facility_id": None, "label": "heat", "formula": "0.1111 × 0 GJ", "tonnes": "0"}
    return {
        "facility_id": facility.pk,
        "label": f"{facility.name}: generation",
        "formula": "0.8177 × 1000000 MWh × 1 × 1",
        "tonnes": str(tonnes),
    }


def allocation(unit, province, preparer, *, determined=Decimal(1_000_000), **batches):
    """The unit's 2025 allocation in the province's power batches unless given (None: the step
    has not started), with its calculation lines and the pre-allocation deducted."""
    facility = unit.facilities.order_by("pk").first()
    steps = {
        "pre_allocation_batch": Step.PRE_ALLOCATION,
        "determination_batch": Step.DETERMINATION,
        "allocation_batch": Step.ALLOCATION,
    }
    chosen = {
        field: batches[field] if field in batches else batch(province, step, preparer)
        for field, step in steps.items()
    }
    pre_allocated = (determined * Decimal("0.7")).quantize(Decimal(1))
    to_issue = determined - pre_allocated - Decimal(1000)
    return AllocationFactory(
        enterprise=unit,
        year=YEAR,
        determined=determined,
        pre_allocated=pre_allocated,
        pre_allocation_lines=[line(facility, pre_allocated)],
        adjustments=Decimal(1000),
        to_issue=to_issue,
        issued=to_issue,
        determination_lines=[line(facility, determined), line(None, 0)],
        determination_inputs={"pre_allocated": str(pre_allocated), "missing": []},
        **chosen,
    )


def settlement(unit, recorder, *, short: bool):
    """The unit's 2025 settlement with an allowance and a CCER surrender; short: not
    completed by its due date, with its shortfall case."""
    status = SettlementStatus.NOT_SETTLED if short else SettlementStatus.OPEN
    found = SettlementFactory(enterprise=unit, year=YEAR, status=status)
    SurrenderFactory(settlement=found, recorded_by=recorder, quantity=Decimal(600_000))
    SurrenderFactory(
        settlement=found,
        recorded_by=recorder,
        kind="ccer",
        vintage=None,
        quantity=Decimal(40_000),
        surrendered_on=date(2026, 11, 20),
    )
    if short:
        ShortfallCase.objects.create(
            settlement=found,
            shortfall=found.obligation - Decimal(640_000),
            correction_due=date(2027, 2, 1),
            status=CaseStatus.OPEN,
        )
    return found


def grow(world, province, unit, records) -> None:
    """Add this area's records for a new unit of the world (records.of(kind).append(...))."""
    records.of("allocations").append(allocation(unit, province, world.uploader))
    short = len(records.of("settlements")) % 2 == 1
    records.of("settlements").append(settlement(unit, world.uploader, short=short))
