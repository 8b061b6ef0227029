"""The registry's export of surrenders imported for a compliance year (.xlsx, all or nothing),
and the columns of its import template: the sheet read and its header matched, each cell
checked, each row checked against the register, the settlements and the other rows. Any error
rejects the file with every error by row and column; merged cells reject the file as a whole.
The accepted rows are written as typed-in surrenders are (quotas.surrenders).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import scoping
from core.errors import ImportFileRejected
from core.models import AuditAction
from core.xlsx import (
    MAX_DATA_ROWS,
    NotANumber,
    cell_date,
    cell_number,
    check_file,
    check_merged_cells,
    check_row_limit,
    data_sheet,
    header_titles,
    read_workbook,
    shown_cell,
)
from quotas.models import Settlement, Surrender, SurrenderKind
from quotas.settlement_access import require_province_staff
from quotas.surrenders import Tally, add_surrender, surrender_refusals, tallies_of
from units.imports.errors import ImportRejected, RowError
from units.models import Enterprise, Province


@dataclass(frozen=True)
class ImportColumn:
    key: str
    zh: str
    en: str
    help_zh: str
    help_en: str
    width: int = 16


SURRENDER_SHEET = "清缴记录"
SURRENDER_COLUMNS = (
    ImportColumn("uscc", "统一社会信用代码", "Unified social credit code",
                 "重点排放单位的18位统一社会信用代码。", "The unit's 18-character code.", 24),
    ImportColumn("name", "单位名称", "Name", "单位名称，仅供核对，不导入。",
                 "The unit's name, for reading only; not imported.", 34),
    ImportColumn("kind", "类型", "Kind", "配额或CCER。", "配额 (allowances) or CCER.", 10),
    ImportColumn("vintage", "年份", "Vintage",
                 "配额的年度（不晚于履约年度）；CCER可不填。",
                 "The allowances' vintage (not later than the compliance year); optional for CCER.",
                 10),
    ImportColumn("quantity", "数量", "Quantity (t)", "清缴数量，整吨。",
                 "Tonnes surrendered, whole tonnes.", 14),
    ImportColumn("date", "日期", "Date", "清缴日期，如 2026-11-20。",
                 "Date of surrender, e.g. 2026-11-20.", 14),
    ImportColumn("reference", "登记编号", "Registry reference",
                 "注册登记系统的业务编号，不得重复。", "The registry's reference; unique.", 22),
)  # fmt: skip
COLUMN_TITLES = {column.key: column.zh for column in SURRENDER_COLUMNS}
FIELD_COLUMNS = {
    "kind": "kind",
    "vintage": "vintage",
    "quantity": "quantity",
    "surrendered_on": "date",
    "registry_reference": "reference",
}
KIND_ALIASES = {
    "配额": SurrenderKind.ALLOWANCE,
    "碳排放配额": SurrenderKind.ALLOWANCE,
    "allowance": SurrenderKind.ALLOWANCE,
    "allowances": SurrenderKind.ALLOWANCE,
    "cea": SurrenderKind.ALLOWANCE,
    "ccer": SurrenderKind.CCER,
    "国家核证自愿减排量": SurrenderKind.CCER,
}
REFERENCE_MAX_LENGTH = 100


@dataclass(frozen=True)
class _SheetRow:
    number: int
    cells: dict[str, tuple[Any, bool]]  # column key -> (value, is a formula)


@dataclass
class _ParsedRow:
    number: int
    uscc: str
    kind: str = ""
    vintage: int | None = None
    quantity: Decimal | None = None
    on: date | None = None
    reference: str = ""


@dataclass(frozen=True)
class ImportResult:
    surrenders: int
    settled: int


def _column_key(title: str) -> str | None:
    """The column a header names; an explanation in brackets (类型(配额/CCER)) is allowed."""
    bare = title.split("（")[0].split("(")[0].strip()
    return next((column.key for column in SURRENDER_COLUMNS if column.zh == bare), None)


def _read_surrender_rows(uploaded_file: UploadedFile) -> list[_SheetRow]:
    """The data rows of the registry's export: file checks, header match, merged cells refused."""
    check_file(uploaded_file)

    def read_sheet(workbook) -> list[_SheetRow]:
        sheet = data_sheet(workbook, SURRENDER_SHEET)
        rows = _sheet_rows(sheet, _match_header(header_titles(sheet)))
        check_merged_cells(sheet)
        return rows

    return read_workbook(uploaded_file, read_sheet)


