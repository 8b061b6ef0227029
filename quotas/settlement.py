"""Settlement (清缴) of a compliance year: the obligations opened from the confirmed verification
and the determined allocation, surrenders recorded by staff or imported from the registry's
export, the close of the year (shortfall cases, fines per the penalty rule, the deduction from
next year's allocation), and the reads: the province's list, one settlement, the compliance
summary table, progress against the interim targets and an enterprise's quota position.

Every write is one transaction, audited, and refused as a whole with errors naming the field
(or the Excel row and column) when any part is wrong. Surrenders typed in and imported go through
the same checks (`_refusals`) and the same write (`_add_surrender`), so both give the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Max, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from accounts import scoping
from core import audit
from core.errors import DomainError, NotFound, PermissionDenied
from core.models import AuditAction, AuditEvent, target_label
from deadlines import services as deadlines
from deadlines.models import Obligation, ObligationKind
from quotas import calculation
from quotas.models import (
    Adjustment,
    AdjustmentKind,
    Allocation,
    AllocationPlan,
    BatchStatus,
    CaseStatus,
    ComplianceTarget,
    PenaltyRule,
    Settlement,
    SettlementStatus,
    ShortfallCase,
    Surrender,
    SurrenderKind,
)
from reporting.excel.reader import _check_merged_cells
from reporting.excel.rows import _as_date, _Number, _number, _shown
from units.imports.errors import ImportFileRejected, ImportRejected, RowError
from units.imports.reader import (
    MAX_DATA_ROWS,
    MAX_HEADER_COLUMNS,
    _check_file,
    _header_title,
    _not_xlsx,
)
from units.models import Enterprise, Facility, Fuel, Province
from verification.models import VerifiedFigures

SETTLEMENT_FIELDS = (
    "verified_emissions",
    "allocated",
    "obligation",
    "cap_rule",
    "due_on",
    "status",
    "settled_on",
)
INPUT_FIELDS = (
    "verified_emissions",
    "allocated",
    "obligation",
    "cap_rule",
    "calculation",
    "due_on",
)
SURRENDER_FIELDS = ("kind", "vintage", "quantity", "surrendered_on", "registry_reference")
CASE_SNAPSHOT = (
    "shortfall",
    "correction_due",
    "average_price",
    "fine_min",
    "fine_max",
    "penalty_decided",
    "deduction",
    "status",
    "note",
)
SETTLED = (SettlementStatus.ON_TIME, SettlementStatus.LATE)
# Surrenders are still accepted while open, and after the close as the ordered correction.
ACCEPTS_SURRENDERS = (SettlementStatus.OPEN, SettlementStatus.NOT_SETTLED)
YUAN = Decimal("0.01")


def tonnes(value: Decimal | int) -> str:
    """Whole tonnes with thousands separators, as the messages and documents show them."""
    return f"{int(value):,}"


def percent(value: Decimal) -> str:
    return format(value.normalize(), "f")


def zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# --- who may act ----------------------------------------------------------------------------------


def _require_province_staff(actor: scoping.Actor, province: Province) -> None:
    """Province-wide work (opening, importing, closing) is for staff of the whole province."""
    if scoping.can_create(actor, Settlement, province_id=province.pk, city_id=None):
        return
    if actor.sees_all_provinces or province.pk in actor.province_ids:
        raise PermissionDenied(_("Only provincial staff of the whole province can do this."))
    raise NotFound("not found")


def _lock(actor: scoping.Actor, settlement: Settlement) -> Settlement:
    queryset = Settlement.objects.select_for_update(of=("self",)).select_related(
        "enterprise__province"
    )
    settlement = scoping.get_visible(actor, queryset, pk=settlement.pk)
    if not scoping.can_change(actor, settlement):
        raise PermissionDenied(_("Only provincial staff record settlements."))
    return settlement


# --- opening the year's settlements ---------------------------------------------------------------


def settlement_rules(plan: AllocationPlan) -> calculation.Rules:
    """What the obligation reads of a plan: the caps, the CCER limit and the rounding."""
    return calculation.Rules(
        method=plan.method,
        benchmarks={},
        gap_cap_pct=plan.gap_cap_pct,
        gas_units_capped=plan.gas_units_capped,
        ccer_limit_pct=plan.ccer_limit_pct,
        rounding_places=plan.rounding_places,
    )


def default_due_on(year: int) -> date:
    """Without a calendar obligation, the notice's date: Dec 31 of the following year."""
    return date(year + 1, 12, 31)


@dataclass(frozen=True)
class OpeningResult:
    created: int
    updated: int
    unchanged: int
    kept_closed: int
    without_allocation: list[str]


def _gas_units(enterprise_ids) -> set[int]:
    """Enterprises every facility of which burns natural gas (the gas-unit rule)."""
    fuels: dict[int, set[str]] = defaultdict(set)
    facilities = Facility.objects.filter(enterprise_id__in=enterprise_ids)
    for enterprise_id, fuel in facilities.values_list("enterprise_id", "fuel"):
        fuels[enterprise_id].add(fuel)
    return {pk for pk, found in fuels.items() if found == {Fuel.NATURAL_GAS}}


