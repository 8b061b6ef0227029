"""Allocations, settlements and surrenders for the settlement tests, built directly (what the
allocation steps and the settlement services write). The plans, penalty rule and interim target
are the seeded ones (quotas/plans_data.py)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory

from deadlines.models import Obligation
from quotas.models import (
    Allocation,
    AllocationBatch,
    AllocationPlan,
    BatchStatus,
    Settlement,
    Step,
    Surrender,
)
from tests.factories.accounts import UserFactory
from tests.factories.deadlines import ObligationFactory, national_rule
from tests.factories.units import EnterpriseFactory, FacilityFactory
from tests.factories.verification_objections import confirmed_assignment

SHANGHAI = ZoneInfo("Asia/Shanghai")


def plan(year: int = 2025, sector: str = "power") -> AllocationPlan:
    return AllocationPlan.objects.get(year=year, sector=sector)


class AllocationFactory(factory.django.DjangoModelFactory):
    """A determined and issued allocation of a power unit for 2025."""

    class Meta:
        model = Allocation

    enterprise = factory.SubFactory(EnterpriseFactory)
    year = 2025
    plan = factory.LazyAttribute(lambda a: plan(a.year, a.enterprise.industry.sector))
    pre_allocated = factory.LazyAttribute(
        lambda a: (a.determined * Decimal("0.7")).quantize(Decimal(1)) if a.determined else None
    )
    determined = Decimal(1_000_000)
    issued = factory.LazyAttribute(
        lambda a: a.determined - a.pre_allocated if a.determined else None
    )
    issued_on = date(2026, 9, 28)


def approved_batch(enterprise, step: str = Step.DETERMINATION, year: int = 2025) -> AllocationBatch:
    """The approved batch of a step of the enterprise's province, sector and year."""
    batch = AllocationBatch.objects.filter(
        province=enterprise.province, year=year, sector=enterprise.industry.sector, step=step
    ).first()
    if batch is None:
        batch = AllocationBatch.objects.create(
            province=enterprise.province,
            year=year,
            sector=enterprise.industry.sector,
            step=step,
            status=BatchStatus.APPROVED,
            prepared_by=UserFactory(),
            approved_by=UserFactory(),
            approved_at=datetime(year + 1, 9, 14, 10, tzinfo=SHANGHAI),
        )
    return batch


def verified(enterprise, emissions, *, year: int = 2025):
    """The enterprise's confirmed verification of `year` with these verified emissions."""
    return confirmed_assignment(
        enterprise,
        year=year,
        emissions=Decimal(emissions),
        confirmed_at=datetime(year + 1, 6, 20, 10, tzinfo=SHANGHAI),
    ).figures


def settlement_obligation(enterprise, **kwargs) -> Obligation:
    """The calendar's settlement obligation of the enterprise for 2025 (due 2026-12-31)."""
    return ObligationFactory(rule=national_rule("settlement"), enterprise=enterprise, **kwargs)


def unit_ready(
    *,
    province,
    emissions,
    determined,
    fuel: str = "coal",
    with_obligation: bool = True,
    **enterprise,
):
    """An enterprise with one facility, its verified emissions, its approved determination and
    (optionally) the calendar's settlement obligation: what opening a settlement needs."""
    unit = EnterpriseFactory(province=province, **enterprise)
    FacilityFactory(enterprise=unit, fuel=fuel, cooling="na" if fuel == "natural_gas" else "water")
    verified(unit, emissions)
    AllocationFactory(
        enterprise=unit,
        determined=Decimal(determined),
        determination_batch=approved_batch(unit),
    )
    if with_obligation:
        settlement_obligation(unit)
    return unit


class SettlementFactory(factory.django.DjangoModelFactory):
    """An open 2025 settlement (without its verification, for list and summary tests)."""

    class Meta:
        model = Settlement

    enterprise = factory.SubFactory(EnterpriseFactory)
    year = 2025
    verified_emissions = Decimal(1_000_000)
    allocated = Decimal(950_000)
    obligation = factory.SelfAttribute("verified_emissions")
    calculation = factory.LazyAttribute(
        lambda s: [
            {
                "facility_id": None,
                "label": "verified emissions",
                "formula": str(s.verified_emissions),
                "tonnes": str(s.verified_emissions),
            }
        ]
    )
    due_on = date(2026, 12, 31)


class SurrenderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Surrender

    settlement = factory.SubFactory(SettlementFactory)
    kind = "allowance"
    vintage = 2025
    quantity = Decimal(100_000)
    surrendered_on = date(2026, 11, 1)
    registry_reference = factory.Sequence(lambda n: f"QJ2026{n:06d}")
    recorded_by = factory.SubFactory(UserFactory)
