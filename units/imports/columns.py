"""The template's layout: sheet names, the columns with their labels and help, the choice labels.

The template writer, the reader and the row parser all take the file's shape from here, so a
column is added or renamed in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import translation

from units.models import EnterpriseStatus, Sector

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATA_SHEET = "重点排放单位"
INSTRUCTIONS_SHEET = "填写说明"
CODES_SHEET = "行业代码"

SECTOR_LABELS_ZH = {
    Sector.POWER: "发电",
    Sector.STEEL: "钢铁",
    Sector.CEMENT: "水泥",
    Sector.ALUMINIUM: "铝冶炼",
    Sector.PETROCHEMICAL: "石化",
    Sector.CHEMICAL: "化工",
    Sector.FLAT_GLASS: "平板玻璃",
    Sector.COPPER: "铜冶炼",
    Sector.PAPER: "造纸",
    Sector.AVIATION: "民航",
}
STATUS_LABELS_ZH = {
    EnterpriseStatus.ACTIVE: "在运",
    EnterpriseStatus.CLOSED: "关停",
    EnterpriseStatus.MERGED: "合并",
}
YES_NO = {"是": True, "否": False, "yes": True, "no": False, "y": True, "n": False}


def _aliases(labels_zh: dict[Any, str]) -> dict[str, str]:
    """Accept the Chinese label, the stored key or the English label (any case) for a choice."""
    aliases: dict[str, str] = {}
    with translation.override("en"):
        for choice, label_zh in labels_zh.items():
            aliases[label_zh] = aliases[choice.value] = choice.value
            aliases[str(choice.label).casefold()] = choice.value
    return aliases


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    help_zh: str
    help_en: str
    required: bool = False
    width: int = 18


COLUMNS = (
    Column(
        "uscc", "统一社会信用代码", "Unified social credit code",
        "18位代码，按 GB 32100 校验位检查；小写字母和空格会自动规范化。",
        "18 characters, checked against the GB 32100 check character; lower case and spaces are "
        "normalised.",
        required=True, width=24,
    ),
    Column(
        "name_zh", "单位名称", "Name",
        "营业执照上的单位全称，最多200字。", "Full registered name, at most 200 characters.",
        required=True, width=36,
    ),
    Column("name_en", "英文名称", "English name", "选填，最多300个字符。",
           "Optional, at most 300 characters.", width=30),
    Column(
        "city", "地市", "City",
        "选填；本省已登记的地市中文名称（如“济南市”）。限定地市的用户只能导入本地市的单位。",
        "Optional; the Chinese name of a city of the importing province (e.g. 济南市). Users bound "
        "to one city may only import units of that city.",
        width=14,
    ),
    Column(
        "industry_code", "行业代码", "Industry code",
        "GB/T 4754-2017 四位行业代码，见“行业代码”表。",
        "Four-digit GB/T 4754-2017 code; see the sheet 行业代码.",
        required=True, width=12,
    ),
    Column(
        "sector", "行业类别", "Sector",
        "选填；行业代码属于多个行业类别时（如 2614 属于石化和化工）必填。",
        "Optional; required when the industry code belongs to several sectors (2614: petrochemical "
        "and chemical).",
        width=12,
    ),
    Column("status", "状态", "Status", "在运、关停或合并；默认在运。",
           "在运 (active), 关停 (closed) or 合并 (merged); default 在运.", width=10),
    Column("address", "地址", "Address", "选填，最多300字。", "Optional, at most 300 characters.",
           width=36),
    Column("contact_name", "联系人", "Contact person", "选填，最多100字。",
           "Optional, at most 100 characters.", width=12),
    Column("contact_phone", "联系电话", "Contact phone", "选填，请按文本填写，最多50个字符。",
           "Optional, entered as text, at most 50 characters.", width=16),
    Column("contact_email", "联系邮箱", "Contact e-mail", "选填；有效的电子邮箱地址。",
           "Optional; a valid e-mail address.", width=24),
    Column(
        "is_in_pilot_market", "是否试点市场", "In a pilot market",
        "是或否；默认否。同时纳入地方试点碳市场的单位填“是”。",
        "是 (yes) or 否 (no); default 否. 是 if the unit is also covered by a regional pilot "
        "market.",
        width=12,
    ),
)  # fmt: skip
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
