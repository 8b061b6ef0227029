"""Deterministic demo data: key emission units with facilities and three years of emissions.

`plan()` builds the data in memory only (tests compare against it); `seed()` writes whatever is
missing, keyed on the unified social credit code, so running it again is safe and widening the
scale from small to national only adds the rest.

Each province draws from its own random stream (all derived from one fixed seed) and lists its
enterprises in a fixed order, so the small scale is exactly the first 30 units of Shandong and
Guangdong in the national scale. Writes go straight through the ORM with bulk_create: this is
demo data, not a user action, so the services and their audit trail are bypassed on purpose.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.models import Membership, Role
from units import uscc
from units.models import (
    AnnualEmissions,
    City,
    Cooling,
    EmissionsSource,
    Enterprise,
    EnterpriseStatus,
    Facility,
    FacilityCategory,
    Fuel,
    Industry,
    Province,
)
from units.reference_data import PROVINCES
from verification.models import Institution

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

# --- Geography ------------------------------------------------------------------------------

# Prefecture-level cities (districts for the four municipalities, county-level cities for the
# XPCC) with their GB/T 2260 codes. Shandong and Guangdong are complete; elsewhere a few.
CITIES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "110000": (
        ("110105", "朝阳区", "Chaoyang"),
        ("110111", "房山区", "Fangshan"),
        ("110113", "顺义区", "Shunyi"),
        ("110115", "大兴区", "Daxing"),
    ),
    "120000": (
        ("120116", "滨海新区", "Binhai New Area"),
        ("120110", "东丽区", "Dongli"),
        ("120111", "西青区", "Xiqing"),
        ("120113", "北辰区", "Beichen"),
    ),
    "130000": (
        ("130100", "石家庄市", "Shijiazhuang"),
        ("130200", "唐山市", "Tangshan"),
        ("130400", "邯郸市", "Handan"),
        ("130500", "邢台市", "Xingtai"),
        ("130900", "沧州市", "Cangzhou"),
    ),
    "140000": (
        ("140100", "太原市", "Taiyuan"),
        ("140200", "大同市", "Datong"),
        ("140400", "长治市", "Changzhi"),
        ("140600", "朔州市", "Shuozhou"),
        ("141100", "吕梁市", "Lüliang"),
    ),
    "150000": (
        ("150100", "呼和浩特市", "Hohhot"),
        ("150200", "包头市", "Baotou"),
        ("150300", "乌海市", "Wuhai"),
        ("150500", "通辽市", "Tongliao"),
        ("150600", "鄂尔多斯市", "Ordos"),
    ),
    "210000": (
        ("210100", "沈阳市", "Shenyang"),
        ("210200", "大连市", "Dalian"),
        ("210300", "鞍山市", "Anshan"),
        ("210500", "本溪市", "Benxi"),
        ("210800", "营口市", "Yingkou"),
    ),
    "220000": (
        ("220100", "长春市", "Changchun"),
        ("220200", "吉林市", "Jilin"),
        ("220500", "通化市", "Tonghua"),
    ),
    "230000": (
        ("230100", "哈尔滨市", "Harbin"),
        ("230200", "齐齐哈尔市", "Qiqihar"),
        ("230600", "大庆市", "Daqing"),
    ),
    "310000": (
        ("310115", "浦东新区", "Pudong New Area"),
        ("310113", "宝山区", "Baoshan"),
        ("310116", "金山区", "Jinshan"),
        ("310112", "闵行区", "Minhang"),
    ),
    "320000": (
        ("320100", "南京市", "Nanjing"),
        ("320200", "无锡市", "Wuxi"),
        ("320300", "徐州市", "Xuzhou"),
        ("320500", "苏州市", "Suzhou"),
        ("320600", "南通市", "Nantong"),
        ("320900", "盐城市", "Yancheng"),
    ),
    "330000": (
        ("330100", "杭州市", "Hangzhou"),
        ("330200", "宁波市", "Ningbo"),
        ("330400", "嘉兴市", "Jiaxing"),
        ("330500", "湖州市", "Huzhou"),
        ("331000", "台州市", "Taizhou"),
    ),
    "340000": (
        ("340100", "合肥市", "Hefei"),
        ("340200", "芜湖市", "Wuhu"),
        ("340400", "淮南市", "Huainan"),
        ("340500", "马鞍山市", "Ma'anshan"),
        ("340700", "铜陵市", "Tongling"),
    ),
    "350000": (
        ("350100", "福州市", "Fuzhou"),
        ("350200", "厦门市", "Xiamen"),
        ("350400", "三明市", "Sanming"),
        ("350500", "泉州市", "Quanzhou"),
        ("350800", "龙岩市", "Longyan"),
    ),
    "360000": (
        ("360100", "南昌市", "Nanchang"),
        ("360400", "九江市", "Jiujiang"),
        ("360500", "新余市", "Xinyu"),
        ("360700", "赣州市", "Ganzhou"),
    ),
    "370000": (
        ("370100", "济南市", "Jinan"),
        ("370200", "青岛市", "Qingdao"),
        ("370300", "淄博市", "Zibo"),
        ("370400", "枣庄市", "Zaozhuang"),
        ("370500", "东营市", "Dongying"),
        ("370600", "烟台市", "Yantai"),
        ("370700", "潍坊市", "Weifang"),
        ("370800", "济宁市", "Jining"),
        ("370900", "泰安市", "Tai'an"),
        ("371000", "威海市", "Weihai"),
        ("371100", "日照市", "Rizhao"),
        ("371300", "临沂市", "Linyi"),
        ("371400", "德州市", "Dezhou"),
        ("371500", "聊城市", "Liaocheng"),
        ("371600", "滨州市", "Binzhou"),
        ("371700", "菏泽市", "Heze"),
    ),
    "410000": (
        ("410100", "郑州市", "Zhengzhou"),
        ("410300", "洛阳市", "Luoyang"),
        ("410400", "平顶山市", "Pingdingshan"),
        ("410500", "安阳市", "Anyang"),
        ("410800", "焦作市", "Jiaozuo"),
    ),
    "420000": (
        ("420100", "武汉市", "Wuhan"),
        ("420200", "黄石市", "Huangshi"),
        ("420500", "宜昌市", "Yichang"),
        ("420600", "襄阳市", "Xiangyang"),
        ("420700", "鄂州市", "Ezhou"),
    ),
    "430000": (
        ("430100", "长沙市", "Changsha"),
        ("430200", "株洲市", "Zhuzhou"),
        ("430300", "湘潭市", "Xiangtan"),
        ("430600", "岳阳市", "Yueyang"),
        ("431300", "娄底市", "Loudi"),
    ),
    "440000": (
        ("440100", "广州市", "Guangzhou"),
        ("440200", "韶关市", "Shaoguan"),
        ("440300", "深圳市", "Shenzhen"),
        ("440400", "珠海市", "Zhuhai"),
        ("440500", "汕头市", "Shantou"),
        ("440600", "佛山市", "Foshan"),
        ("440700", "江门市", "Jiangmen"),
        ("440800", "湛江市", "Zhanjiang"),
        ("440900", "茂名市", "Maoming"),
        ("441200", "肇庆市", "Zhaoqing"),
        ("441300", "惠州市", "Huizhou"),
        ("441400", "梅州市", "Meizhou"),
        ("441500", "汕尾市", "Shanwei"),
        ("441600", "河源市", "Heyuan"),
        ("441700", "阳江市", "Yangjiang"),
        ("441800", "清远市", "Qingyuan"),
        ("441900", "东莞市", "Dongguan"),
        ("442000", "中山市", "Zhongshan"),
        ("445100", "潮州市", "Chaozhou"),
        ("445200", "揭阳市", "Jieyang"),
        ("445300", "云浮市", "Yunfu"),
    ),
    "450000": (
        ("450100", "南宁市", "Nanning"),
        ("450200", "柳州市", "Liuzhou"),
        ("450600", "防城港市", "Fangchenggang"),
        ("451000", "百色市", "Baise"),
    ),
    "460000": (
        ("460100", "海口市", "Haikou"),
        ("460200", "三亚市", "Sanya"),
        ("460400", "儋州市", "Danzhou"),
    ),
    "500000": (
        ("500101", "万州区", "Wanzhou"),
        ("500102", "涪陵区", "Fuling"),
        ("500112", "渝北区", "Yubei"),
        ("500115", "长寿区", "Changshou"),
    ),
    "510000": (
        ("510100", "成都市", "Chengdu"),
        ("510400", "攀枝花市", "Panzhihua"),
        ("510600", "德阳市", "Deyang"),
        ("511100", "乐山市", "Leshan"),
        ("511500", "宜宾市", "Yibin"),
        ("511700", "达州市", "Dazhou"),
    ),
    "520000": (
        ("520100", "贵阳市", "Guiyang"),
        ("520200", "六盘水市", "Liupanshui"),
        ("520300", "遵义市", "Zunyi"),
        ("520500", "毕节市", "Bijie"),
    ),
    "530000": (
        ("530100", "昆明市", "Kunming"),
        ("530300", "曲靖市", "Qujing"),
        ("530400", "玉溪市", "Yuxi"),
        ("530600", "昭通市", "Zhaotong"),
    ),
    "540000": (
        ("540100", "拉萨市", "Lhasa"),
        ("540200", "日喀则市", "Shigatse"),
        ("540500", "山南市", "Shannan"),
    ),
    "610000": (
        ("610100", "西安市", "Xi'an"),
        ("610200", "铜川市", "Tongchuan"),
        ("610500", "渭南市", "Weinan"),
        ("610600", "延安市", "Yan'an"),
        ("610800", "榆林市", "Yulin"),
    ),
    "620000": (
        ("620100", "兰州市", "Lanzhou"),
        ("620200", "嘉峪关市", "Jiayuguan"),
        ("620300", "金昌市", "Jinchang"),
        ("620400", "白银市", "Baiyin"),
        ("620800", "平凉市", "Pingliang"),
    ),
    "630000": (
        ("630100", "西宁市", "Xining"),
        ("630200", "海东市", "Haidong"),
        ("632800", "海西蒙古族藏族自治州", "Haixi"),
    ),
    "640000": (
        ("640100", "银川市", "Yinchuan"),
        ("640200", "石嘴山市", "Shizuishan"),
        ("640300", "吴忠市", "Wuzhong"),
        ("640500", "中卫市", "Zhongwei"),
    ),
    "650000": (
        ("650100", "乌鲁木齐市", "Ürümqi"),
        ("650200", "克拉玛依市", "Karamay"),
        ("650500", "哈密市", "Hami"),
        ("652300", "昌吉回族自治州", "Changji"),
    ),
    "660000": (
        ("659001", "石河子市", "Shihezi"),
        ("659002", "阿拉尔市", "Aral"),
        ("659003", "图木舒克市", "Tumxuk"),
        ("659004", "五家渠市", "Wujiaqu"),
    ),
}

# Suffixes dropped when a city name appears inside a company name ("济南市" -> "济南").
CITY_SUFFIXES = ("蒙古族藏族自治州", "回族自治州", "新区", "市", "区")

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
# scale has all of them; positions 7, 19 and 26 get the special cases below.
HEAD = (
    *("power", "steel", "power", "cement", "power", "aluminium", "chemical", "power"),
    *("steel", "cement", "power", "petrochemical", "power", "steel", "cement"),
    *("power", "paper", "power", "aluminium", "power", "steel", "cement", "chemical"),
    *("power", "steel", "power", "cement", "flat_glass", "power", "power"),
)
HEAD_CASES = {7: "below", 19: "closed", 26: "merged"}
# Beyond the head, the same cases (plus a unit that dips below only in 2025) at random.
TAIL_CASES = (("closed", 0.015), ("merged", 0.01), ("below", 0.02), ("below_2025", 0.02))

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

# --- Names ----------------------------------------------------------------------------------

# Generic place-like words (not real plant names) with their pinyin.
PLACES = (
    *(("东郊", "Dongjiao"), ("西郊", "Xijiao"), ("南郊", "Nanjiao"), ("北郊", "Beijiao")),
    *(("新港", "Xingang"), ("临港", "Lingang"), ("滨海", "Binhai"), ("经开", "Jingkai")),
    *(("高新", "Gaoxin"), ("石门", "Shimen"), ("龙泉", "Longquan"), ("金山", "Jinshan")),
    *(("白马", "Baima"), ("青石", "Qingshi"), ("红旗", "Hongqi"), ("长岭", "Changling")),
    *(("平原", "Pingyuan"), ("河口", "Hekou"), ("沙岭", "Shaling"), ("凤凰", "Fenghuang")),
    *(("云龙", "Yunlong"), ("清河", "Qinghe"), ("明湖", "Minghu"), ("黄河", "Huanghe")),
    *(("东方", "Dongfang"), ("华阳", "Huayang"), ("宏达", "Hongda"), ("恒源", "Hengyuan")),
    *(("鑫源", "Xinyuan"), ("泰丰", "Taifeng"), ("瑞丰", "Ruifeng"), ("永兴", "Yongxing")),
    *(("隆盛", "Longsheng"), ("裕华", "Yuhua"), ("安泰", "Antai"), ("华兴", "Huaxing")),
    *(("中天", "Zhongtian"), ("天元", "Tianyuan"), ("长城", "Changcheng"), ("新华", "Xinhua")),
    *(("东兴", "Dongxing"), ("盛源", "Shengyuan"), ("宝丰", "Baofeng"), ("金鼎", "Jinding")),
    *(("联合", "Lianhe"), ("三友", "Sanyou"), ("丰源", "Fengyuan"), ("润丰", "Runfeng")),
    *(("昌盛", "Changsheng"), ("荣达", "Rongda"), ("双龙", "Shuanglong"), ("九龙", "Jiulong")),
    *(("三江", "Sanjiang"), ("南湖", "Nanhu"), ("西山", "Xishan"), ("东岳", "Dongyue")),
    *(("海天", "Haitian"), ("鸿运", "Hongyun"), ("祥和", "Xianghe"), ("华泰", "Huatai")),
    *(("利华", "Lihua"), ("金诚", "Jincheng"), ("广源", "Guangyuan"), ("兴隆", "Xinglong")),
)

GROUPS: dict[str, tuple[tuple[str, str], ...]] = {
    "power": (
        *(("华能", "Huaneng"), ("大唐", "Datang"), ("华电", "Huadian"), ("国能", "CHN Energy")),
        *(("国家电投", "SPIC"), ("华润", "China Resources"), ("京能", "Beijing Energy")),
        *(("中煤", "China Coal"), ("国投", "SDIC")),
    ),
    "steel": (
        *(("宝武", "Baowu"), ("河钢", "HBIS"), ("鞍钢", "Ansteel"), ("首钢", "Shougang")),
        *(("沙钢", "Shagang"), ("建龙", "Jianlong"), ("德龙", "Delong"), ("敬业", "Jingye")),
    ),
    "cement": (
        *(("海螺", "Conch"), ("华新", "Huaxin"), ("中联", "China United"), ("冀东", "Jidong")),
        *(("金隅", "BBMG"), ("华润", "China Resources"), ("山水", "Shanshui"), ("红狮", "Hongshi")),
    ),
    "aluminium": (
        *(("中铝", "Chalco"), ("魏桥", "Weiqiao"), ("信发", "Xinfa"), ("东方希望", "East Hope")),
        *(("神火", "Shenhuo"), ("南山", "Nanshan")),
    ),
    "petrochemical": (
        *(("中国石化", "Sinopec"), ("中国石油", "PetroChina"), ("中海油", "CNOOC")),
        *(("恒力", "Hengli"), ("荣盛", "Rongsheng")),
    ),
    "flat_glass": (
        ("信义", "Xinyi"),
        ("旗滨", "Kibing"),
        ("南玻", "CSG"),
        ("台玻", "Taiwan Glass"),
    ),
    "copper": (
        ("江铜", "Jiangxi Copper"),
        ("铜陵有色", "Tongling Nonferrous"),
        ("金川", "Jinchuan"),
    ),
    "paper": (
        *(("晨鸣", "Chenming"), ("太阳", "Sun Paper"), ("玖龙", "Nine Dragons")),
        *(("理文", "Lee & Man"), ("山鹰", "Shanying")),
    ),
}

# (Chinese, English) name patterns per sector, or per industry where a sector mixes kinds.
NAME_TEMPLATES: dict[str, tuple[tuple[str, str], ...]] = {
    "power": (
        (
            "{group}{city}{place}发电有限公司",
            "{group_en} {city_en} {place_en} Power Generation Co., Ltd.",
        ),
        (
            "{group}{city}{place}热电有限公司",
            "{group_en} {city_en} {place_en} Thermal Power Co., Ltd.",
        ),
        ("{group}{city}电力有限公司", "{group_en} {city_en} Electric Power Co., Ltd."),
        ("{province}{place}电力有限公司", "{province_en} {place_en} Electric Power Co., Ltd."),
        ("{city}{place}热电有限责任公司", "{city_en} {place_en} Thermal Power Co., Ltd."),
        ("{city}{place}能源有限公司", "{city_en} {place_en} Energy Co., Ltd."),
    ),
    "steel": (
        ("{group}{city}钢铁有限公司", "{group_en} {city_en} Iron and Steel Co., Ltd."),
        ("{province}{place}钢铁有限公司", "{province_en} {place_en} Iron and Steel Co., Ltd."),
        ("{city}{place}特钢有限公司", "{city_en} {place_en} Special Steel Co., Ltd."),
        ("{city}{place}钢铁集团有限公司", "{city_en} {place_en} Iron and Steel Group Co., Ltd."),
    ),
    "cement": (
        ("{city}{group}水泥有限公司", "{city_en} {group_en} Cement Co., Ltd."),
        ("{group}水泥（{city}）有限公司", "{group_en} Cement ({city_en}) Co., Ltd."),
        ("{province}{place}水泥有限公司", "{province_en} {place_en} Cement Co., Ltd."),
        ("{city}{place}建材有限公司", "{city_en} {place_en} Building Materials Co., Ltd."),
    ),
    "aluminium": (
        ("{group}{city}铝业有限公司", "{group_en} {city_en} Aluminium Co., Ltd."),
        ("{city}{place}铝业有限公司", "{city_en} {place_en} Aluminium Co., Ltd."),
        ("{province}{place}铝电有限公司", "{province_en} {place_en} Aluminium and Power Co., Ltd."),
    ),
    "petrochemical": (
        ("{group}{city}石化有限公司", "{group_en} {city_en} Petrochemical Co., Ltd."),
        ("{group}{city}炼化有限公司", "{group_en} {city_en} Refining and Chemical Co., Ltd."),
        ("{city}{place}石化有限公司", "{city_en} {place_en} Petrochemical Co., Ltd."),
    ),
    "chemical": (
        ("{city}{place}化工有限公司", "{city_en} {place_en} Chemical Co., Ltd."),
        ("{province}{place}化工集团有限公司", "{province_en} {place_en} Chemical Group Co., Ltd."),
        ("{city}{place}煤化工有限公司", "{city_en} {place_en} Coal Chemical Co., Ltd."),
    ),
    "flat_glass": (
        ("{group}玻璃（{city}）有限公司", "{group_en} Glass ({city_en}) Co., Ltd."),
        ("{city}{place}玻璃有限公司", "{city_en} {place_en} Glass Co., Ltd."),
    ),
    "copper": (
        ("{group}{city}铜业有限公司", "{group_en} {city_en} Copper Co., Ltd."),
        ("{city}{place}铜业有限公司", "{city_en} {place_en} Copper Co., Ltd."),
    ),
    "paper": (
        ("{group}纸业（{city}）有限公司", "{group_en} Paper ({city_en}) Co., Ltd."),
        ("{city}{place}纸业有限公司", "{city_en} {place_en} Paper Co., Ltd."),
        ("{province}{place}浆纸有限公司", "{province_en} {place_en} Pulp and Paper Co., Ltd."),
    ),
}

# Where one sector mixes kinds of business, the industry decides the name.
INDUSTRY_NAME_TEMPLATES: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("chemical", "2621"): (
        ("{city}{place}化肥有限公司", "{city_en} {place_en} Fertiliser Co., Ltd."),
        ("{province}{place}化工集团有限公司", "{province_en} {place_en} Chemical Group Co., Ltd."),
    ),
    ("aviation", "5611"): (
        ("{city}{place}航空有限公司", "{city_en} {place_en} Airlines Co., Ltd."),
    ),
    ("aviation", "5612"): (
        ("{province}{place}货运航空有限公司", "{province_en} {place_en} Cargo Airlines Co., Ltd."),
    ),
    ("aviation", "5631"): (
        ("{city}{place}机场有限公司", "{city_en} {place_en} Airport Co., Ltd."),
    ),
}

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗"
GIVEN_NAMES = ("伟", "芳", "敏", "静", "磊", "强", "军", "洋", "勇", "艳", "杰", "涛", "明", "超")
GIVEN_NAMES_2 = ("建华", "国强", "晓东", "海燕", "志刚", "丽娟", "文博", "立新", "春梅", "振宇")

# GB 11714 organisation code check: weights of its first eight characters.
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


# --- Plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CityInfo:
    code: str
    name_zh: str
    name_en: str

    @property
    def short_zh(self) -> str:
        for suffix in CITY_SUFFIXES:
            if self.name_zh.endswith(suffix) and len(self.name_zh) - len(suffix) >= 2:
                return self.name_zh.removesuffix(suffix)
        return self.name_zh


@dataclass(frozen=True)
class ProvinceInfo:
    code: str
    name_zh: str
    short_zh: str
    name_en: str
    cities: tuple[CityInfo, ...]

    @property
    def short_en(self) -> str:
        return self.name_en.split(" (")[0]


PROVINCE_INFO = {
    code: ProvinceInfo(code, name_zh, short_zh, name_en, tuple(CityInfo(*c) for c in CITIES[code]))
    for code, name_zh, short_zh, name_en in PROVINCES
}


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


@dataclass
class _Province:
    """The state of one province's generation: its random stream and what it has used."""

    info: ProvinceInfo
    rng: random.Random
    names: set[str] = field(default_factory=set)
    usccs: set[str] = field(default_factory=set)
    active_by_sector: dict[str, list[str]] = field(default_factory=dict)