def _due_dates(enterprise_ids, year: int) -> dict[int, date]:
    rows = Obligation.objects.filter(
        kind=ObligationKind.SETTLEMENT,
        enterprise_id__in=enterprise_ids,
        period_start=date(year, 1, 1),
    ).values_list("enterprise_id", "due_on")
    return dict(rows)


def _inputs(figures: VerifiedFigures, allocation: Allocation, *, gas_unit: bool, due_on: date):
    rules = settlement_rules(allocation.plan)
    verified = calculation.round_tonnes(figures.emissions, rules.rounding_places)
    obligation = calculation.settlement_obligation(
        rules, verified=verified, allocated=allocation.determined, gas_unit=gas_unit
    )
    return {
        "verified_emissions": verified,
        "allocated": allocation.determined,
        "obligation": obligation.tonnes,
        "cap_rule": obligation.cap_rule,
        "calculation": [line.as_json() for line in obligation.lines],
        "due_on": due_on,
    }


def _same(settlement: Settlement, values: dict) -> bool:
    return all(getattr(settlement, name) == value for name, value in values.items())


@transaction.atomic
def open_settlements(*, actor: scoping.Actor, province: Province, year: int) -> OpeningResult:
    """Open (or bring up to date) the settlement of every enterprise of the province with
    confirmed verified figures and an approved determination of its allocation for the year.

    Running it again changes only open settlements whose inputs changed (a revised verification,
    a new determination, an extended due date); settled and closed ones are never touched.
    """
    _require_province_staff(actor, province)
    figures = {
        row.enterprise_id: row
        for row in VerifiedFigures.objects.filter(enterprise__province=province, year=year)
        .select_related("enterprise")
        .order_by("enterprise__name_zh")
    }
    allocations = {
        row.enterprise_id: row
        for row in Allocation.objects.filter(
            enterprise_id__in=list(figures),
            year=year,
            determined__isnull=False,
            # A draft determination changes with each recalculation: only an approved one
            # sets what the unit owes.
            determination_batch__status=BatchStatus.APPROVED,
        ).select_related("plan")
    }
    ids = list(allocations)
    gas, due = _gas_units(ids), _due_dates(ids, year)
    existing = {
        row.enterprise_id: row
        for row in Settlement.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .filter(enterprise_id__in=ids, year=year)
    }
    created, updated, unchanged, kept = [], [], 0, 0
    for enterprise_id, allocation in allocations.items():
        values = _inputs(
            figures[enterprise_id],
            allocation,
            gas_unit=enterprise_id in gas,
            due_on=due.get(enterprise_id, default_due_on(year)),
        )
        settlement = existing.get(enterprise_id)
        if settlement is None:
            enterprise = figures[enterprise_id].enterprise
            created.append(Settlement(enterprise=enterprise, year=year, **values))
        elif settlement.status != SettlementStatus.OPEN:
            kept += 1
        elif _same(settlement, values):
            unchanged += 1
        else:
            before = audit.snapshot(settlement, SETTLEMENT_FIELDS)
            for name, value in values.items():
                setattr(settlement, name, value)
            updated.append((settlement, before))
    _save_opened(actor, province, created, updated)
    missing = [row.enterprise.name_zh for pk, row in figures.items() if pk not in allocations]
    return OpeningResult(len(created), len(updated), unchanged, kept, missing)


def _save_opened(actor, province, created: list[Settlement], updated: list[tuple]) -> None:
    Settlement.objects.bulk_create(created, batch_size=1000)
    events = [
        audit.build(
            actor=actor.user,
            action=AuditAction.CREATE,
            target=settlement,
            tenant_code=province.code,
            changes=audit.diff({}, audit.snapshot(settlement, SETTLEMENT_FIELDS)),
        )
        for settlement in created
    ]
    if updated:
        Settlement.objects.bulk_update(
            [settlement for settlement, _before in updated], [*INPUT_FIELDS, "updated_at"]
        )
    events += [
        audit.build(
            actor=actor.user,
            action=AuditAction.UPDATE,
            target=settlement,
            tenant_code=province.code,
            changes=audit.diff(before, audit.snapshot(settlement, SETTLEMENT_FIELDS)),
            note=_("Inputs changed: recalculated."),
        )
        for settlement, before in updated
    ]
    audit.record_many(events)
    if updated:
        # A lower obligation (a revised verification) may already be covered.
        tallies = _tallies([settlement for settlement, _before in updated])
        for tally in tallies.values():
            if tally.covered:
                _settle(actor, tally)


# --- surrenders -----------------------------------------------------------------------------------


