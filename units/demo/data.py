"""The demo's fixed numbers: scales, how many units of each sector go where, and how big.

Also the seed, the demo password and the years, and how a unit's equipment is described and
sized from its emissions. Rankings follow domain-facts §12; the exact shares are invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from units.models import FacilityCategory, Fuel

Scale = Literal["small", "national"]
SCALES: tuple[Scale, ...] = ("small", "national")

SEED = 2026
DEMO_PASSWORD = "demo-pass-2026"
THRESHOLD_T = 26_000
YEARS = (2023, 2024, 2025)
SMALL_PROVINCES = ("370000", "440000")
SMALL_PER_PROVINCE = 30
BATCH_SIZE = 1000
INDUSTRY_STANDARD = "GB/T 4754-2017"

# --- How many units, and where --------------------------------------------------------------

# domain-facts §12: about 2,200 power units, 1,500 steel/cement/aluminium units, and (for
# the industries still under reporting management only) a further 2,500.
NATIONAL_TOTALS = {"power": 2200, "heavy": 1500, "reporting": 2500}

# Relative size of each province in (power, heavy industry, reporting-only industries).
# The ranking follows domain-facts §12; the exact shares are invented.
PROVINCE_WEIGHTS: dict[str, tuple[float, float, float]] = {
    "110000": (0.6, 0.2, 0.8),
    "120000": (1.5, 1.5, 1.5),
    "130000": (5.0, 9.0, 4.0),
    "140000": (7.0, 4.0, 4.0),
    "150000": (8.0, 4.0, 4.0),
    "210000": (4.0, 3.5, 3.5),
    "220000": (2.5, 1.2, 1.5),
    "230000": (3.0, 1.2, 1.5),
    "310000": (1.2, 0.8, 2.0),
    "320000": (8.0, 6.0, 6.0),
    "330000": (5.0, 3.0, 5.0),
    "340000": (4.5, 4.0, 3.0),
    "350000": (2.5, 3.0, 3.0),
    "360000": (2.0, 3.0, 2.0),
    "370000": (10.0, 8.0, 8.0),
    "410000": (5.5, 5.5, 4.0),
    "420000": (3.0, 3.0, 3.0),
    "430000": (2.0, 3.0, 2.5),
    "440000": (5.0, 3.5, 5.0),
    "450000": (2.0, 3.0, 2.0),
    "460000": (0.5, 0.4, 0.6),
    "500000": (1.2, 1.8, 1.5),
    "510000": (1.5, 4.0, 3.0),
    "520000": (2.5, 2.5, 1.5),
    "530000": (1.2, 3.0, 2.0),
    "540000": (0.1, 0.4, 0.2),
    "610000": (4.0, 2.5, 2.5),
    "620000": (2.0, 2.0, 1.5),
    "630000": (0.5, 0.8, 0.5),
    "640000": (2.0, 1.5, 1.5),
    "650000": (5.0, 3.0, 3.0),
    "660000": (1.5, 1.0, 1.0),
}

HEAVY_SPLIT = {"steel": 0.47, "cement": 0.40, "aluminium": 0.13}
HEAVY_SPLIT_BY_PROVINCE = {
    "130000": {"steel": 0.70, "cement": 0.27, "aluminium": 0.03},
    "150000": {"steel": 0.25, "cement": 0.30, "aluminium": 0.45},
    "530000": {"steel": 0.30, "cement": 0.40, "aluminium": 0.30},
    "650000": {"steel": 0.25, "cement": 0.35, "aluminium": 0.40},
    "540000": {"steel": 0.0, "cement": 1.0, "aluminium": 0.0},
}
REPORTING_SPLIT = {
    "chemical": 0.32,
    "petrochemical": 0.14,
    "paper": 0.20,
    "flat_glass": 0.10,
    "copper": 0.08,
    "aviation": 0.16,
}

# The first 30 units of every province, in order: mostly the four market sectors, so the small
# scale has all of them; positions 7, 14, 19 and 26 get the special cases below.
HEAD = (
    *("power", "steel", "power", "cement", "power", "aluminium", "chemical", "power"),
    *("steel", "cement", "power", "petrochemical", "power", "steel", "cement"),
    *("power", "paper", "power", "aluminium", "power", "steel", "cement", "chemical"),
    *("power", "steel", "power", "cement", "flat_glass", "power", "power"),
)
# "below" drops under the threshold in 2024 and 2025 (removed from the 2027 list); "rising"
# reaches it only in 2025 (new on the 2027 list).
HEAD_CASES = {7: "below", 14: "rising", 19: "closed", 26: "merged"}
# Beyond the head, the same cases (plus a unit that dips below only in 2025) at random.
TAIL_CASES = (
    ("closed", 0.015),
    ("merged", 0.01),
    ("below", 0.02),
    ("below_2025", 0.02),
    ("rising", 0.01),
)

PILOT_REGIONS = {"110000", "120000", "310000", "350000", "420000", "440000", "500000"}
DRY_REGIONS = {"140000", "150000", "610000", "620000", "630000", "640000", "650000", "660000"}
GAS_REGIONS = {"110000", "120000", "310000", "320000", "330000", "440000"}

# --- Sizes ----------------------------------------------------------------------------------

# (median t, sigma of ln) of annual direct emissions; power's p90 is about 6 Mt (§12).
EMISSIONS_DISTRIBUTION = {
    "power": (1_000_000, 1.4),
    "steel": (2_000_000, 1.0),
    "cement": (800_000, 0.6),
    "aluminium": (600_000, 0.8),
    "petrochemical": (1_500_000, 0.9),
    "chemical": (400_000, 1.0),
    "flat_glass": (150_000, 0.6),
    "copper": (200_000, 0.7),
    "paper": (150_000, 0.8),
    "aviation": (300_000, 1.0),
}
# A floor of 29 kt keeps every ordinary unit above 26 kt after the ±10 % yearly variation.
EMISSIONS_FLOOR_T = 29_000
EMISSIONS_CEILING_T = 15_000_000
# Equipment of a unit that falls below the threshold is sized for about this much a year.
SMALL_UNIT_T = 30_000
# Purchased electricity and heat relative to direct emissions; electrolysis dominates aluminium.
INDIRECT_SHARE = {"power": 0.02, "steel": 0.15, "cement": 0.12, "aluminium": 4.5, "aviation": 0.01}
INDIRECT_SHARE_OTHER = 0.3

INDUSTRY_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    "power": (("4411", 0.62), ("4412", 0.35), ("4419", 0.03)),
    "steel": (("3110", 0.3), ("3120", 0.7)),
    "cement": (("3011", 1.0),),
    "aluminium": (("3216", 1.0),),
    "petrochemical": (("2511", 0.7), ("2614", 0.3)),
    "chemical": (("2614", 0.3), ("2619", 0.3), ("2621", 0.4)),
    "flat_glass": (("3041", 1.0),),
    "copper": (("3211", 1.0),),
    "paper": (("2211", 0.15), ("2212", 0.1), ("2221", 0.75)),
    "aviation": (("5611", 0.6), ("5612", 0.15), ("5631", 0.25)),
}

# Coal units at about 5,000 h and 0.85 t/MWh, gas CCGT at 3,500 h and 0.38 t/MWh (§12).
COAL_T_PER_MW = 5000 * 0.85
GAS_T_PER_MW = 3500 * 0.38
COAL_UNIT_MW = (50, 135, 150, 300, 330, 350, 600, 660, 1000)
GAS_UNIT_MW = (180, 390, 460)


@dataclass(frozen=True)
class LineKind:
    """How a non-power unit's equipment is described and sized from its emissions."""

    category: str
    label: str
    unit: str
    fuel: str
    t_per_capacity: float  # tCO2 a year per unit of capacity
    most: int  # at most this many lines
    step: int  # capacity is rounded to this


