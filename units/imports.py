"""Excel import of key emission units: the template, the all-or-nothing import, the error report.

The uploaded file is untrusted: its size and type are checked before it is parsed, formulas are
refused rather than evaluated, and every row is validated before anything is written, so a bureau
gets one complete list of what to fix and the registry never holds half a file.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from accounts import scoping
from core import audit
from core.errors import DomainError, PermissionDenied
from core.models import AuditAction
from units import uscc
from units.models import City, Enterprise, EnterpriseStatus, Industry, Province, Sector
from units.services import ENTERPRISE_FIELDS
from units.validators import uscc_error_message

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATA_SHEET = "重点排放单位"
INSTRUCTIONS_SHEET = "填写说明"
CODES_SHEET = "行业代码"
# A bound on the work one request does (and on a decompression bomb): larger lists are split.
MAX_DATA_ROWS = 10_000
MAX_HEADER_COLUMNS = 50
BATCH_SIZE = 1000

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


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    message: str


@dataclass(frozen=True)
class ImportResult:
    created: int
    enterprises: list[Enterprise]


class ImportFileRejected(DomainError):
    """The file as a whole cannot be imported (size, type, header, no rows)."""


class ImportRejected(DomainError):
    """Some rows are invalid; `errors` lists every one of them and nothing was saved."""

    def __init__(self, errors: list[RowError]) -> None:
        message = ngettext(
            "The file has %(count)d error; nothing was imported.",
            "The file has %(count)d errors; nothing was imported.",
            len(errors),
        ) % {"count": len(errors)}
        super().__init__(message)
        self.errors = errors


# The template ------------------------------------------------------------------------------


def build_template() -> bytes:
    """The import template: the data sheet, instructions and the valid industry codes."""
    industries = list(Industry.objects.order_by("code", "sector"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    _write_header(sheet)
    _add_validations(sheet, industry_count=len(industries))
    _write_instructions(workbook.create_sheet(INSTRUCTIONS_SHEET))
    _write_industry_codes(workbook.create_sheet(CODES_SHEET), industries)
    return _to_bytes(workbook)


def _write_header(sheet: Worksheet) -> None:
    required_fill = PatternFill("solid", fgColor="FDE9D9")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=f"{column.zh}\n{column.en}")
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.comment = Comment(
            f"{column.help_zh}\n{column.help_en}", "template", height=120, width=260
        )
        if column.required:
            cell.fill = required_fill
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        # Text format keeps long codes and phone numbers from turning into rounded numbers.
        sheet.column_dimensions[letter].number_format = "@"
    sheet.row_dimensions[1].height = 34
    sheet.freeze_panes = "A2"


def _list_validation(sheet: Worksheet, key: str, formula: str, message: str) -> None:
    letter = get_column_letter(list(COLUMN_BY_KEY).index(key) + 1)
    validation = DataValidation(type="list", formula1=formula, allow_blank=True)
    validation.error, validation.errorTitle = message, COLUMN_BY_KEY[key].zh
    validation.showErrorMessage = True
    sheet.add_data_validation(validation)
    validation.add(f"{letter}2:{letter}{MAX_DATA_ROWS + 1}")


def _add_validations(sheet: Worksheet, *, industry_count: int) -> None:
    quoted = '"{}"'.format
    _list_validation(sheet, "status", quoted(",".join(STATUS_LABELS_ZH.values())),
                     "请选择：在运、关停或合并 / Choose 在运, 关停 or 合并.")  # fmt: skip
    _list_validation(sheet, "sector", quoted(",".join(SECTOR_LABELS_ZH.values())),
                     "请从列表中选择行业类别 / Choose a sector from the list.")  # fmt: skip
    _list_validation(sheet, "is_in_pilot_market", quoted("是,否"),
                     "请选择：是或否 / Choose 是 or 否.")  # fmt: skip
    codes = f"'{CODES_SHEET}'!$A$2:$A${industry_count + 1}"
    _list_validation(sheet, "industry_code", codes,
                     "请填写“行业代码”表中的代码 / Use a code of the sheet 行业代码.")  # fmt: skip


def _general_notes() -> list[tuple[str, str]]:
    limit = f"{settings.IMPORT_MAX_UPLOAD_BYTES / (1024 * 1024):g} MB"
    return [
        ("请使用本模板填写，每行一个重点排放单位；不要修改表头，也不要增删列。",
         "Fill in this template, one key emission unit per row; do not change the header row or "
         "add or remove columns."),
        (f"只接受由本模板生成的 .xlsx 文件，文件不超过 {limit}，最多 {MAX_DATA_ROWS} 行。",
         f"Only .xlsx files made from this template are accepted: at most {limit} and "
         f"{MAX_DATA_ROWS} rows."),
        ("导入为全有或全无：只要有一行有错，整个文件都不导入；系统会列出全部错误，并可下载错误报告。",
         "The import is all-or-nothing: if any row has an error, nothing is imported; every error "
         "is listed and can be downloaded as a report."),
        ("请填写数值本身，不接受公式。",
         "Enter values, not formulas: cells with formulas are refused."),
        ("统一社会信用代码全国唯一，已登记的单位不能再次导入。",
         "The unified social credit code is unique nationwide: a registered unit cannot be "
         "imported again."),
        ("标红的列为必填列。", "Columns with red headers are required."),
    ]  # fmt: skip


def _write_instructions(sheet: Worksheet) -> None:
    sheet.append(["填写说明", "Instructions"])
    sheet.append([])
    for note_zh, note_en in _general_notes():
        sheet.append([note_zh, note_en])
    sheet.append([])
    sheet.append(["列名", "Column", "必填 Required", "说明", "Description"])
    header_row = sheet.max_row
    for column in COLUMNS:
        required = "是 yes" if column.required else "否 no"
        sheet.append([column.zh, column.en, required, column.help_zh, column.help_en])
    for row in (1, header_row):
        for cell in sheet[row]:
            cell.font = Font(bold=True)
    for letter, width in zip("ABCDE", (50, 60, 14, 60, 70), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _write_industry_codes(sheet: Worksheet, industries: Sequence[Industry]) -> None:
    sheet.append(
        ["行业代码\nCode", "行业类别\nSector", "行业名称", "Name", "全国碳市场交易\nTraded"]
    )
    for industry in industries:
        sheet.append([
            industry.code,
            SECTOR_LABELS_ZH.get(industry.sector, industry.sector),
            industry.name_zh,
            industry.name_en,
            "是 yes" if industry.is_market_sector else "否 no",
        ])  # fmt: skip
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    for letter, width in zip("ABCDE", (12, 12, 36, 40, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"


def _to_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Reading the file ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    number: int
    cells: dict[str, str]
    formulas: frozenset[str]


def _check_file(uploaded_file: UploadedFile) -> None:
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if uploaded_file.size > limit:
        raise ImportFileRejected(
            _("The file is %(size)s; files of at most %(limit)s are accepted.")
            % {"size": filesizeformat(uploaded_file.size), "limit": filesizeformat(limit)}
        )
    if uploaded_file.size == 0:
        raise ImportFileRejected(_("The file is empty."))
    if not (uploaded_file.name or "").lower().endswith(".xlsx") or not zipfile.is_zipfile(
        uploaded_file
    ):
        raise _not_xlsx()


def _not_xlsx() -> ImportFileRejected:
    return ImportFileRejected(_("Only .xlsx files made from the template are accepted."))


def _read_rows(uploaded_file: UploadedFile) -> list[_Row]:
    uploaded_file.seek(0)
    try:
        workbook = load_workbook(uploaded_file, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl fails in many ways on foreign zips; all mean "not ours"
        raise _not_xlsx() from exc
    try:
        names = workbook.sheetnames
        sheet = workbook[DATA_SHEET] if DATA_SHEET in names else workbook.worksheets[0]
        # Files saved by other tools often declare wrong dimensions; read what is really there.
        sheet.reset_dimensions()
        header = next(sheet.iter_rows(max_row=1, max_col=MAX_HEADER_COLUMNS), ())
        keys = _match_header([cell.value for cell in header])
        rows = _data_rows(sheet, keys)
    finally:
        workbook.close()
    if not rows:
        raise ImportFileRejected(_("The file has no data rows below the header."))
    return rows


def _header_title(value: Any) -> str:
    """The Chinese label: the header's first line, without a required-marker star."""
    lines = str(value if value is not None else "").strip().splitlines()
    return lines[0].strip().strip("*").strip() if lines else ""