@dataclass
class Tally:
    """A settlement with what has been surrendered against it so far (updated as rows are
    added, so one file's rows are checked against each other too)."""

    settlement: Settlement
    ccer_limit_pct: Decimal
    total: Decimal = Decimal(0)
    ccer: Decimal = Decimal(0)
    last_on: date | None = None

    @property
    def ccer_allowed(self) -> Decimal:
        return calculation.ccer_allowance(self.settlement.obligation, self.ccer_limit_pct)

    @property
    def remaining(self) -> Decimal:
        return max(self.settlement.obligation - self.total, Decimal(0))

    @property
    def covered(self) -> bool:
        return self.total >= self.settlement.obligation and self.last_on is not None

    def add(self, kind: str, quantity: Decimal, on: date) -> None:
        self.total += quantity
        if kind == SurrenderKind.CCER:
            self.ccer += quantity
        self.last_on = max(self.last_on or on, on)


def _tallies(settlements: list[Settlement]) -> dict[int, Tally]:
    """Each settlement's tally, with the CCER limit of the plan its allocation was made under."""
    by_pk = {settlement.pk: settlement for settlement in settlements}
    limits = {
        (enterprise_id, year): limit
        for enterprise_id, year, limit in Allocation.objects.filter(
            enterprise_id__in={s.enterprise_id for s in settlements},
            year__in={s.year for s in settlements},
        ).values_list("enterprise_id", "year", "plan__ccer_limit_pct")
    }
    tallies = {
        pk: Tally(s, limits.get((s.enterprise_id, s.year), Decimal(0))) for pk, s in by_pk.items()
    }
    sums = (
        Surrender.objects.filter(settlement_id__in=list(by_pk))
        .values("settlement_id")
        .annotate(
            total=Sum("quantity"),
            ccer=Sum("quantity", filter=Q(kind=SurrenderKind.CCER)),
            last_on=Max("surrendered_on"),
        )
    )
    for row in sums:
        tally = tallies[row["settlement_id"]]
        tally.total, tally.ccer = row["total"], row["ccer"] or Decimal(0)
        tally.last_on = row["last_on"]
    return tallies


def _refusals(
    tally: Tally, *, kind: str, quantity: Decimal | None, vintage: int | None, on: date | None
) -> list[tuple[str, str]]:
    """Why this surrender cannot count against the settlement, as (field, message) pairs."""
    settlement = tally.settlement
    refusals = []
    if settlement.status not in ACCEPTS_SURRENDERS:
        refusals.append(("kind", _("This settlement is already complete.")))
    if kind not in SurrenderKind.values:
        refusals.append(("kind", _("Choose allowances (配额) or CCER.")))
    if kind == SurrenderKind.ALLOWANCE:
        if vintage is None:
            refusals.append(("vintage", _("Enter the vintage (year) of the allowances.")))
        elif vintage > settlement.year:
            refusals.append(
                ("vintage", _("Allowances of vintage %(vintage)d cannot be surrendered for "
                              "%(year)d: only vintages up to %(year)d count.")
                 % {"vintage": vintage, "year": settlement.year})
            )  # fmt: skip
    if on is not None and on > timezone.localdate():
        refusals.append(("surrendered_on", _("The date of surrender cannot be in the future.")))
    if quantity is None or quantity != quantity.to_integral_value() or quantity < 1:
        refusals.append(("quantity", _("Enter whole tonnes, at least 1.")))
        return refusals
    if kind == SurrenderKind.CCER and tally.ccer + quantity > tally.ccer_allowed:
        refusals.append(("quantity", _ccer_message(tally, quantity)))
    if quantity > tally.remaining:
        refusals.append(
            ("quantity", _("Only %(remaining)s t remain to surrender (obligation "
                           "%(obligation)s t); %(excess)s t more than the obligation.")
             % {"remaining": tonnes(tally.remaining),
                "obligation": tonnes(settlement.obligation),
                "excess": tonnes(quantity - tally.remaining)})
        )  # fmt: skip
    return refusals


def _ccer_message(tally: Tally, quantity: Decimal) -> str:
    message = _(
        "at most %(allowed)s t CCER may count (%(pct)s%% of %(obligation)s t); "
        "%(excess)s t more than allowed"
    ) % {
        "allowed": tonnes(tally.ccer_allowed),
        "pct": percent(tally.ccer_limit_pct),
        "obligation": tonnes(tally.settlement.obligation),
        "excess": tonnes(tally.ccer + quantity - tally.ccer_allowed),
    }
    if tally.ccer:
        message += _(" (%(done)s t CCER already surrendered)") % {"done": tonnes(tally.ccer)}
    return message


def _reference_taken(reference: str) -> bool:
    return bool(reference) and Surrender.objects.filter(registry_reference=reference).exists()