def _match_header(titles: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, title in enumerate(titles):
        key = _column_key(title)
        if key is not None:
            positions.setdefault(key, index)
    missing = [column.zh for column in SURRENDER_COLUMNS if column.key not in positions]
    missing = [name for name in missing if name != COLUMN_TITLES["name"]]
    if missing:
        raise ImportFileRejected(
            _("The header row does not match the template (missing columns: %(names)s). Download "
              "the template and copy your data into it.") % {"names": "、".join(missing)}
        )  # fmt: skip
    return positions


def _sheet_rows(sheet, positions: dict[str, int]) -> list[_SheetRow]:
    width = max(positions.values()) + 1
    rows: list[_SheetRow] = []
    for number, line in enumerate(sheet.iter_rows(min_row=2, max_col=width), start=2):
        cells = {
            key: (line[index].value, line[index].data_type == "f")
            if index < len(line)
            else (None, False)
            for key, index in positions.items()
        }
        if all(value is None or str(value).strip() == "" for value, _f in cells.values()):
            continue
        check_row_limit(rows, MAX_DATA_ROWS)
        rows.append(_SheetRow(number, cells))
    return rows


def _parse_row(row: _SheetRow, errors: list[RowError]) -> _ParsedRow:
    """The row's values, each cell checked; errors name the row and the column."""

    def fail(key: str, message: str) -> None:
        shown = shown_cell(row.cells[key][0])
        errors.append(RowError(row.number, COLUMN_TITLES[key], shown, message))

    for key, (_value, is_formula) in row.cells.items():
        if is_formula:
            fail(key, _("Formulas are not accepted: enter the value itself."))
    value = {key: cell[0] for key, cell in row.cells.items() if not cell[1]}
    parsed = _ParsedRow(row.number, str(value.get("uscc") or "").replace(" ", "").upper())
    if "uscc" in value and not parsed.uscc:
        fail("uscc", _("Fill in the unified social credit code."))
    kind = str(value.get("kind") or "").strip()
    parsed.kind = KIND_ALIASES.get(kind.casefold(), "")
    if "kind" in value and not parsed.kind:
        fail("kind", _("Enter 配额 (allowances) or CCER."))
    for key in ("vintage", "quantity"):
        if key not in value:
            continue
        text = value[key].removesuffix("年") if isinstance(value[key], str) else value[key]
        try:
            number = cell_number(text)
        except NotANumber as reason:
            fail(key, str(reason))
            continue
        if number is None:
            if key == "quantity" or parsed.kind == SurrenderKind.ALLOWANCE:
                fail(key, _("This cell is required."))
        elif number != number.to_integral_value() or number < 1:
            fail(key, _("Enter a whole number, at least 1."))
        elif key == "vintage":
            parsed.vintage = int(number)
        else:
            parsed.quantity = Decimal(int(number))
    if "date" in value:
        parsed.on = cell_date(value["date"])
        if parsed.on is None:
            fail("date", _("Enter a date, e.g. 2026-11-20."))
    if "reference" in value:
        parsed.reference = str(value["reference"] or "").strip()
        if not parsed.reference:
            fail("reference", _("Fill in the registry reference."))
        elif len(parsed.reference) > REFERENCE_MAX_LENGTH:
            fail("reference", _("At most %(limit)d characters are allowed.")
                 % {"limit": REFERENCE_MAX_LENGTH})  # fmt: skip
    return parsed


def _import_errors(
    rows: list[_ParsedRow],
    *,
    province: Province,
    year: int,
    sheet_rows: dict[int, _SheetRow],
    bad_rows: set[int],
) -> tuple[list[RowError], list[tuple[_ParsedRow, Tally]]]:
    """The rows checked against the register, the settlements and each other. A row with a bad
    cell still has its code and reference checked, but is not weighed against the obligation."""
    errors: list[RowError] = []
    enterprises = {
        e.uscc: e
        for e in Enterprise.objects.filter(uscc__in={row.uscc for row in rows}).select_related(
            "province"
        )
    }
    settlements = list(
        Settlement.objects.select_for_update(of=("self",))
        .select_related("enterprise__province")
        .filter(enterprise__province=province, year=year)
        .filter(enterprise__uscc__in={row.uscc for row in rows})
    )
    tallies = {tally.settlement.enterprise_id: tally for tally in tallies_of(settlements).values()}
    taken = set(
        Surrender.objects.filter(
            registry_reference__in={row.reference for row in rows if row.reference}
        ).values_list("registry_reference", flat=True)
    )
    seen: dict[str, int] = {}
    accepted = []

    def fail(row: _ParsedRow, key: str, message: str) -> None:
        shown = shown_cell(sheet_rows[row.number].cells[key][0])
        errors.append(RowError(row.number, COLUMN_TITLES[key], shown, message))

    for row in rows:
        errors_before = len(errors)
        enterprise = enterprises.get(row.uscc)
        tally = tallies.get(enterprise.pk) if enterprise else None
        if not row.uscc:
            pass  # its own error is listed already
        elif enterprise is None:
            fail(row, "uscc", _("No key emission unit has this code."))
        elif enterprise.province_id != province.pk:
            fail(row, "uscc", _("This unit is registered in another province (%(province)s).")
                 % {"province": enterprise.province.name_zh})  # fmt: skip
        elif tally is None:
            fail(row, "uscc", _("This unit has no settlement for %(year)d: open the settlements "
                                "first.") % {"year": year})  # fmt: skip
        first = seen.setdefault(row.reference, row.number) if row.reference else row.number
        if row.reference in taken:
            fail(row, "reference", _("This registry reference is recorded already."))
        elif first != row.number:
            fail(row, "reference", _("The same registry reference is in row %(row)d.")
                 % {"row": first})  # fmt: skip
        if tally is None or row.number in bad_rows:
            continue
        refusals = surrender_refusals(
            tally, kind=row.kind, quantity=row.quantity, vintage=row.vintage, on=row.on
        )
        for field_name, message in refusals:
            fail(row, FIELD_COLUMNS[field_name], message)
        if len(errors) == errors_before:
            tally.add(row.kind, row.quantity, row.on)
            accepted.append((row, tally))
    return errors, accepted


@transaction.atomic
def import_surrenders(
    *, actor: scoping.Actor, province: Province, year: int, uploaded_file: UploadedFile
) -> ImportResult:
    """Import the registry's export of surrenders for a compliance year, all or nothing.

    The sheet (named 清缴记录, else the first sheet) has a header row and one surrender per row:
    统一社会信用代码 (the unit's code), 单位名称 (its name, for reading only), 类型 (配额 or CCER),
    年份 (the allowances' vintage, at most the compliance year; optional for CCER), 数量 (whole
    tonnes), 日期 (date of surrender) and 登记编号 (the registry's reference, unique). A header may
    carry an explanation in brackets, e.g. 类型(配额/CCER). Any error (unknown code, another
    province's unit, a bad number or date, a later vintage, CCER over the limit, more than the
    obligation, a repeated reference, a formula) rejects the file with every error by row and
    column; merged cells reject the file as a whole.
    """
    require_province_staff(actor, province)
    sheet_rows = _read_surrender_rows(uploaded_file)
    errors: list[RowError] = []
    parsed = [_parse_row(row, errors) for row in sheet_rows]
    checked, accepted = _import_errors(
        parsed,
        province=province,
        year=year,
        sheet_rows={row.number: row for row in sheet_rows},
        bad_rows={error.row for error in errors},
    )
    errors = sorted([*errors, *checked], key=lambda error: error.row)
    if errors:
        raise ImportRejected(errors)
    # The tallies were advanced while checking; writing starts again from what is stored.
    touched = list({tally.settlement.pk: tally.settlement for _row, tally in accepted}.values())
    tallies = tallies_of(touched)
    for row, tally in accepted:
        add_surrender(
            actor,
            tallies[tally.settlement.pk],
            action=AuditAction.IMPORT,
            kind=row.kind,
            quantity=row.quantity,
            vintage=row.vintage if row.kind == SurrenderKind.ALLOWANCE else None,
            surrendered_on=row.on,
            registry_reference=row.reference,
        )
    settled = sum(1 for tally in tallies.values() if tally.covered)
    return ImportResult(len(accepted), settled)