def plan(scale: Scale) -> list[EnterpriseSpec]:
    """Every demo enterprise of a scale, in a fixed order, without touching the database."""
    counts = national_counts()
    seeds = _province_seeds()
    if scale == "small":
        return [
            spec
            for code in SMALL_PROVINCES
            for spec in _province_plan(code, counts[code], seeds[code], SMALL_PER_PROVINCE)
        ]
    return [
        spec for code in PROVINCE_INFO for spec in _province_plan(code, counts[code], seeds[code])
    ]


def national_counts() -> dict[str, dict[str, int]]:
    """Units per sector for each province at the national scale."""
    counts: dict[str, dict[str, int]] = {code: {} for code in PROVINCE_WEIGHTS}
    for column, group in enumerate(NATIONAL_TOTALS):
        weights = {code: w[column] for code, w in PROVINCE_WEIGHTS.items()}
        for code, n in _apportion(NATIONAL_TOTALS[group], weights).items():
            counts[code] |= _split(group, code, n)
    return counts


def _split(group: str, province_code: str, n: int) -> dict[str, int]:
    if group == "power":
        return {"power": n}
    if group == "heavy":
        return _apportion(n, HEAVY_SPLIT_BY_PROVINCE.get(province_code, HEAVY_SPLIT))
    return _apportion(n, REPORTING_SPLIT)