def _match_header(values: list[Any]) -> list[str]:
    titles = [_header_title(value) for value in values]
    while titles and not titles[-1]:
        titles.pop()
    known = {column.zh: column.key for column in COLUMNS}
    problems = []
    missing = [column.zh for column in COLUMNS if column.zh not in titles]
    if missing:
        problems.append(_("missing columns: %(names)s") % {"names": "、".join(missing)})
    unknown = [title or _("(blank)") for title in titles if title not in known]
    if unknown:
        problems.append(_("unknown columns: %(names)s") % {"names": "、".join(unknown)})
    repeated = sorted({title for title in titles if title and titles.count(title) > 1})
    if repeated:
        problems.append(_("repeated columns: %(names)s") % {"names": "、".join(repeated)})
    if problems:
        raise ImportFileRejected(
            _("The header row does not match the template (%(problems)s). Download the template "
              "and copy your data into it.") % {"problems": "; ".join(problems)}
        )  # fmt: skip
    return [known[title] for title in titles]


def _data_rows(sheet: Worksheet, keys: list[str]) -> list[_Row]:
    rows: list[_Row] = []
    for number, line in enumerate(sheet.iter_rows(min_row=2, max_col=len(keys)), start=2):
        cells = {key: _cell_text(cell.value) for key, cell in zip(keys, line, strict=False)}
        if not any(cells.values()):
            continue
        if len(rows) == MAX_DATA_ROWS:
            raise ImportFileRejected(
                _("The file has more than %(max)d rows; split it into several files.")
                % {"max": MAX_DATA_ROWS}
            )
        formulas = frozenset(
            key for key, cell in zip(keys, line, strict=False) if cell.data_type == "f"
        )
        rows.append(_Row(number=number, cells=cells, formulas=formulas))
    return rows


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


