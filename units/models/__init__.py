"""The units app's models: the registry (provinces, industries, units, facilities, emissions) and
the annual list of key emission units (inclusion rules, lists, entries)."""

from units.models.lists import (
    Decision,
    InclusionRule,
    ListEntry,
    ListScope,
    ListStatus,
    Lookback,
    UnitList,
)
from units.models.registry import (
    AnnualEmissions,
    City,
    Cooling,
    EmissionsSource,
    Enterprise,
    EnterpriseQuerySet,
    EnterpriseStatus,
    Facility,
    FacilityCategory,
    Fuel,
    Industry,
    Province,
    Sector,
)

__all__ = [
    "AnnualEmissions",
    "City",
    "Cooling",
    "Decision",
    "EmissionsSource",
    "Enterprise",
    "EnterpriseQuerySet",
    "EnterpriseStatus",
    "Facility",
    "FacilityCategory",
    "Fuel",
    "InclusionRule",
    "Industry",
    "ListEntry",
    "ListScope",
    "ListStatus",
    "Lookback",
    "Province",
    "Sector",
    "UnitList",
]