class SurrenderRefused(DomainError):
    """The surrender cannot be recorded; `errors` has every (field, message), nothing is saved."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(message for _field, message in errors), field=errors[0][0])
        self.errors = errors


def _add_surrender(actor, tally: Tally, *, action: str, **values: Any) -> Surrender:
    surrender = Surrender.objects.create(
        settlement=tally.settlement, recorded_by=actor.user, **values
    )
    audit.record(
        actor=actor.user,
        action=action,
        target=surrender,
        tenant_code=tally.settlement.enterprise.province.code,
        changes=audit.diff({}, audit.snapshot(surrender, SURRENDER_FIELDS)),
        note=f"quotas.settlement:{tally.settlement.pk}",
    )
    tally.add(surrender.kind, surrender.quantity, surrender.surrendered_on)
    if tally.covered:
        _settle(actor, tally)
    return surrender


def _settle(actor, tally: Tally) -> None:
    """The surrendered total reached the obligation: settled on the last surrender's date, on
    time or late against the due date, and the calendar's settlement obligation met."""
    settlement = tally.settlement
    before = audit.snapshot(settlement, SETTLEMENT_FIELDS)
    settlement.settled_on = tally.last_on
    on_time = tally.last_on <= settlement.due_on
    settlement.status = SettlementStatus.ON_TIME if on_time else SettlementStatus.LATE
    settlement.save(update_fields=["status", "settled_on", "updated_at"])
    audit.record(
        actor=actor.user,
        action=AuditAction.STATUS,
        target=settlement,
        tenant_code=settlement.enterprise.province.code,
        changes=audit.diff(before, audit.snapshot(settlement, SETTLEMENT_FIELDS)),
    )
    met_at = timezone.make_aware(datetime.combine(settlement.settled_on, time(12)))
    deadlines.fulfil(
        actor=actor,
        kind=ObligationKind.SETTLEMENT,
        enterprise=settlement.enterprise,
        period_start=date(settlement.year, 1, 1),
        met_at=met_at,
        fulfilment=f"quotas.settlement:{settlement.pk}",
    )


@transaction.atomic
def record_surrender(
    *,
    actor: scoping.Actor,
    settlement: Settlement,
    kind: str,
    quantity: Decimal | None,
    vintage: int | None,
    surrendered_on: date | None,
    registry_reference: str = "",
) -> Surrender:
    """Staff record allowances (of a vintage up to the compliance year) or CCERs (within the
    plan's limit) surrendered in the registry; never more than the obligation."""
    settlement = _lock(actor, settlement)
    tally = _tallies([settlement])[settlement.pk]
    reference = (registry_reference or "").strip()
    refusals = _refusals(tally, kind=kind, quantity=quantity, vintage=vintage, on=surrendered_on)
    if surrendered_on is None:
        refusals.append(("surrendered_on", _("Enter the date of surrender.")))
    if _reference_taken(reference):
        refusals.append(("registry_reference", _("This registry reference is recorded already.")))
    if refusals:
        raise SurrenderRefused(refusals)
    return _add_surrender(
        actor,
        tally,
        action=AuditAction.CREATE,
        kind=kind,
        quantity=quantity,
        vintage=vintage if kind == SurrenderKind.ALLOWANCE else None,
        surrendered_on=surrendered_on,
        registry_reference=reference,
    )


