"""Units with verified figures, as the allocation reads them (quotas.inputs)."""

from datetime import date
from decimal import Decimal

from tests.factories.reporting import AnnualReportFactory
from tests.factories.units import EnterpriseFactory, FacilityFactory, industry
from tests.factories.verification import AssignmentFactory
from verification.models import AssignmentStatus, VerifiedFigures

SECTOR_CODES = {"power": "4411", "steel": "3120", "cement": "3011", "aluminium": "3216"}


def unit(province, *, sector="power", name_zh=None, city=None, **fields):
    """An enterprise of a market sector (no facility yet)."""
    extra = {"name_zh": name_zh} if name_zh else {}
    return EnterpriseFactory(
        province=province,
        city=city,
        industry=industry(SECTOR_CODES[sector], sector),
        **extra,
        **fields,
    )


def coal_unit(enterprise, *, name="1号机组", capacity=600, cooling="water", fuel="coal"):
    return FacilityFactory(
        enterprise=enterprise,
        name=name,
        capacity=capacity,
        capacity_unit="MW",
        fuel=fuel,
        cooling=cooling,
    )


def verified(enterprise, year, *, emissions, activity=(), load_factor="72"):
    """Confirmed verification of `year`: the emissions and activity rows (facility, item,
    value, unit), as verification.confirmation writes them; the accepted annual report of the
    year carries the load factor (percent; None: not reported)."""
    values = {"power_generated": "0"}
    if load_factor is not None:
        values["load_factor"] = load_factor
    report = AnnualReportFactory(enterprise=enterprise, year=year, values=values)
    assignment = AssignmentFactory(report=report, status=AssignmentStatus.CONFIRMED)
    return VerifiedFigures.objects.create(
        assignment=assignment,
        enterprise=enterprise,
        year=year,
        emissions=Decimal(str(emissions)),
        activity=[
            {
                "facility": facility.pk,
                "facility_name": facility.name,
                "item": item,
                "value": format(Decimal(str(value)), "f"),
                "unit": unit_,
            }
            for facility, item, value, unit_ in activity
        ],
        confirmed_on=date(year + 1, 6, 1),
    )


def power_activity(facility, *, generated, heat=None):
    rows = [(facility, "power_generated", generated, "MWh")]
    if heat is not None:
        rows.append((facility, "heat_supplied", heat, "GJ"))
    return rows