def _apportion(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split a total in proportion to weights, largest remainders first (sums exactly)."""
    scale = total / sum(weights.values())
    exact = {key: weight * scale for key, weight in weights.items()}
    shares = {key: int(value) for key, value in exact.items()}
    by_remainder = sorted(exact, key=lambda key: shares[key] - exact[key])
    for key in by_remainder[: total - sum(shares.values())]:
        shares[key] += 1
    return shares


def _province_seeds() -> dict[str, int]:
    master = random.Random(SEED)
    return {code: master.getrandbits(64) for code in PROVINCE_INFO}


def _province_plan(
    code: str, counts: dict[str, int], seed: int, limit: int | None = None
) -> Iterator[EnterpriseSpec]:
    state = _Province(PROVINCE_INFO[code], random.Random(seed))
    sectors = _sector_order(counts, state.rng)
    for index, sector in enumerate(sectors[:limit]):
        yield _enterprise(state, index, sector)


def _sector_order(counts: dict[str, int], rng: random.Random) -> list[str]:
    remaining = dict(counts)
    head = []
    for sector in HEAD:
        if remaining.get(sector, 0) > 0:
            head.append(sector)
            remaining[sector] -= 1
    tail = [sector for sector, n in remaining.items() for _ in range(n)]
    rng.shuffle(tail)
    return head + tail


def _case(state: _Province, index: int, sector: str) -> str:
    case = HEAD_CASES.get(index, "active") if index < len(HEAD) else _tail_case(state.rng)
    if case == "merged" and not state.active_by_sector.get(sector):
        return "closed"
    return case


def _tail_case(rng: random.Random) -> str:
    draw = rng.random()
    for case, probability in TAIL_CASES:
        if draw < probability:
            return case
        draw -= probability
    return "active"


def _enterprise(state: _Province, index: int, sector: str) -> EnterpriseSpec:
    rng = state.rng
    info = state.info
    city = rng.choice(info.cities)
    industry_code = _weighted(rng, INDUSTRY_WEIGHTS[sector])
    case = _case(state, index, sector)
    name_zh, name_en = _name(state, sector, industry_code, city)
    code = _uscc(state, city.code or info.code)
    merged_into = rng.choice(state.active_by_sector[sector]) if case == "merged" else ""
    if case in ("active", "below_2025"):
        state.active_by_sector.setdefault(sector, []).append(code)
    base = _base_emissions(rng, sector)
    return EnterpriseSpec(
        uscc=code,
        name_zh=name_zh,
        name_en=name_en,
        province_code=info.code,
        city_name_zh=city.name_zh,
        sector=sector,
        industry_code=industry_code,
        status={"closed": EnterpriseStatus.CLOSED, "merged": EnterpriseStatus.MERGED}.get(
            case, EnterpriseStatus.ACTIVE
        ),
        address=f"{info.name_zh}{city.name_zh}{rng.choice(PLACES)[0]}路{rng.randint(1, 999)}号",
        contact_name=_person(rng),
        contact_email=f"carbon-{code[-6:].lower()}@example.com",
        is_in_pilot_market=info.code in PILOT_REGIONS and rng.random() < 0.2,
        merged_into_uscc=merged_into,
        facilities=_facilities(
            state, sector, industry_code, SMALL_UNIT_T if case == "below" else base
        ),
        emissions=_emissions(rng, sector, base, case),
    )


def _weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights)[0]


def _name(state: _Province, sector: str, industry_code: str, city: CityInfo) -> tuple[str, str]:
    templates = INDUSTRY_NAME_TEMPLATES.get((sector, industry_code)) or NAME_TEMPLATES[sector]
    groups = GROUPS.get(sector, (("", ""),))
    # A bounded retry: with the fixed seed every province finds free names well within it.
    for _attempt in range(100):
        zh, en = state.rng.choice(templates)
        group, place = state.rng.choice(groups), state.rng.choice(PLACES)
        name_zh = zh.format(
            group=group[0], city=city.short_zh, place=place[0], province=state.info.short_zh
        )
        if name_zh not in state.names:
            state.names.add(name_zh)
            name_en = en.format(
                group_en=group[1],
                city_en=city.name_en,
                place_en=place[1],
                province_en=state.info.short_en,
            )
            return name_zh, name_en
    raise RuntimeError(f"ran out of demo names for {sector} in {state.info.name_en}")


def _uscc(state: _Province, region: str) -> str:
    for _attempt in range(100):
        code = uscc.make(f"91{region}{_organisation_code(state.rng)}")
        if code not in state.usccs:
            state.usccs.add(code)
            return code
    raise RuntimeError(f"ran out of demo codes for {region}")


def _organisation_code(rng: random.Random) -> str:
    """Nine characters as in GB 11714: eight digits (older) or "MA" + six (since 2015), + check."""
    if rng.random() < 0.4:
        stem = "MA" + "".join(rng.choice(ORG_CODE_CHARS) for _ in range(6))
    else:
        stem = "".join(rng.choice("0123456789") for _ in range(8))
    return stem + _organisation_check(stem)


def _organisation_check(stem: str) -> str:
    total = sum(int(char, 36) * weight for char, weight in zip(stem, ORG_CODE_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def _person(rng: random.Random) -> str:
    given = rng.choice(GIVEN_NAMES) if rng.random() < 0.4 else rng.choice(GIVEN_NAMES_2)
    return rng.choice(SURNAMES) + given


def _base_emissions(rng: random.Random, sector: str) -> float:
    median, sigma = EMISSIONS_DISTRIBUTION[sector]
    value = median * rng.lognormvariate(0, sigma)
    return min(max(value, EMISSIONS_FLOOR_T), EMISSIONS_CEILING_T)


def _yearly_direct(rng: random.Random, base: float, case: str) -> list[float]:
    if case == "below":
        # On the list for 2023, then two years under the threshold: a removal candidate.
        return [
            rng.uniform(28_000, 40_000),
            rng.uniform(14_000, 25_000),
            rng.uniform(9_000, 24_000),
        ]
    direct = [base * rng.uniform(0.9, 1.1) for _year in YEARS]
    if case == "below_2025":
        direct[-1] = rng.uniform(12_000, 25_500)
    if case in ("closed", "merged"):
        # Closed or merged during 2025: no report for that year.
        return direct[:-1]
    return direct


def _emissions(
    rng: random.Random, sector: str, base: float, case: str
) -> tuple[EmissionsSpec, ...]:
    share = INDIRECT_SHARE.get(sector, INDIRECT_SHARE_OTHER)
    rows = []
    for year, verified in zip(YEARS, _yearly_direct(rng, base, case), strict=False):
        indirect = verified * share * rng.uniform(0.8, 1.2)
        if year == YEARS[-1]:
            # The latest year is reported first; verification then adjusts it a little.
            reported = verified * rng.uniform(0.97, 1.04)
            rows.append(
                EmissionsSpec(year, EmissionsSource.REPORTED, _tonnes(reported), _tonnes(indirect))
            )
        rows.append(
            EmissionsSpec(year, EmissionsSource.VERIFIED, _tonnes(verified), _tonnes(indirect))
        )
    return tuple(rows)


def _tonnes(value: float) -> Decimal:
    return Decimal(round(value))


def _facilities(
    state: _Province, sector: str, industry_code: str, base: float
) -> tuple[FacilitySpec, ...]:
    if sector == "power":
        return _generating_units(state, base)
    return _lines(state.rng, LINE_KINDS[sector, industry_code], base)


def _generating_units(state: _Province, base: float) -> tuple[FacilitySpec, ...]:
    rng = state.rng
    code = state.info.code
    gas = rng.random() < (0.4 if code in GAS_REGIONS else 0.05)
    sizes, t_per_mw = (GAS_UNIT_MW, GAS_T_PER_MW) if gas else (COAL_UNIT_MW, COAL_T_PER_MW)
    fuel = Fuel.NATURAL_GAS if gas else (Fuel.COAL_GANGUE if rng.random() < 0.08 else Fuel.COAL)
    dry = code in DRY_REGIONS and not gas
    cooling = Cooling.AIR if rng.random() < (0.6 if dry else 0.05) else Cooling.WATER
    count = rng.randint(1, 4)
    size = min(sizes, key=lambda mw: abs(mw - base / t_per_mw / count))
    return tuple(
        FacilitySpec(
            f"{n}号机组",
            FacilityCategory.GENERATING_UNIT,
            Decimal(size),
            "MW",
            fuel,
            cooling,
            _commissioned(rng),
        )
        for n in range(1, count + 1)
    )


def _lines(rng: random.Random, kind: LineKind, base: float) -> tuple[FacilitySpec, ...]:
    count = rng.randint(1, kind.most)
    each = max(kind.step, round(base / kind.t_per_capacity / count / kind.step) * kind.step)
    return tuple(
        FacilitySpec(
            kind.label if kind.most == 1 else f"{n}号{kind.label}",
            kind.category,
            Decimal(each),
            kind.unit,
            kind.fuel,
            Cooling.NOT_APPLICABLE,
            _commissioned(rng),
        )
        for n in range(1, count + 1)
    )


def _commissioned(rng: random.Random) -> date:
    return date(rng.randint(1995, 2022), rng.randint(1, 12), 1)


# --- Writing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    scope: str


@dataclass(frozen=True)
class SeedResult:
    enterprises: int
    facilities: int
    emissions: int
    already_present: int
    logins: tuple[Login, ...]


@transaction.atomic
def seed(scale: Scale) -> SeedResult:
    """Write the demo data of a scale that is not there yet, and the demo logins."""
    specs = plan(scale)
    codes = SMALL_PROVINCES if scale == "small" else tuple(PROVINCE_INFO)
    provinces = {p.code: p for p in Province.objects.filter(code__in=codes)}
    cities = _ensure_cities(provinces)
    existing = set(
        Enterprise.objects.filter(uscc__in=[s.uscc for s in specs]).values_list("uscc", flat=True)
    )
    new = [spec for spec in specs if spec.uscc not in existing]
    enterprises = _create_enterprises(new, provinces, cities)
    _link_mergers(new, enterprises)
    facilities = Facility.objects.bulk_create(
        [_facility(enterprises[s.uscc], f) for s in new for f in s.facilities],
        batch_size=BATCH_SIZE,
    )
    emissions = AnnualEmissions.objects.bulk_create(
        [_emissions_row(enterprises[s.uscc], e) for s in new for e in s.emissions],
        batch_size=BATCH_SIZE,
    )
    return SeedResult(
        enterprises=len(enterprises),
        facilities=len(facilities),
        emissions=len(emissions),
        already_present=len(existing),
        logins=ensure_logins(specs, provinces),
    )


def _ensure_cities(provinces: dict[str, Province]) -> dict[tuple[str, str], City]:
    City.objects.bulk_create(
        [
            City(province=province, code=city.code, name_zh=city.name_zh, name_en=city.name_en)
            for code, province in provinces.items()
            for city in PROVINCE_INFO[code].cities
        ],
        ignore_conflicts=True,  # an existing city of the same name is kept as it is
    )
    rows = City.objects.filter(province__in=provinces.values()).select_related("province")
    return {(city.province.code, city.name_zh): city for city in rows}


def _create_enterprises(
    specs: list[EnterpriseSpec], provinces: dict[str, Province], cities: dict[tuple[str, str], City]
) -> dict[str, Enterprise]:
    industries = {
        (i.sector, i.code): i for i in Industry.objects.filter(standard=INDUSTRY_STANDARD)
    }
    rows = [
        Enterprise(
            uscc=spec.uscc,
            name_zh=spec.name_zh,
            name_en=spec.name_en,
            province=provinces[spec.province_code],
            city=cities[spec.province_code, spec.city_name_zh],
            industry=industries[spec.sector, spec.industry_code],
            status=spec.status,
            address=spec.address,
            contact_name=spec.contact_name,
            contact_email=spec.contact_email,
            is_in_pilot_market=spec.is_in_pilot_market,
        )
        for spec in specs
    ]
    return {e.uscc: e for e in Enterprise.objects.bulk_create(rows, batch_size=BATCH_SIZE)}


def _link_mergers(specs: list[EnterpriseSpec], created: dict[str, Enterprise]) -> None:
    merged = [spec for spec in specs if spec.merged_into_uscc]
    targets = dict(
        Enterprise.objects.filter(uscc__in=[s.merged_into_uscc for s in merged]).values_list(
            "uscc", "pk"
        )
    )
    for spec in merged:
        created[spec.uscc].merged_into_id = targets[spec.merged_into_uscc]
    Enterprise.objects.bulk_update(
        [created[s.uscc] for s in merged], ["merged_into"], batch_size=BATCH_SIZE
    )


def _facility(enterprise: Enterprise, spec: FacilitySpec) -> Facility:
    return Facility(
        enterprise=enterprise,
        name=spec.name,
        category=spec.category,
        capacity=spec.capacity,
        capacity_unit=spec.capacity_unit,
        fuel=spec.fuel,
        cooling=spec.cooling,
        commissioned_on=spec.commissioned_on,
    )


def _emissions_row(enterprise: Enterprise, spec: EmissionsSpec) -> AnnualEmissions:
    return AnnualEmissions(
        enterprise=enterprise,
        year=spec.year,
        source=spec.source,
        direct_emissions=spec.direct,
        indirect_emissions=spec.indirect,
    )


# --- Logins ---------------------------------------------------------------------------------

INSTITUTION = {
    # A public institution (事业单位): registration authority 1, category 2.
    "uscc": uscc.make("12370000" + "49500312" + _organisation_check("49500312")),
    "name_zh": "山东省环科院碳核查技术服务中心",
    "name_en": "Carbon Verification Service Centre, Shandong Academy of Environmental Sciences",
    "qualifications": "温室气体排放核查；发电、钢铁、水泥、电解铝行业技术服务（演示数据）",
    "contact_name": "孙立新",
    "contact_email": "verify@example.com",
}


def ensure_logins(specs: list[EnterpriseSpec], provinces: dict[str, Province]) -> tuple[Login, ...]:
    """The seven demo users; existing ones are updated in place, never duplicated."""
    shandong, guangdong = provinces["370000"], provinces["440000"]
    institution, _created = Institution.objects.update_or_create(
        uscc=INSTITUTION["uscc"], defaults={k: v for k, v in INSTITUTION.items() if k != "uscc"}
    )
    institution.provinces.add(shandong, guangdong)
    ent_shandong = _demo_enterprise(specs, shandong)
    ent_guangdong = _demo_enterprise(specs, guangdong)

    _user("admin", "系统管理员", superuser=True)
    _member("ministry", "生态环境部审核员", Role.MINISTRY_REVIEWER)
    _member("shandong", "山东省生态环境厅经办人", Role.PROVINCIAL_STAFF, province=shandong)
    _member("guangdong", "广东省生态环境厅经办人", Role.PROVINCIAL_STAFF, province=guangdong)
    _member("ent-shandong", ent_shandong.name_zh, Role.ENTERPRISE_USER, enterprise=ent_shandong)
    _member("ent-guangdong", ent_guangdong.name_zh, Role.ENTERPRISE_USER, enterprise=ent_guangdong)
    _member("verifier", institution.name_zh, Role.VERIFIER, institution=institution)
    return (
        Login("admin", "administrator (superuser)", "all provinces"),
        Login("ministry", Role.MINISTRY_REVIEWER, "all provinces, read-only review"),
        Login("shandong", Role.PROVINCIAL_STAFF, shandong.name_zh),
        Login("guangdong", Role.PROVINCIAL_STAFF, guangdong.name_zh),
        Login("ent-shandong", Role.ENTERPRISE_USER, ent_shandong.name_zh),
        Login("ent-guangdong", Role.ENTERPRISE_USER, ent_guangdong.name_zh),
        Login("verifier", Role.VERIFIER, institution.name_zh),
    )


def _demo_enterprise(specs: list[EnterpriseSpec], province: Province) -> Enterprise:
    """The province's first active power unit (always its first unit, so both scales agree)."""
    first = next(
        spec
        for spec in specs
        if spec.province_code == province.code
        and spec.sector == "power"
        and spec.status == EnterpriseStatus.ACTIVE
    )
    return Enterprise.objects.get(uscc=first.uscc)


def _user(username: str, display_name: str, *, superuser: bool = False):
    user, created = get_user_model().objects.update_or_create(
        username=username,
        defaults={
            "first_name": display_name,
            "email": f"{username}@example.com",
            "is_staff": superuser,
            "is_superuser": superuser,
            "is_active": True,
        },
    )
    # Checked rather than reset on every run: resetting would log the demo users out.
    if created or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _member(username: str, display_name: str, role: str, **scope: object) -> None:
    # Every scope field is named so that a narrower membership is not mistaken for this one.
    scope = {"province": None, "city": None, "enterprise": None, "institution": None} | scope
    Membership.objects.get_or_create(user=_user(username, display_name), role=role, **scope)