# Validating the rows -------------------------------------------------------------------------


@dataclass
class _Context:
    """Everything the rows are checked against, loaded with one query per kind of thing."""

    actor: scoping.Actor
    province: Province
    cities: dict[str, City]
    industries: dict[str, list[Industry]]
    registered: dict[str, str]
    seen: dict[str, int] = field(default_factory=dict)
    sectors: dict[str, str] = field(default_factory=lambda: _aliases(SECTOR_LABELS_ZH))
    statuses: dict[str, str] = field(default_factory=lambda: _aliases(STATUS_LABELS_ZH))


def _load_context(
    actor: scoping.Actor, province: Province, cities: dict[str, City], rows: list[_Row]
) -> _Context:
    industries: dict[str, list[Industry]] = {}
    for industry in Industry.objects.order_by("sector"):
        industries.setdefault(industry.code, []).append(industry)
    codes = {uscc.normalise(row.cells["uscc"]) for row in rows} - {""}
    return _Context(actor, province, cities, industries, _registered(actor, codes))


def _registered(actor: scoping.Actor, codes: set[str]) -> dict[str, str]:
    """Codes already registered anywhere, with the unit's name only where the actor may see it."""
    # order_by(): the model's default ordering would join the province for nothing.
    registered = Enterprise.objects.filter(uscc__in=codes).order_by()
    taken = set(registered.values_list("uscc", flat=True))
    if not taken:
        return {}
    names = dict(scoping.visible(actor, registered).values_list("uscc", "name_zh"))
    return {code: names.get(code, "") for code in taken}


