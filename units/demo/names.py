"""The words demo names are made of: places, groups, name patterns, people, organisation codes."""

from __future__ import annotations

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
