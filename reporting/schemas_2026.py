# ruff: noqa: E501 (a table of data, one item a line)
"""The 2026 data item schemas, loaded by data migration.

Power items follow the monthly certification list of domain-facts §6 (sourced); steel, cement and
aluminium items and every plausible range are reconstructions (domain-facts §6 marks them "from
memory") and are demo values until checked against the sector accounting guidelines.
"""

# (code, name_zh, name_en, unit, role, group, required, min, max, evidence)
LAB = ["lab_report"]
METER = ["production_report", "metering_record"]


def fuel(group, zh, en, unit, ncv, carbon, *, required=True):
    return [
        (f"{group}_consumption", f"{zh}消耗量", f"{en} consumption", unit, "fuel_consumption",
         group, required, 0, None, METER),
        (f"{group}_ncv", f"{zh}低位发热量", f"{en} net calorific value", ncv[0], "ncv",
         group, required, ncv[1], ncv[2], LAB),
        (f"{group}_carbon_content", f"{zh}单位热值含碳量", f"{en} carbon content per GJ", "tC/GJ",
         "carbon_content", group, required, carbon[0], carbon[1], LAB),
        (f"{group}_oxidation_rate", f"{zh}碳氧化率", f"{en} oxidation rate", "%", "oxidation_rate",
         group, required, 80, 100, []),
    ]  # fmt: skip


def process(group, zh, en, factor_range, *, activity_unit="t"):
    return [
        (f"{group}_quantity", f"{zh}量", f"{en} quantity", activity_unit, "process_activity",
         group, True, 0, None, METER),
        (f"{group}_factor", f"{zh}排放因子", f"{en} emission factor", "tCO2/t", "process_factor",
         group, True, factor_range[0], factor_range[1], LAB),
    ]  # fmt: skip


def production(code, zh, en, unit, *, required=True, low=0, high=None):
    return (code, zh, en, unit, "production", "", required, low, high, METER)


COAL = ("GJ/t", 10, 32)
GAS = ("GJ/10^4 Nm3", 350, 420)

SCHEMAS = {
    "power": ("power-2022-v1", [
        *fuel("coal", "燃煤", "Coal", "t", COAL, (0.020, 0.033)),
        *fuel("natural_gas", "天然气", "Natural gas", "10^4 Nm3", GAS, (0.0145, 0.0165), required=False),
        production("power_generated", "发电量", "Power generated", "MWh"),
        production("power_supplied", "供电量", "Power supplied", "MWh"),
        production("heat_supplied", "供热量", "Heat supplied", "GJ", required=False),
        production("operating_hours", "运行小时数", "Operating hours", "h", high=744),
        production("load_factor", "负荷（出力）系数", "Load factor", "%", high=100),
        production("purchased_electricity", "购入使用电量", "Purchased electricity used", "MWh", required=False),
    ]),
    "cement": ("cement-2025-v1", [
        *process("clinker", "熟料产", "Clinker", (0.50, 0.56)),
        *fuel("kiln_coal", "窑头窑尾燃煤", "Kiln coal", "t", COAL, (0.020, 0.033)),
        production("cement_output", "水泥产量", "Cement output", "t", required=False),
    ]),
    "steel": ("steel-2025-v1", [
        *fuel("coke", "焦炭", "Coke", "t", ("GJ/t", 25, 31), (0.027, 0.032)),
        *fuel("injection_coal", "喷吹煤", "Injection coal", "t", COAL, (0.020, 0.033)),
        *process("limestone", "石灰石消耗", "Limestone", (0.40, 0.45)),
        *process("dolomite", "白云石消耗", "Dolomite", (0.44, 0.48)),
        production("hot_metal_output", "铁水产量", "Hot metal output", "t"),
        production("crude_steel_output", "粗钢产量", "Crude steel output", "t"),
    ]),
    "aluminium": ("aluminium-2025-v1", [
        *process("anode", "净阳极消耗", "Net anode consumption", (3.3, 3.7)),
        ("pfc_emissions", "阳极效应全氟化碳排放", "PFC emissions from anode effects", "tCO2e",
         "reported_emissions", "pfc", False, 0, None, ["calculation_sheet"]),
        production("aluminium_output", "原铝产量", "Primary aluminium output", "t"),
    ]),
}  # fmt: skip

# Other key industries: the supplementary data report's items (annual).
SUPPLEMENTARY_OUTPUT = {
    "petrochemical": ("原油加工量", "Crude oil processed", "t"),
    "chemical": ("主营产品产量", "Main product output", "t"),
    "flat_glass": ("平板玻璃产量", "Flat glass output", "weight case"),
    "copper": ("粗铜产量", "Blister copper output", "t"),
    "paper": ("纸浆及纸产量", "Pulp and paper output", "t"),
    "aviation": ("运输周转量", "Transport turnover", "10^4 t·km"),
}
for sector, (zh, en, unit) in SUPPLEMENTARY_OUTPUT.items():
    SCHEMAS[sector] = ("supplementary-2026-v1", [
        ("total_emissions", "排放总量", "Total emissions", "tCO2e", "reported_emissions", "total",
         True, 0, None, ["emission_report"]),
        production("main_output", zh, en, unit),
        production("purchased_electricity", "净购入电量", "Net purchased electricity", "MWh", required=False),
    ])  # fmt: skip
