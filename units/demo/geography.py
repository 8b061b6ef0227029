"""The demo's geography: cities of each province and the province/city records names draw on."""

from __future__ import annotations

from dataclasses import dataclass

from units.reference_data import PROVINCES

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
