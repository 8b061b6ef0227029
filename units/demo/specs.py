"""What the plan produces: a demo enterprise with its facilities and yearly emissions, in memory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class FacilitySpec:
    name: str
    category: str
    capacity: Decimal
    capacity_unit: str
    fuel: str
    cooling: str
    commissioned_on: date


@dataclass(frozen=True)
class EmissionsSpec:
    year: int
    source: str
    direct: Decimal
    indirect: Decimal


@dataclass(frozen=True)
class EnterpriseSpec:
    uscc: str
    name_zh: str
    name_en: str
    province_code: str
    city_name_zh: str
    sector: str
    industry_code: str
    status: str
    address: str
    contact_name: str
    contact_email: str
    is_in_pilot_market: bool
    merged_into_uscc: str
    facilities: tuple[FacilitySpec, ...]
    emissions: tuple[EmissionsSpec, ...]
