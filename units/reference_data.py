"""Reference data loaded by data migration: the 32 tenants and the covered industries.

Sources: GB/T 2260 province codes; domain-facts §11 for the GB/T 4754-2017 industry codes of each
MEE sector. The Xinjiang Production and Construction Corps has no GB/T 2260 code of its own; 660000
is the code national statistical and registry systems conventionally use for it.
"""

PROVINCES = [
    ("110000", "北京市", "北京", "Beijing"),
    ("120000", "天津市", "天津", "Tianjin"),
    ("130000", "河北省", "河北", "Hebei"),
    ("140000", "山西省", "山西", "Shanxi"),
    ("150000", "内蒙古自治区", "内蒙古", "Inner Mongolia"),
    ("210000", "辽宁省", "辽宁", "Liaoning"),
    ("220000", "吉林省", "吉林", "Jilin"),
    ("230000", "黑龙江省", "黑龙江", "Heilongjiang"),
    ("310000", "上海市", "上海", "Shanghai"),
    ("320000", "江苏省", "江苏", "Jiangsu"),
    ("330000", "浙江省", "浙江", "Zhejiang"),
    ("340000", "安徽省", "安徽", "Anhui"),
    ("350000", "福建省", "福建", "Fujian"),
    ("360000", "江西省", "江西", "Jiangxi"),
    ("370000", "山东省", "山东", "Shandong"),
    ("410000", "河南省", "河南", "Henan"),
    ("420000", "湖北省", "湖北", "Hubei"),
    ("430000", "湖南省", "湖南", "Hunan"),
    ("440000", "广东省", "广东", "Guangdong"),
    ("450000", "广西壮族自治区", "广西", "Guangxi"),
    ("460000", "海南省", "海南", "Hainan"),
    ("500000", "重庆市", "重庆", "Chongqing"),
    ("510000", "四川省", "四川", "Sichuan"),
    ("520000", "贵州省", "贵州", "Guizhou"),
    ("530000", "云南省", "云南", "Yunnan"),
    ("540000", "西藏自治区", "西藏", "Xizang (Tibet)"),
    ("610000", "陕西省", "陕西", "Shaanxi"),
    ("620000", "甘肃省", "甘肃", "Gansu"),
    ("630000", "青海省", "青海", "Qinghai"),
    ("640000", "宁夏回族自治区", "宁夏", "Ningxia"),
    ("650000", "新疆维吾尔自治区", "新疆", "Xinjiang"),
    ("660000", "新疆生产建设兵团", "兵团", "Xinjiang Production and Construction Corps"),
]

# (code, sector, in the trading market, Chinese name, English name)
INDUSTRIES = [
    ("4411", "power", True, "火力发电", "Thermal power generation"),
    ("4412", "power", True, "热电联产", "Combined heat and power"),
    ("4417", "power", True, "生物质能发电", "Biomass power generation"),
    ("4419", "power", True, "其他电力生产", "Other power generation"),
    ("3110", "steel", True, "炼铁", "Iron making"),
    ("3120", "steel", True, "炼钢", "Steel making"),
    ("3011", "cement", True, "水泥制造", "Cement manufacturing"),
    ("3216", "aluminium", True, "铝冶炼", "Aluminium smelting"),
    ("2511", "petrochemical", False, "原油加工及石油制品制造", "Crude oil refining"),
    ("2614", "petrochemical", False, "有机化学原料制造（乙烯）", "Organic chemicals (ethylene)"),
    ("2614", "chemical", False, "有机化学原料制造（甲醇）", "Organic chemicals (methanol)"),
    (
        "2619",
        "chemical",
        False,
        "其他基础化学原料制造（电石）",
        "Other basic chemicals (calcium carbide)",
    ),
    ("2621", "chemical", False, "氮肥制造（合成氨）", "Nitrogen fertiliser (synthetic ammonia)"),
    ("3041", "flat_glass", False, "平板玻璃制造", "Flat glass manufacturing"),
    ("3211", "copper", False, "铜冶炼", "Copper smelting"),
    ("2211", "paper", False, "木竹浆制造", "Wood and bamboo pulp"),
    ("2212", "paper", False, "非木竹浆制造", "Non-wood pulp"),
    ("2221", "paper", False, "机制纸及纸板制造", "Machine-made paper and paperboard"),
    ("5611", "aviation", False, "航空旅客运输", "Passenger air transport"),
    ("5612", "aviation", False, "航空货物运输", "Air cargo transport"),
    ("5631", "aviation", False, "机场", "Airports"),
]