class _RowParser:
    """Checks one row, collecting every error instead of stopping at the first."""

    def __init__(self, context: _Context, row: _Row) -> None:
        self.context, self.row = context, row
        self.errors: list[RowError] = []

    def parse(self) -> Enterprise | None:
        values = {
            "uscc": self.uscc(),
            "name_zh": self.text("name_zh"),
            "name_en": self.text("name_en"),
            "city": self.city(),
            "industry": self.industry(),
            "status": self.choice("status", self.context.statuses, default=EnterpriseStatus.ACTIVE),
            "address": self.text("address"),
            "contact_name": self.text("contact_name"),
            "contact_phone": self.text("contact_phone"),
            "contact_email": self.email(),
            "is_in_pilot_market": self.pilot(),
        }
        if self.errors:
            return None
        return Enterprise(province=self.context.province, **values)

    def fail(self, key: str, message: str) -> None:
        value = self.row.cells[key]
        self.errors.append(RowError(self.row.number, COLUMN_BY_KEY[key].zh, value, message))

    def cell(self, key: str) -> str:
        value = self.row.cells[key]
        if key in self.row.formulas:
            self.fail(key, _("Formulas are not accepted: enter the value itself."))
            return ""
        if COLUMN_BY_KEY[key].required and not value:
            self.fail(key, _("This cell is required."))
        return value

    def text(self, key: str) -> str:
        value = self.cell(key)
        limit = Enterprise._meta.get_field(key).max_length
        if limit and len(value) > limit:
            self.fail(
                key,
                _("At most %(limit)d characters are allowed; this cell has %(count)d.")
                % {"limit": limit, "count": len(value)},
            )
        return value

    def uscc(self) -> str:
        raw = self.cell("uscc")
        if not raw:
            return ""
        result = uscc.check(raw)
        if not result.is_valid:
            self.fail("uscc", uscc_error_message(result))
            return ""
        first = self.context.seen.setdefault(result.code, self.row.number)
        if first != self.row.number:
            self.fail(
                "uscc",
                _("The code %(code)s appears in rows %(first)d and %(row)d; list a unit once.")
                % {"code": result.code, "first": first, "row": self.row.number},
            )
        elif result.code in self.context.registered:
            self.fail("uscc", self._registered_message(result.code))
        return result.code

    def _registered_message(self, code: str) -> str:
        name = self.context.registered[code]
        if name:
            return _("The code %(code)s is already registered, as %(name)s.") % {
                "code": code,
                "name": name,
            }
        return _("The code %(code)s is already registered.") % {"code": code}

    def city(self) -> City | None:
        name = self.cell("city")
        city = self.context.cities.get(name)
        if name and city is None:
            self.fail(
                "city",
                _("%(city)s is not a city of %(province)s.")
                % {"city": name, "province": self.context.province.name_zh},
            )
        elif not scoping.can_create(
            self.context.actor,
            Enterprise,
            province_id=self.context.province.pk,
            city_id=getattr(city, "pk", None),
        ):
            self.fail("city", _("You may only add key emission units of the city you work for."))
        return city

    def industry(self) -> Industry | None:
        code = self.cell("industry_code")
        sector = self.choice("sector", self.context.sectors, default="")
        candidates = self.context.industries.get(code, [])
        if code and not candidates:
            self.fail(
                "industry_code",
                _("%(code)s is not a known industry code; see the sheet 行业代码.")
                % {"code": code},
            )
        if not candidates or sector is None:
            return None
        return self._one_industry(code, sector, candidates)

    def _one_industry(self, code: str, sector: str, candidates: list[Industry]) -> Industry | None:
        matching = [industry for industry in candidates if not sector or industry.sector == sector]
        labels = "、".join(SECTOR_LABELS_ZH[Sector(industry.sector)] for industry in candidates)
        if not matching:
            self.fail(
                "sector",
                _("Industry code %(code)s belongs to %(sectors)s, not to this sector.")
                % {"code": code, "sectors": labels},
            )
        elif len(matching) > 1:
            self.fail(
                "sector",
                _("Industry code %(code)s belongs to several sectors (%(sectors)s): fill in the "
                  "sector.") % {"code": code, "sectors": labels},
            )  # fmt: skip
        return matching[0] if len(matching) == 1 else None

    def choice(self, key: str, aliases: dict[str, str], *, default: str) -> str | None:
        """The stored value of a choice cell; None (with an error) when it is not a choice."""
        value = self.cell(key)
        if not value:
            return default
        choice = aliases.get(value) or aliases.get(value.casefold())
        if choice is None:
            choices = "、".join(dict.fromkeys(label for label in aliases if not label.isascii()))
            self.fail(key, _("Use one of: %(choices)s.") % {"choices": choices})
        return choice

    def email(self) -> str:
        value = self.text("contact_email")
        try:
            if value:
                validate_email(value)
        except ValidationError:
            self.fail("contact_email", _("This is not a valid e-mail address."))
        return value

    def pilot(self) -> bool:
        value = self.cell("is_in_pilot_market")
        if value and value.casefold() not in YES_NO:
            self.fail("is_in_pilot_market", _("Use 是 (yes) or 否 (no)."))
        return YES_NO.get(value.casefold(), False)