# --- the registry's export ------------------------------------------------------------------------


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
    _check_file(uploaded_file)
    uploaded_file.seek(0)
    try:
        workbook = load_workbook(uploaded_file, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl fails in many ways on foreign zips; all mean "not ours"
        raise _not_xlsx() from exc
    try:
        names = workbook.sheetnames
        sheet = workbook[SURRENDER_SHEET] if SURRENDER_SHEET in names else workbook.worksheets[0]
        sheet.reset_dimensions()
        header = next(sheet.iter_rows(max_row=1, max_col=MAX_HEADER_COLUMNS), ())
        positions = _match_header([_header_title(cell.value) for cell in header])
        rows = _sheet_rows(sheet, positions)
        _check_merged_cells(sheet)
    except ImportFileRejected:
        raise
    except Exception as exc:  # a damaged sheet: refuse the file, never a server error
        raise ImportFileRejected(
            _("The file could not be read as an Excel workbook; save it again from Excel as .xlsx.")
        ) from exc
    finally:
        workbook.close()
    if not rows:
        raise ImportFileRejected(_("The file has no data rows below the header."))
    return rows


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
        if len(rows) == MAX_DATA_ROWS:
            raise ImportFileRejected(
                _("The file has more than %(max)d rows; split it into several files.")
                % {"max": MAX_DATA_ROWS}
            )
        rows.append(_SheetRow(number, cells))
    return rows


def _parse_row(row: _SheetRow, errors: list[RowError]) -> _ParsedRow:
    """The row's values, each cell checked; errors name the row and the column."""

    def fail(key: str, message: str) -> None:
        errors.append(RowError(row.number, COLUMN_TITLES[key], _shown(row.cells[key][0]), message))

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
            number = _number(text)
        except _Number as reason:
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
        parsed.on = _as_date(value["date"])
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
    tallies = {tally.settlement.enterprise_id: tally for tally in _tallies(settlements).values()}
    taken = set(
        Surrender.objects.filter(
            registry_reference__in={row.reference for row in rows if row.reference}
        ).values_list("registry_reference", flat=True)
    )
    seen: dict[str, int] = {}
    accepted = []

    def fail(row: _ParsedRow, key: str, message: str) -> None:
        shown = _shown(sheet_rows[row.number].cells[key][0])
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
        refusals = _refusals(
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
    _require_province_staff(actor, province)
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
    tallies = _tallies(touched)
    for row, tally in accepted:
        _add_surrender(
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


# --- closing the year and the shortfall cases -----------------------------------------------------


def fine_range(
    rule: PenaltyRule, *, shortfall: Decimal, average_price: Decimal | None
) -> tuple[Decimal | None, Decimal | None]:
    """The fine range of the rule: multiples of the average market price × the shortfall where
    the rule has multiples (Interim Regulations art. 24), else its fixed amounts."""
    if rule.price_multiple_min is not None and rule.price_multiple_max is not None:
        if average_price is None:
            raise DomainError(
                _("Enter the average market price: the fine is a multiple of it."),
                field="average_price",
            )
        low = rule.price_multiple_min * average_price * shortfall
        high = rule.price_multiple_max * average_price * shortfall
        return low.quantize(YUAN, ROUND_HALF_UP), high.quantize(YUAN, ROUND_HALF_UP)
    return rule.fine_min, rule.fine_max


@dataclass(frozen=True)
class ClosingResult:
    closed: int
    shortfall: Decimal


@transaction.atomic
def close_year(
    *,
    actor: scoping.Actor,
    province: Province,
    year: int,
    today: date,
    average_price: Decimal | None,
) -> ClosingResult:
    """After the due date: every open settlement is not settled, with its shortfall, a case
    (correction order, fine range per the year's penalty rule) and, where the rule says so, the
    shortfall as a deduction from next year's allocation."""
    _require_province_staff(actor, province)
    if average_price is not None and average_price <= 0:
        raise DomainError(_("The average price must be more than 0."), field="average_price")
    open_ones = Settlement.objects.select_for_update(of=("self",)).filter(
        enterprise__province=province, year=year, status=SettlementStatus.OPEN
    )
    due = list(open_ones.filter(due_on__lt=today).select_related("enterprise__province"))
    if not due:
        later = open_ones.order_by("due_on").values_list("due_on", flat=True).first()
        if later is None:
            raise DomainError(_("No settlement of %(year)d is open.") % {"year": year})
        raise DomainError(
            _("The settlements are due on %(date)s: they can be closed after that date.")
            % {"date": later.isoformat()}
        )
    rule = PenaltyRule.objects.filter(year=year).first()
    if rule is None:
        raise DomainError(
            _("There is no penalty rule for %(year)d; an administrator adds it first.")
            % {"year": year}
        )
    tallies = _tallies(due)
    total = Decimal(0)
    for tally in tallies.values():
        total += _close(actor, tally, rule=rule, today=today, average_price=average_price)
    return ClosingResult(len(due), total)


def _close(actor, tally: Tally, *, rule: PenaltyRule, today: date, average_price) -> Decimal:
    settlement = tally.settlement
    shortfall = settlement.obligation - tally.total
    fine_min, fine_max = fine_range(rule, shortfall=shortfall, average_price=average_price)
    before = audit.snapshot(settlement, SETTLEMENT_FIELDS)
    settlement.status = SettlementStatus.NOT_SETTLED
    settlement.save(update_fields=["status", "updated_at"])
    code = settlement.enterprise.province.code
    audit.record(
        actor=actor.user,
        action=AuditAction.STATUS,
        target=settlement,
        tenant_code=code,
        changes=audit.diff(before, audit.snapshot(settlement, SETTLEMENT_FIELDS)),
    )
    deduction = None
    if rule.deduct_next_year:
        deduction = Adjustment.objects.create(
            enterprise=settlement.enterprise,
            year=settlement.year + 1,
            kind=AdjustmentKind.UNDER_SURRENDERED,
            tonnes=shortfall,
            reason=_("Not surrendered for %(year)d by %(date)s.")
            % {"year": settlement.year, "date": settlement.due_on.isoformat()},
            source=f"quotas.settlement:{settlement.pk}",
            created_by=actor.user,
        )
        audit.record(
            actor=actor.user,
            action=AuditAction.CREATE,
            target=deduction,
            tenant_code=code,
            changes=audit.diff({}, audit.snapshot(deduction, ("year", "kind", "tonnes", "reason"))),
        )
    case = ShortfallCase.objects.create(
        settlement=settlement,
        shortfall=shortfall,
        correction_due=today + timedelta(days=rule.correction_days),
        average_price=average_price,
        fine_min=fine_min,
        fine_max=fine_max,
        deduction=deduction,
    )
    audit.record(
        actor=actor.user,
        action=AuditAction.CREATE,
        target=case,
        tenant_code=code,
        changes=audit.diff({}, audit.snapshot(case, CASE_SNAPSHOT)),
    )
    return shortfall


def _lock_case(actor: scoping.Actor, case: ShortfallCase) -> ShortfallCase:
    queryset = ShortfallCase.objects.select_for_update(of=("self",)).select_related(
        "settlement__enterprise__province", "deduction"
    )
    case = scoping.get_visible(actor, queryset, pk=case.pk)
    if not scoping.can_change(actor, case):
        raise PermissionDenied(_("Only provincial staff decide shortfall cases."))
    return case


def _save_case(actor, case: ShortfallCase, before: dict) -> ShortfallCase:
    case.save()
    audit.record(
        actor=actor.user,
        action=AuditAction.STATUS,
        target=case,
        tenant_code=case.settlement.enterprise.province.code,
        changes=audit.diff(before, audit.snapshot(case, CASE_SNAPSHOT)),
        note=case.note,
    )
    return case


@transaction.atomic
def correct_case(*, actor: scoping.Actor, case: ShortfallCase, note: str = "") -> ShortfallCase:
    """The enterprise has surrendered the shortfall: the case is corrected and the deduction
    from next year's allocation cancelled (unless a determination has netted it already)."""
    case = _lock_case(actor, case)
    settlement = case.settlement
    if case.status in (CaseStatus.CORRECTED, CaseStatus.CLOSED):
        raise DomainError(_("This case is corrected already."))
    if settlement.status not in SETTLED:
        remaining = _tallies([settlement])[settlement.pk].remaining
        raise DomainError(
            _("%(remaining)s t are still to surrender: record the surrenders first.")
            % {"remaining": tonnes(remaining)}
        )
    before = audit.snapshot(case, CASE_SNAPSHOT)
    deduction = case.deduction
    if deduction is not None and deduction.netted_in_id is None:
        case.deduction = None
        case.save(update_fields=["deduction", "updated_at"])
        audit.record(
            actor=actor.user,
            action=AuditAction.DELETE,
            target=deduction,
            tenant_code=settlement.enterprise.province.code,
            changes=audit.diff(audit.snapshot(deduction, ("year", "kind", "tonnes")), {}),
            note=_("Shortfall corrected: the deduction is cancelled."),
        )
        deduction.delete()
    case.status = CaseStatus.CLOSED if case.penalty_decided is not None else CaseStatus.CORRECTED
    case.note = _join_note(case.note, note)
    return _save_case(actor, case, before)


@transaction.atomic
def decide_penalty(
    *, actor: scoping.Actor, case: ShortfallCase, amount: Decimal | None, note: str = ""
) -> ShortfallCase:
    """The fine decided for the case, within the range of the penalty rule."""
    case = _lock_case(actor, case)
    if case.penalty_decided is not None:
        raise DomainError(_("The fine of this case is decided already."))
    if amount is None or amount < 0:
        raise DomainError(_("Enter the fine in CNY (0 or more)."), field="amount")
    low, high = case.fine_min, case.fine_max
    if (low is not None and amount < low) or (high is not None and amount > high):
        raise DomainError(
            _("The fine must be between CNY %(low)s and %(high)s.")
            % {"low": f"{low or 0:,}", "high": f"{high:,}" if high is not None else "—"},
            field="amount",
        )
    before = audit.snapshot(case, CASE_SNAPSHOT)
    case.penalty_decided = amount.quantize(YUAN, ROUND_HALF_UP)
    case.status = CaseStatus.CLOSED if case.status == CaseStatus.CORRECTED else CaseStatus.PENALISED
    case.note = _join_note(case.note, note)
    return _save_case(actor, case, before)


def _join_note(existing: str, note: str) -> str:
    note = (note or "").strip()
    return f"{existing}\n{note}".strip() if note else existing


# --- reads ----------------------------------------------------------------------------------------


def provinces_for(*, actor: scoping.Actor) -> QuerySet[Province]:
    """The provinces whose settlements the actor may read: staff their own, national roles all."""
    if actor.sees_all_provinces:
        return Province.objects.all()
    return Province.objects.filter(pk__in=actor.province_ids)


def _visible_settlements(actor: scoping.Actor) -> QuerySet[Settlement]:
    return scoping.visible(actor, Settlement)


def settlements_for(
    *, actor: scoping.Actor, province: Province, year: int, status: str = ""
) -> QuerySet[Settlement]:
    """The province's settlements of the year with what each has surrendered (one query)."""
    rows = (
        _visible_settlements(actor)
        .filter(enterprise__province=province, year=year)
        .select_related("enterprise", "case")
        .annotate(
            surrendered=Coalesce(Sum("surrenders__quantity"), Decimal(0)),
            ccer=Coalesce(
                Sum("surrenders__quantity", filter=Q(surrenders__kind=SurrenderKind.CCER)),
                Decimal(0),
            ),
        )
        .order_by("enterprise__name_zh", "pk")
    )
    if status:
        rows = rows.filter(status=status)
    return rows


def settlement_detail(*, actor: scoping.Actor, public_id) -> Settlement:
    queryset = Settlement.objects.select_related(
        "enterprise__province", "case__deduction"
    ).prefetch_related(
        Prefetch("surrenders", queryset=Surrender.objects.select_related("recorded_by"))
    )
    return scoping.get_visible(actor, queryset, public_id=public_id)


def tally_of(settlement: Settlement) -> Tally:
    """What has been surrendered against one settlement, and what the CCER limit allows."""
    return _tallies([settlement])[settlement.pk]


def history(*, actor: scoping.Actor, settlement: Settlement) -> QuerySet[AuditEvent]:
    """The audit events of a settlement, its surrenders, case and deduction, newest first."""
    scoping.get_visible(actor, Settlement, pk=settlement.pk)
    surrender_ids = [str(pk) for pk in settlement.surrenders.values_list("pk", flat=True)]
    condition = Q(target_type=target_label(Settlement), target_id=str(settlement.pk)) | Q(
        target_type=target_label(Surrender), target_id__in=surrender_ids
    )
    case = ShortfallCase.objects.filter(settlement=settlement).first()
    if case is not None:
        condition |= Q(target_type=target_label(ShortfallCase), target_id=str(case.pk))
    condition |= Q(
        target_type=target_label(Adjustment),
        target_id__in=[
            str(pk)
            for pk in Adjustment.objects.filter(
                source=f"quotas.settlement:{settlement.pk}"
            ).values_list("pk", flat=True)
        ],
    )
    return AuditEvent.objects.filter(condition).order_by("-occurred_at", "-id")


def case_detail(*, actor: scoping.Actor, public_id) -> ShortfallCase:
    queryset = ShortfallCase.objects.select_related(
        "settlement__enterprise__province", "deduction__netted_in"
    )
    return scoping.get_visible(actor, queryset, public_id=public_id)


def penalty_rule(year: int) -> PenaltyRule | None:
    return PenaltyRule.objects.filter(year=year).first()


@dataclass(frozen=True)
class Counts:
    total: int
    on_time: int
    late: int
    not_settled: int
    open: int
    penalised: int

    @property
    def settled(self) -> int:
        return self.on_time + self.late


def counts(*, actor: scoping.Actor, province: Province, year: int) -> Counts:
    """How many settlements of the year are in each state, and how many have a fine decided."""
    found = _visible_settlements(actor).filter(enterprise__province=province, year=year)
    totals = found.aggregate(
        total=Count("pk"),
        on_time=Count("pk", filter=Q(status=SettlementStatus.ON_TIME)),
        late=Count("pk", filter=Q(status=SettlementStatus.LATE)),
        not_settled=Count("pk", filter=Q(status=SettlementStatus.NOT_SETTLED)),
        open=Count("pk", filter=Q(status=SettlementStatus.OPEN)),
        penalised=Count("pk", filter=Q(case__penalty_decided__isnull=False)),
    )
    return Counts(**totals)


@dataclass(frozen=True)
class SummaryRow:
    """One row of the compliance summary table (清缴完成和处理情况汇总表, domain-facts §3)."""

    number: int
    name: str
    on_time: str
    late: str
    not_settled: str
    penalised: str
    remark: str


YES, NO, NOT_APPLICABLE = "是", "否", "—"


def _remark(settlement: Settlement) -> str:
    """The 备注 column, in the document's Chinese."""
    if settlement.status == SettlementStatus.LATE:
        return f"{zh_date(settlement.settled_on)}完成清缴"
    if settlement.status == SettlementStatus.NOT_SETTLED:
        case = getattr(settlement, "case", None)
        if case is None:
            return "未完成清缴"
        return f"未足额清缴{tonnes(case.shortfall)}吨，责令于{zh_date(case.correction_due)}前改正"
    if settlement.status == SettlementStatus.OPEN:
        remaining = settlement.obligation - settlement.surrendered
        return f"清缴期内，尚需清缴{tonnes(max(remaining, 0))}吨"
    return ""


def compliance_summary(*, actor: scoping.Actor, province: Province, year: int) -> list[SummaryRow]:
    """The summary table's rows, one per settlement of the year, in the list's order."""
    rows = []
    for number, settlement in enumerate(
        settlements_for(actor=actor, province=province, year=year), start=1
    ):
        status = settlement.status
        case = getattr(settlement, "case", None)
        not_in_time = status in (SettlementStatus.LATE, SettlementStatus.NOT_SETTLED)
        penalised = case is not None and case.penalty_decided is not None
        rows.append(
            SummaryRow(
                number=number,
                name=settlement.enterprise.name_zh,
                on_time=YES if status == SettlementStatus.ON_TIME else NO,
                late=YES if status == SettlementStatus.LATE else NO,
                not_settled=YES if status == SettlementStatus.NOT_SETTLED else NO,
                penalised=(YES if penalised else NO) if not_in_time else NOT_APPLICABLE,
                remark=_remark(settlement),
            )
        )
    return rows


@dataclass(frozen=True)
class TargetProgress:
    target: ComplianceTarget
    as_of: date
    settled: int
    total: int

    @property
    def share_pct(self) -> Decimal:
        if not self.total:
            return Decimal(0)
        return (Decimal(self.settled) * 100 / self.total).quantize(YUAN, ROUND_HALF_UP)

    @property
    def needed(self) -> int:
        """Enterprises still to settle to reach the target share."""
        wanted = (self.target.share_pct * self.total / 100).to_integral_value(ROUND_CEILING)
        return max(int(wanted) - self.settled, 0)

    @property
    def state(self) -> str:
        if self.total and self.needed == 0:
            return "met"
        return "in_progress" if self.as_of < self.target.by_date else "missed"


def target_progress(
    *, actor: scoping.Actor, province: Province, year: int, today: date
) -> list[TargetProgress]:
    """Each interim target of the year: the share of the province's settlements settled by the
    target date (or by today, before that date) against the target share."""
    targets = list(ComplianceTarget.objects.filter(year=year).order_by("by_date"))
    if not targets:
        return []
    found = _visible_settlements(actor).filter(enterprise__province=province, year=year)
    as_of = {target.pk: min(today, target.by_date) for target in targets}
    totals = found.aggregate(
        total=Count("pk"),
        **{
            f"t{target.pk}": Count(
                "pk", filter=Q(status__in=SETTLED, settled_on__lte=as_of[target.pk])
            )
            for target in targets
        },
    )
    return [
        TargetProgress(target, as_of[target.pk], totals[f"t{target.pk}"], totals["total"])
        for target in targets
    ]


@dataclass
class YearPosition:
    """An enterprise's allowances and settlement for one compliance year."""

    year: int
    allocation: Allocation | None = None
    settlement: Settlement | None = None
    deadline: date | None = None
    by_vintage: dict[int, Decimal] = field(default_factory=dict)
    ccer: Decimal = Decimal(0)

    def _approved(self, batch_field: str, figure: str) -> Decimal | None:
        """A step's figure once its batch is approved (a draft's changes with each
        recalculation; staff see drafts on the batch and allocation pages)."""
        allocation = self.allocation
        if allocation is None:
            return None
        batch = getattr(allocation, batch_field)
        if batch is None or batch.status != BatchStatus.APPROVED:
            return None
        return getattr(allocation, figure)

    @property
    def pre_allocated(self) -> Decimal | None:
        return self._approved("pre_allocation_batch", "pre_allocated")

    @property
    def determined(self) -> Decimal | None:
        return self._approved("determination_batch", "determined")

    @property
    def issued(self) -> Decimal | None:
        return self._approved("allocation_batch", "issued")

    @property
    def issued_on(self) -> date | None:
        return self._approved("allocation_batch", "issued_on")

    @property
    def surrendered(self) -> Decimal:
        return sum(self.by_vintage.values(), Decimal(0)) + self.ccer

    @property
    def balance(self) -> Decimal | None:
        if self.settlement is None:
            return None
        return max(self.settlement.obligation - self.surrendered, Decimal(0))

    @property
    def vintages(self) -> list[tuple[int, Decimal]]:
        return sorted(self.by_vintage.items())


def position(*, actor: scoping.Actor, enterprise: Enterprise) -> list[YearPosition]:
    """The enterprise's quota position per compliance year, newest first: pre-allocated,
    determined, issued (each once approved), the obligation, what was surrendered (allowances
    by vintage, CCER), the balance to surrender, the deadline and the status."""
    enterprise = scoping.get_visible(actor, Enterprise, pk=enterprise.pk)
    years: dict[int, YearPosition] = {}
    allocations = (
        scoping.visible(actor, Allocation)
        .filter(enterprise=enterprise)
        .select_related("pre_allocation_batch", "determination_batch", "allocation_batch")
    )
    for allocation in allocations:
        years.setdefault(allocation.year, YearPosition(allocation.year)).allocation = allocation
    settlements = (
        _visible_settlements(actor)
        .filter(enterprise=enterprise)
        .prefetch_related("surrenders")
        .select_related("case")
    )
    for settlement in settlements:
        row = years.setdefault(settlement.year, YearPosition(settlement.year))
        row.settlement, row.deadline = settlement, settlement.due_on
        for surrender in settlement.surrenders.all():
            if surrender.kind == SurrenderKind.CCER:
                row.ccer += surrender.quantity
            else:
                row.by_vintage[surrender.vintage] = (
                    row.by_vintage.get(surrender.vintage, Decimal(0)) + surrender.quantity
                )
    # One query whatever the years: the calendar's date for a year not yet opened.
    due = dict(
        scoping.visible(actor, Obligation)
        .filter(
            kind=ObligationKind.SETTLEMENT,
            enterprise=enterprise,
            period_start__in=[date(year, 1, 1) for year in years],
        )
        .values_list("period_start__year", "due_on")
    )
    for year, row in years.items():
        if row.deadline is None:
            row.deadline = due.get(year, default_due_on(year))
    return [years[year] for year in sorted(years, reverse=True)]
