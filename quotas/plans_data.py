# ruff: noqa: E501 (tables of data)
"""The allocation plans loaded by data migration, per compliance year and sector, with their
sources. Later plans are data edits in the admin, not code.

From ../shared/reference/domain-facts.md §4–§5. Sourced: the 70% pre-allocation ratio, the gas-unit
rule, the CCER limit of 5%, grandfathering of steel, cement and aluminium in 2024 (allocation =
verified emissions), the 2025 pre-allocation of 70% of the previous year's verified emissions for
those sectors, the 2024 generation benchmark 0.8049 tCO2/MWh for coal units of the 300 MW class
and below. From memory or inferred, so demo values until checked against the MEE plan PDF: every
other benchmark, the cooling factors, the load factor correction bands, the 20% gap cap in later
years, the capacity boundary between the coal classes, the 2025 intensity benchmarks.
"""

COAL_FUELS = ["coal", "coal_gangue"]
LOAD_FACTOR_BANDS = [
    {"min": "0.85", "kind": "constant", "value": "1"},
    {"min": "0.80", "kind": "linear", "a": "1", "b": "0.0014", "pivot": "85", "scale": "100"},
    {
        "min": "0.75",
        "kind": "power",
        "coef": "1.007",
        "base": "1.0016",
        "pivot": "80",
        "scale": "100",
    },
    {"min": "0", "kind": "power", "coef": "1", "base": "1.015", "pivot": "16", "scale": "20"},
]
POWER_CATEGORIES = [
    {"category": "gas", "fuels": ["natural_gas"]},
    {"category": "unconventional_coal", "fuels": ["coal_gangue"]},
    {"category": "coal_above_300", "fuels": ["coal", "biomass_cofired"], "min_capacity": 400},
    {"category": "coal_300_below", "fuels": ["coal", "biomass_cofired"]},
]
# (category, zh, en, output benchmark, unit, heat benchmark, demo?)
POWER_BENCHMARKS = [
    (
        "coal_above_300",
        "300MW等级以上常规燃煤机组",
        "Conventional coal, above the 300 MW class",
        "0.7860",
        "tCO2/MWh",
        "0.1050",
        True,
    ),
    (
        "coal_300_below",
        "300MW等级及以下常规燃煤机组",
        "Conventional coal, 300 MW class and below",
        "0.8049",
        "tCO2/MWh",
        "0.1050",
        True,
    ),
    (
        "unconventional_coal",
        "非常规燃煤机组（含循环流化床）",
        "Unconventional coal (incl. CFB)",
        "0.8500",
        "tCO2/MWh",
        "0.1050",
        True,
    ),
    ("gas", "燃气机组", "Natural gas units", "0.3700", "tCO2/MWh", "0.0530", True),
]


def _power(year, source):
    return {
        "year": year,
        "sector": "power",
        "method": "power_benchmark",
        "pre_allocation_ratio": "0.70",
        "pre_allocation_basis": "output",
        "basis_year": year - 1,
        "gap_cap_pct": "20",
        "gas_units_capped": True,
        "ccer_limit_pct": "5",
        "rounding_places": 0,
        "cooling_factors": {"water": "1", "air": "1.05", "na": "1"},
        "load_factor_bands": LOAD_FACTOR_BANDS,
        "load_factor_applies_to": COAL_FUELS,
        "category_rules": POWER_CATEGORIES,
        "output_item": "power_generated",
        "heat_item": "heat_supplied",
        "source": source,
        "description": "发电基准值×发电量×冷却方式修正系数×负荷（出力）系数修正系数＋供热基准值×供热量。"
        "除300MW等级及以下燃煤机组2024年基准值外，基准值与修正系数为演示值。"
        " / Benchmarks and correction factors other than the 2024 value for coal units of the "
        "300 MW class and below are demo values.",
        "benchmarks": POWER_BENCHMARKS,
    }


def _heavy(year, sector, method, category, zh, en, value, unit, basis):
    return {
        "year": year,
        "sector": sector,
        "method": method,
        "pre_allocation_ratio": "0.70" if basis == "emissions" else "0",
        "pre_allocation_basis": basis,
        "basis_year": year - 1 if basis != "none" else None,
        "gap_cap_pct": None,
        "gas_units_capped": False,
        "ccer_limit_pct": "5",
        "rounding_places": 0,
        "category_rules": [{"category": category}],
        "output_item": "output",
        "source": "2024、2025年度钢铁、水泥、铝冶炼行业配额总量和分配方案",
        "description": (
            "2024年度配额等于核查排放量（排多少、缴多少），不预分配。 / 2024: allowances equal verified emissions; no pre-allocation."
            if method == "equal_to_verified"
            else "强度基准值×产量（基准值为演示值）；预分配为上年核查排放量的70%。 / Intensity benchmark × output (demo benchmark); pre-allocation 70% of the previous year's verified emissions."
        ),
        "benchmarks": [(category, zh, en, value, unit, None, True)],
    }


PLANS = [
    _power(2024, "2023、2024年度全国碳排放权交易发电行业配额总量和分配方案"),
    _power(2025, "沿用2023、2024年度发电行业分配方案（演示） / the 2023–2024 power plan carried forward (demo)"),
    _heavy(2024, "cement", "equal_to_verified", "clinker", "水泥熟料生产线", "Clinker line", "0.8600", "tCO2/t", "none"),
    _heavy(2024, "steel", "equal_to_verified", "long_process", "长流程钢铁", "Long-process steel", "1.9500", "tCO2/t", "none"),
    _heavy(2024, "aluminium", "equal_to_verified", "electrolysis", "电解铝", "Aluminium electrolysis", "1.6500", "tCO2/t", "none"),
    _heavy(2025, "cement", "intensity", "clinker", "水泥熟料生产线", "Clinker line", "0.8600", "tCO2/t", "emissions"),
    _heavy(2025, "steel", "intensity", "long_process", "长流程钢铁", "Long-process steel", "1.9500", "tCO2/t", "emissions"),
    _heavy(2025, "aluminium", "intensity", "electrolysis", "电解铝", "Aluminium electrolysis", "1.6500", "tCO2/t", "emissions"),
]  # fmt: skip

PENALTY_RULES = [
    {"year": 2025, "fine_min": None, "fine_max": None, "price_multiple_min": "5",
     "price_multiple_max": "10", "deduct_next_year": True, "correction_days": 30,
     "source": "碳排放权交易管理暂行条例第二十四条：责令改正，处未清缴配额清缴时限前1个月市场交易平均成交价格5倍以上10倍以下罚款；拒不改正的等量核减下一年度配额"},
]  # fmt: skip

COMPLIANCE_TARGETS = [
    {"year": 2025, "share_pct": "95", "by_date": "2026-12-15",
     "description": "演示目标：12月15日前95%的重点排放单位完成清缴 / demo target"},
]  # fmt: skip