LINE_KINDS: dict[tuple[str, str], LineKind] = {
    ("steel", "3110"): LineKind(
        FacilityCategory.PRODUCTION_LINE, "高炉", "kt/a", Fuel.COAL, 1900, 4, 10
    ),
    ("steel", "3120"): LineKind(
        FacilityCategory.PRODUCTION_LINE, "转炉", "kt/a", Fuel.COAL, 1900, 4, 10
    ),
    ("cement", "3011"): LineKind(
        FacilityCategory.KILN, "熟料生产线", "t/d", Fuel.COAL, 270, 3, 500
    ),
    ("aluminium", "3216"): LineKind(
        FacilityCategory.ELECTROLYSIS, "电解系列", "kt/a", Fuel.ELECTRICITY, 1600, 4, 5
    ),
    ("petrochemical", "2511"): LineKind(
        FacilityCategory.PRODUCTION_LINE, "常减压装置", "kt/a", Fuel.OIL, 300, 4, 100
    ),
    ("petrochemical", "2614"): LineKind(
        FacilityCategory.PRODUCTION_LINE, "乙烯裂解装置", "kt/a", Fuel.OIL, 1500, 2, 10
    ),
    ("chemical", "2614"): LineKind(
        FacilityCategory.PRODUCTION_LINE, "甲醇装置", "kt/a", Fuel.COAL, 2500, 3, 10
    ),
    ("chemical", "2619"): LineKind(FacilityCategory.KILN, "电石炉", "kt/a", Fuel.COAL, 1500, 4, 5),
    ("chemical", "2621"): LineKind(
        FacilityCategory.PRODUCTION_LINE, "合成氨装置", "kt/a", Fuel.COAL, 3000, 3, 10
    ),
    ("flat_glass", "3041"): LineKind(
        FacilityCategory.KILN, "浮法玻璃生产线", "t/d", Fuel.NATURAL_GAS, 220, 3, 50
    ),
    ("copper", "3211"): LineKind(
        FacilityCategory.PRODUCTION_LINE, "铜冶炼系统", "kt/a", Fuel.OTHER, 800, 2, 10
    ),
    ("paper", "2211"): LineKind(FacilityCategory.BOILER, "动力锅炉", "t/h", Fuel.COAL, 2000, 3, 5),
    ("paper", "2212"): LineKind(FacilityCategory.BOILER, "动力锅炉", "t/h", Fuel.COAL, 2000, 3, 5),
    ("paper", "2221"): LineKind(FacilityCategory.BOILER, "动力锅炉", "t/h", Fuel.COAL, 2000, 3, 5),
    ("aviation", "5611"): LineKind(
        FacilityCategory.OTHER, "运输机队", "架", Fuel.OIL, 23_000, 1, 1
    ),
    ("aviation", "5612"): LineKind(
        FacilityCategory.OTHER, "货运机队", "架", Fuel.OIL, 23_000, 1, 1
    ),
    ("aviation", "5631"): LineKind(
        FacilityCategory.BOILER, "能源中心锅炉", "t/h", Fuel.NATURAL_GAS, 2000, 2, 5
    ),
}
