# ruff: noqa: E501 (Chinese texts, one a line)
"""The demo's annual reports and quality control plans in words and figures: what reviewers
find wrong, what enterprises explain, what the plans say, and the output intensities of the other
key industries. Written as an enterprise or a provincial department would write them."""

from reporting.models import PlanSection

# What a reviewer finds wrong in a returned report: the item, by how much it was off, and the
# comment quoting the right figure.
REPORT_MISTAKES = {
    "power": (
        (
            "coal_consumption",
            1.06,
            "年度燃煤消耗量与入炉煤皮带秤年累计量（{value} t）不一致，请核对。",
        ),
        ("power_supplied", 1.05, "年度供电量与关口表计量的上网电量（{value} MWh）不一致，请核对。"),
    ),
    "cement": (
        ("clinker_quantity", 1.05, "熟料年产量与生产统计年报（{value} t）不一致，请核对。"),
    ),
    "steel": (("coke_consumption", 0.94, "焦炭年消耗量与进出库台账（{value} t）不一致，请核对。"),),
    "aluminium": (("aluminium_output", 0.96, "原铝年产量与出铝记录（{value} t）不一致，请核对。"),),
    "other": (
        ("main_output", 1.08, "主营产品产量与统计年报（{value}）不一致，请核对。"),
        ("total_emissions", 0.95, "排放总量与排放报告附表合计（{value} tCO2e）不一致，请核对。"),
    ),
}
# Other key industries: tCO2e per unit of their main output (the schema's unit), a range.
INTENSITY = {
    "petrochemical": (0.20, 0.30),
    "chemical": (1.0, 3.0),
    "flat_glass": (0.030, 0.040),
    "copper": (0.4, 0.8),
    "paper": (0.6, 1.1),
    "aviation": (8.5, 10.0),
}
GRID_T_PER_MWH = 0.5703
MONTHS_NOTE = "{months}月数据未在本平台存证，年度数据依据生产台账、计量记录和检测报告汇总填报。"
RECONCILIATION_NOTE = "年度数据依据年末盘点和检测报告确定，与各月存证数据合计的差异已逐项核实。"
RANGE_NOTE = "已核对原始记录和检测报告，数据无误。"

BOUNDARY = {
    "power": "以{name}厂界为核算边界，包括全部发电机组（锅炉、汽轮机、发电机）及脱硫、脱硝等辅助生产系统；不包括厂区外的燃料运输和非生产性生活设施。",
    "cement": "以{name}厂界为核算边界，包括熟料生产线（生料制备、窑头窑尾燃烧系统）和水泥粉磨系统；不包括矿山开采和厂外运输。",
    "steel": "以{name}厂界为核算边界，包括焦化、烧结、炼铁、炼钢、轧钢工序及厂内辅助系统；不包括厂外运输。",
    "aluminium": "以{name}厂界为核算边界，包括电解系列、阳极组装和铸造车间及厂内辅助系统；阳极为外购。",
}
PARAMETERS = {
    "power": "燃煤消耗量：入炉煤皮带秤计量，精度0.5级，每月校验；低位发热量：每日入炉煤采样，按GB/T 213检测，月度加权平均；单位热值含碳量：每日采样、每月缩分混合样送有资质的检测机构按GB/T 476检测；碳氧化率：按飞灰和炉渣含碳量每月计算；发电量、供电量：关口电能表计量。",
    "cement": "熟料产量：生产月报和盘库数据；入窑燃煤量：皮带秤计量，每月校验；燃煤低位发热量和含碳量：每批次采样，月度混合样送检；熟料排放因子：按熟料中氧化钙和氧化镁含量每月测定。",
    "steel": "焦炭、喷吹煤消耗量：进出库台账和皮带秤计量；低位发热量和含碳量：每批次采样，月度加权平均；石灰石、白云石消耗量：原料消耗月报；铁水和粗钢产量：生产统计月报和称重记录。",
    "aluminium": "净阳极消耗量：阳极组装台账和残极称重；阳极排放因子：按阳极含碳量每批次测定；阳极效应全氟化碳排放：按阳极效应系数和持续时间计算；原铝产量：出铝称重记录。",
}
RESPONSIBILITIES = "由{contact}牵头负责碳排放数据质量管理；生产部门负责活动数据记录，化验室负责燃料和原料检测，计划部门负责数据汇总、月度存证和年度报告，档案室负责原始记录归档，保存期限不少于五年。"
QA_QC = "月度数据经记录人、审核人两级核对后存证；计量器具按检定周期检定或校准；每季度开展一次内部数据核查，每年开展一次内部审核；数据缺失时按保守原则选取替代值并书面说明。"
FACILITIES_FALLBACK = "主要排放设施见本单位设施清单。"
# What a reviewer finds missing in a returned plan: the section (cut short) and the comment.
PLAN_MISTAKES = (
    (
        PlanSection.PARAMETERS,
        "参数监测方法只写了第一项，请补全其余参数的监测方法、频次和检测标准。",
    ),
    (PlanSection.QA_QC, "质量保证措施不完整，请补充内部核查安排和数据缺失时的处理方法。"),
)