# The import ----------------------------------------------------------------------------------


@transaction.atomic
def import_enterprises(
    *, actor: scoping.Actor, province: Province, uploaded_file: UploadedFile
) -> ImportResult:
    """Register every unit of the file, or none: any invalid row rejects the whole file."""
    _check_file(uploaded_file)
    cities = {city.name_zh: city for city in City.objects.filter(province=province)}
    if not _may_import_into(actor, province, cities.values()):
        raise PermissionDenied(_("You may not add key emission units in this province."))
    rows = _read_rows(uploaded_file)
    context = _load_context(actor, province, cities, rows)
    enterprises, errors = [], []
    for row in rows:
        parser = _RowParser(context, row)
        enterprise = parser.parse()
        errors.extend(parser.errors)
        if enterprise is not None:
            enterprises.append(enterprise)
    if errors:
        raise ImportRejected(errors)
    _save(actor, province, enterprises, filename=uploaded_file.name or "")
    return ImportResult(created=len(enterprises), enterprises=enterprises)


def _may_import_into(actor: scoping.Actor, province: Province, cities: Iterable[City]) -> bool:
    """Whether the actor may add units somewhere in the province (a city-bound user: their city)."""
    return any(
        scoping.can_create(actor, Enterprise, province_id=province.pk, city_id=city_id)
        for city_id in [None, *(city.pk for city in cities)]
    )


def _save(
    actor: scoping.Actor, province: Province, enterprises: list[Enterprise], *, filename: str
) -> None:
    try:
        Enterprise.objects.bulk_create(enterprises, batch_size=BATCH_SIZE)
    except IntegrityError as exc:
        # Only the national USCC uniqueness can fail here: someone registered one meanwhile.
        raise ImportFileRejected(
            _("A unit of this file was registered by someone else during the import; nothing "
              "was imported. Upload the file again to see which.")
        ) from exc  # fmt: skip
    note = f"Excel import: {filename}"
    audit.record_many([
        audit.build(
            actor=actor.user,
            action=AuditAction.IMPORT,
            target=enterprise,
            tenant_code=province.code,
            changes=audit.diff({}, audit.snapshot(enterprise, ENTERPRISE_FIELDS)),
            note=note,
        )
        for enterprise in enterprises
    ])  # fmt: skip


# The error report ----------------------------------------------------------------------------


def error_report(errors: Iterable[RowError]) -> bytes:
    """The rejected rows as an xlsx a bureau can download, fix from, and keep."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "错误报告"
    sheet.append(["行号\nRow", "列\nColumn", "值\nValue", "原因\nReason"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    for number, error in enumerate(errors, start=2):
        sheet.cell(row=number, column=1, value=error.row)
        for column, text in enumerate((error.column, error.value, error.message), start=2):
            cell = sheet.cell(row=number, column=column, value=text)
            # The values came from an uploaded file: keep them text so none runs as a formula.
            cell.data_type = "s"
    for letter, width in zip("ABCD", (8, 20, 30, 80), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    return _to_bytes(workbook)
