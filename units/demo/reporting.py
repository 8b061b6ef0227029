"""Monthly certifications in the demo: this year's months of the demo provinces' market units.

`seed_reporting(scale, today)` gives every demo unit that owes a monthly certification (the
calendar's `monthly_certification` obligations of this year whose month has ended by `today`)
the certifications that agree with its calendar, which seed_deadlines has already decided:

- a month whose obligation the demo calendar met was submitted exactly then (`submitted_at` is
  the obligation's `met_at`), so on time or late as the calendar says. Staff accepted it 1-25
  days later, or returned it with a comment naming the wrong figure (about one in ten); most
  returned months were corrected by a second version, whose field-level diff is that figure. A
  review that would fall on or after `today` has not happened: the version waits in the queue;
- a month whose obligation is overdue or not yet due has a draft (half of them), complete or with
  the laboratory figures still to come, or nothing yet. As the demo calendar meets obligations
  a few days before their due date, the month just ended (due 40 days later) has drafts only.

The figures follow from the unit's latest annual emissions and its sector: a twelfth of the year,
shaped by the season, in the sector's items (power: coal burned so that the computed emissions
come to about that, NCV 20-23 GJ/t, 0.026-0.028 tC/GJ, oxidation 98-99 %, generation at about
0.85 t/MWh, hours and load factor from the units' capacity; cement: clinker and kiln coal; steel:
coke, injection coal, limestone and dolomite; aluminium: anode and PFCs). A few units had a
month of maintenance, whose drop and recovery warn month over month; a month after one never
submitted warns that it is missing. Every warning of a submitted version is explained by the
enterprise (and some waived by staff), as submission requires. Findings, computed emissions and
the calculation are those of reporting.validation and reporting.calculation, the rules the
services apply; the tests re-run the services' validation over the seeded versions.

Which month gets what follows a hash of the unit's credit code and the month, so it is the same on
every machine and on every run. The demo logins' own units always keep a returned month (when a
submitted one was reviewed before `today`), besides the months the calendar leaves them to do.

A month that already has a certification is left alone, so a rerun changes nothing; with a later
`today`, a draft this demo left (values unchanged) is replaced by the submission the calendar
now records. Writes go straight to the database in bulk, without audit events or e-mails: this
is demo data, not a user action (services would take minutes at the national scale). The
obligations keep the calendar's `fulfilment` ("demo").
"""

from __future__ import annotations

import calendar
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from accounts.models import Membership, Role
from deadlines.models import Obligation, ObligationKind, ObligationStatus
from reporting import validation
from reporting.calculation import compute
from reporting.models import (
    DataItem,
    DataItemSchema,
    ItemRole,
    MonthlyCertification,
    Severity,
    SubmissionStatus,
    ValidationFinding,
    ValidationThreshold,
)
from units.demo.data import BATCH_SIZE, SMALL_PROVINCES, Scale
from units.demo.deadlines import DEMO_ENTERPRISE_LOGINS
from units.demo.deadlines import FULFILMENT as CALENDAR_FULFILMENT
from units.demo.geography import PROVINCE_INFO
from units.demo.lists import OTHER_STAFF, TEAMS
from units.demo.planning import plan
from units.models import AnnualEmissions, EmissionsSource, Enterprise, Facility, Fuel

SHANGHAI = ZoneInfo("Asia/Shanghai")
MET = (ObligationStatus.MET_ON_TIME, ObligationStatus.MET_LATE)
STANDING = (SubmissionStatus.SUBMITTED, SubmissionStatus.RETURNED, SubmissionStatus.ACCEPTED)

# Out of 100: submitted months returned for correction; returned months corrected by a second
# version (when there was time before `today`); units with a month of maintenance; unsubmitted
# months with a draft; drafts complete (the rest lack the laboratory figures); accepted versions
# whose warnings staff also waived.
RETURNED = 10
CORRECTED = 65
MAINTENANCE = 10
DRAFTED = 50
COMPLETE_DRAFT = 50
WAIVED = 40
REVIEW_DAYS = 25  # staff review 1..25 days after submission
CORRECTION_DAYS = 6  # the enterprise resubmits 1..6 days after the return
UPDATE_CHUNK = 10_000

# Month by month, relative to an average month (the number of days is applied as well).
SEASON = {
    "power": (1.12, 0.98, 0.97, 0.90, 0.93, 1.00, 1.12, 1.14, 0.98, 0.92, 0.98, 1.10),
    "cement": (0.85, 0.75, 0.92, 1.05, 1.08, 1.00, 0.92, 0.92, 1.02, 1.08, 1.10, 0.95),
    "steel": (1.00, 0.96, 1.02, 1.02, 1.03, 1.00, 0.98, 0.98, 1.00, 1.02, 1.00, 0.98),
    "aluminium": (1.0,) * 12,
}
# Heat supplied by combined heat and power units: the heating season and process steam.
HEAT_SEASON = (1.30, 1.25, 1.10, 0.85, 0.80, 0.80, 0.80, 0.80, 0.80, 0.85, 1.10, 1.30)
CHP_INDUSTRY = "4412"
LOAD_RANGE = (40.0, 92.0)  # % a generating unit usually runs at
LAB_ROLES = (ItemRole.NET_CALORIFIC_VALUE, ItemRole.CARBON_CONTENT, ItemRole.OXIDATION_RATE)
# Coal figures a gas-fired unit types because the power schema requires the coal items: no coal
# burned, and typical raw coal parameters.
NO_COAL = {
    "coal_consumption": "0",
    "coal_ncv": "20.908",
    "coal_carbon_content": "0.02618",
    "coal_oxidation_rate": "98.0",
}

# What a reviewer finds wrong in a returned version: the item whose figure was off, by how much,
# and the comment. `{value}` is the correct figure (what the metering or laboratory record says).
MISTAKES = {
    "power": (
        ("coal_consumption", 1.08, "燃煤消耗量与入炉煤皮带秤月累计量（{value} t）不一致，请核对。"),
        ("power_supplied", 1.07, "供电量与关口表计量的上网电量（{value} MWh）不一致，请核对。"),
        ("coal_ncv", 1.09, "燃煤低位发热量与月度煤质化验报告（{value} GJ/t）不一致，请核对。"),
        (
            "natural_gas_consumption",
            1.06,
            "天然气消耗量与贸易结算计量（{value} 万Nm³）不一致，请核对。",
        ),
    ),
    "cement": (
        ("clinker_quantity", 1.06, "熟料产量与生产月报（{value} t）不一致，请核对。"),
        ("kiln_coal_consumption", 0.92, "入窑燃煤量与计量记录（{value} t）不一致，请核对。"),
    ),
    "steel": (
        ("coke_consumption", 0.93, "焦炭消耗量与进出库台账（{value} t）不一致，请核对。"),
        ("limestone_quantity", 1.12, "石灰石消耗量与原料消耗月报（{value} t）不一致，请核对。"),
    ),
    "aluminium": (
        ("anode_quantity", 1.05, "净阳极消耗量与阳极组装台账（{value} t）不一致，请核对。"),
        ("aluminium_output", 0.96, "原铝产量与出铝记录（{value} t）不一致，请核对。"),
    ),
}
MAINTENANCE_NOTE = {
    "power": "{month}月{start}日至{end}日{unit}号机组计划检修，发电量和燃料消耗量相应下降。",
    "cement": "{month}月{start}日至{end}日熟料生产线停窑检修，熟料产量和燃煤量相应下降。",
    "steel": "{month}月{start}日至{end}日高炉年修，铁水产量和焦炭、喷吹煤消耗相应下降。",
    "aluminium": "{month}月{start}日至{end}日一个电解系列停槽大修，原铝产量和阳极消耗相应下降。",
}
RECOVERY_NOTE = "上月检修已结束，本月恢复正常生产，数据已核对。"
CHANGE_NOTE = "本月生产负荷调整，数据已与生产报表核对无误。"
MISSING_NOTE = "{month}月数据仍在核对，将尽快补报。"
RANGE_NOTE = "已核对原始记录和检测报告，数据无误。"
WAIVER_NOTE = "已核对检修计划和生产记录，企业说明属实。"


@dataclass(frozen=True)
class ReportingResult:
    today: date
    created: int  # versions created by this run
    statuses: dict[str, int]  # those versions by status
    corrected: int  # of them, second versions correcting a returned one
    late: int  # months first submitted after their due date
    with_warnings: int  # submitted versions whose warnings the enterprise explained


@dataclass(frozen=True)
class Unit:
    id: int
    uscc: str
    province_id: int
    sector: str
    industry_code: str
    annual_t: Decimal
    capacity_mw: Decimal
    gas_fired: bool
    submitted_by: int | None


@dataclass
class Version:
    """One certification version as the demo writes it."""

    unit: Unit
    year: int
    month: int
    number: int
    status: str
    values: dict[str, str]
    created_at: datetime
    updated_at: datetime
    schema: DataItemSchema
    items: list[DataItem]
    explanations: dict[str, str] = field(default_factory=dict)
    submitted_at: datetime | None = None
    reviewed_at: datetime | None = None
    reviewed_by: int | None = None
    review_comment: str = ""
    supersedes: Version | None = None
    found: list[validation.Found] = field(default_factory=list)
    waived: bool = False
    row: MonthlyCertification | None = None


@dataclass(frozen=True)
class Month:
    """A unit's obligation for one month, as the calendar has it."""

    unit: Unit
    month: int
    period_end: date
    due_on: date
    status: str
    met_at: datetime | None
    fulfilment: str


def rng(*parts: object) -> random.Random:
    """A random stream of its own for each key (str seeds hash with SHA-512: stable everywhere)."""
    return random.Random(":".join(str(part) for part in parts))


def share(*parts: object) -> int:
    return rng(*parts, "share").randrange(100)


def office_hours(day: date, stream: random.Random) -> datetime:
    return datetime.combine(day, time(9 + stream.randrange(9), stream.randrange(60)), SHANGHAI)


# --- The figures ----------------------------------------------------------------------------


def _fmt(value: float, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    return str(Decimal(repr(value)).quantize(quantum, ROUND_HALF_UP))


def _combustion_t_per_t(ncv: float, carbon: float, oxidation: float) -> float:
    return ncv * carbon * oxidation / 100 * 44 / 12


@dataclass(frozen=True)
class Profile:
    """What stays about the same from month to month at one unit."""

    ncv: float
    carbon: float
    oxidation: float
    intensity: float  # power: tCO2 per MWh generated
    own_use: float  # power: share of generation used on site
    availability: float  # power: share of the month's hours in operation
    heat_gj: float  # power, CHP: GJ of heat an average month
    ratio: tuple[float, ...]  # heavy industry: inputs per tonne of product
    factor: tuple[float, ...]  # heavy industry: process emission factors, second fuel
    maintenance_month: int | None


def profile(unit: Unit) -> Profile:
    r = rng(unit.uscc, "profile")
    maintenance = r.randrange(3, 10) if share(unit.uscc, "maintenance") < MAINTENANCE else None
    if unit.sector == "power":
        gas = unit.gas_fired
        return Profile(
            ncv=r.uniform(385, 392) if gas else r.uniform(20.0, 23.0),
            carbon=r.uniform(0.0152, 0.0155) if gas else r.uniform(0.0260, 0.0280),
            oxidation=99.0 if gas else r.uniform(98.0, 99.0),
            intensity=r.uniform(0.36, 0.40) if gas else r.uniform(0.82, 0.90),
            own_use=r.uniform(0.025, 0.035) if gas else r.uniform(0.05, 0.07),
            availability=r.uniform(0.45, 0.70) if gas else r.uniform(0.90, 0.98),
            heat_gj=float(unit.annual_t) / 12 * r.uniform(0.8, 1.6)
            if unit.industry_code == CHP_INDUSTRY
            else 0.0,
            ratio=(),
            factor=(),
            maintenance_month=maintenance,
        )
    if unit.sector == "cement":
        return Profile(
            ncv=r.uniform(21.5, 24.0),
            carbon=r.uniform(0.0260, 0.0275),
            oxidation=r.uniform(98.0, 99.0),
            intensity=0,
            own_use=0,
            availability=0,
            heat_gj=0,
            ratio=(r.uniform(0.13, 0.15), r.uniform(0.70, 0.80)),  # coal/clinker, clinker/cement
            factor=(r.uniform(0.525, 0.540),),
            maintenance_month=maintenance,
        )
    if unit.sector == "steel":
        return Profile(
            ncv=r.uniform(28.2, 28.8),  # coke
            carbon=r.uniform(0.0290, 0.0298),
            oxidation=r.uniform(97.5, 99.0),
            intensity=0,
            own_use=0,
            availability=0,
            heat_gj=0,
            # coke, injection coal, limestone, dolomite per t of hot metal; crude steel per t
            ratio=(
                r.uniform(0.33, 0.37),
                r.uniform(0.13, 0.16),
                r.uniform(0.08, 0.12),
                r.uniform(0.02, 0.04),
                r.uniform(1.08, 1.15),
            ),
            # injection coal NCV, carbon content, oxidation; limestone and dolomite factors
            factor=(
                r.uniform(24.5, 26.5),
                r.uniform(0.0258, 0.0268),
                r.uniform(98.0, 99.0),
                r.uniform(0.436, 0.440),
                r.uniform(0.466, 0.471),
            ),
            maintenance_month=maintenance,
        )
    return Profile(  # aluminium: anode per t of aluminium, PFC tCO2e per t; anode factor
        ncv=0,
        carbon=0,
        oxidation=0,
        intensity=0,
        own_use=0,
        availability=0,
        heat_gj=0,
        ratio=(r.uniform(0.40, 0.43), r.uniform(0.08, 0.20)),
        factor=(r.uniform(3.55, 3.65),),
        maintenance_month=maintenance,
    )


def month_values(unit: Unit, shape: Profile, year: int, month: int) -> dict[str, str]:
    """A month's figures, as the enterprise types them."""
    r = rng(unit.uscc, year, month, "values")
    days = calendar.monthrange(year, month)[1]
    scale = SEASON[unit.sector][month - 1] * days / (365 / 12) * r.uniform(0.97, 1.03)
    if shape.maintenance_month == month:
        scale *= r.uniform(0.35, 0.45)
    target = float(unit.annual_t) / 12 * scale
    return {
        "power": _power,
        "cement": _cement,
        "steel": _steel,
        "aluminium": _aluminium,
    }[unit.sector](unit, shape, r, target, month, days)


def _power(unit, shape, r, target, month, days) -> dict[str, str]:
    ncv = shape.ncv + r.uniform(-2, 2) if unit.gas_fired else shape.ncv + r.uniform(-0.35, 0.35)
    spread = 0.00005 if unit.gas_fired else 0.0002
    carbon = shape.carbon + r.uniform(-spread, spread)
    oxidation = shape.oxidation if unit.gas_fired else shape.oxidation + r.uniform(-0.2, 0.2)
    oxidation = min(oxidation, 99.5)
    burned = target / _combustion_t_per_t(ncv, carbon, oxidation)
    generated = target / shape.intensity * r.uniform(0.99, 1.01)
    hours, load = _running(unit, shape, r, generated, days * 24, month)
    values = {
        "power_generated": _fmt(generated, 1),
        "power_supplied": _fmt(generated * (1 - shape.own_use), 1),
        "operating_hours": _fmt(hours, 0),
        "load_factor": _fmt(load, 1),
    }
    if shape.heat_gj:
        heat = shape.heat_gj * HEAT_SEASON[month - 1] * r.uniform(0.97, 1.03)
        values["heat_supplied"] = _fmt(heat, 0)
    if unit.gas_fired:
        return {
            **NO_COAL,
            "natural_gas_consumption": _fmt(burned, 2),  # 10^4 Nm3
            "natural_gas_ncv": _fmt(ncv, 2),
            "natural_gas_carbon_content": _fmt(carbon, 5),
            "natural_gas_oxidation_rate": _fmt(oxidation, 1),
            **values,
        }
    return {
        "coal_consumption": _fmt(burned, 1),
        "coal_ncv": _fmt(ncv, 3),
        "coal_carbon_content": _fmt(carbon, 5),
        "coal_oxidation_rate": _fmt(oxidation, 1),
        **values,
    }  # fmt: skip


def _running(unit, shape, r, generated, month_hours, month) -> tuple[float, float]:
    """Operating hours and load factor (%) that make the generation with the unit's capacity:
    a unit with little to generate runs fewer hours at a modest load, one with much runs longer
    (the demo's capacities come in standard sizes, so they fit the emissions only roughly)."""
    hours = month_hours * min(1.0, shape.availability * r.uniform(0.97, 1.03))
    if shape.maintenance_month == month:
        hours *= 0.45
    if not unit.capacity_mw:
        return hours, r.uniform(60, 80)
    capacity = float(unit.capacity_mw)
    load = generated / (capacity * hours) * 100
    if load < LOAD_RANGE[0]:
        load = r.uniform(LOAD_RANGE[0], LOAD_RANGE[0] + 5)
        hours = max(1.0, generated / (capacity * load / 100))
    elif load > LOAD_RANGE[1]:
        hours = min(float(month_hours), generated / (capacity * LOAD_RANGE[1] / 100))
        load = min(98.0, generated / (capacity * hours) * 100)
    return hours, load


def _cement(unit, shape, r, target, month, days) -> dict[str, str]:
    coal_per_clinker, clinker_per_cement = shape.ratio
    ncv = shape.ncv + r.uniform(-0.3, 0.3)
    carbon = shape.carbon + r.uniform(-0.0002, 0.0002)
    factor = shape.factor[0] + r.uniform(-0.002, 0.002)
    per_t = factor + coal_per_clinker * _combustion_t_per_t(ncv, carbon, shape.oxidation)
    clinker = target / per_t
    return {
        "clinker_quantity": _fmt(clinker, 0),
        "clinker_factor": _fmt(factor, 3),
        "kiln_coal_consumption": _fmt(clinker * coal_per_clinker, 1),
        "kiln_coal_ncv": _fmt(ncv, 3),
        "kiln_coal_carbon_content": _fmt(carbon, 5),
        "kiln_coal_oxidation_rate": _fmt(shape.oxidation, 1),
        "cement_output": _fmt(clinker / clinker_per_cement, 0),
    }


def _steel(unit, shape, r, target, month, days) -> dict[str, str]:
    coke, coal, limestone, dolomite, steel_per_iron = shape.ratio
    coal_ncv, coal_carbon, coal_oxidation, limestone_factor, dolomite_factor = shape.factor
    coke_ncv = shape.ncv + r.uniform(-0.2, 0.2)
    coal_ncv += r.uniform(-0.3, 0.3)
    per_t = (
        coke * _combustion_t_per_t(coke_ncv, shape.carbon, shape.oxidation)
        + coal * _combustion_t_per_t(coal_ncv, coal_carbon, coal_oxidation)
        + limestone * limestone_factor
        + dolomite * dolomite_factor
    )
    iron = target / per_t
    return {
        "coke_consumption": _fmt(iron * coke, 1),
        "coke_ncv": _fmt(coke_ncv, 3),
        "coke_carbon_content": _fmt(shape.carbon, 5),
        "coke_oxidation_rate": _fmt(shape.oxidation, 1),
        "injection_coal_consumption": _fmt(iron * coal, 1),
        "injection_coal_ncv": _fmt(coal_ncv, 3),
        "injection_coal_carbon_content": _fmt(coal_carbon, 5),
        "injection_coal_oxidation_rate": _fmt(coal_oxidation, 1),
        "limestone_quantity": _fmt(iron * limestone, 1),
        "limestone_factor": _fmt(limestone_factor, 3),
        "dolomite_quantity": _fmt(iron * dolomite, 1),
        "dolomite_factor": _fmt(dolomite_factor, 3),
        "hot_metal_output": _fmt(iron, 0),
        "crude_steel_output": _fmt(iron * steel_per_iron * r.uniform(0.99, 1.01), 0),
    }


def _aluminium(unit, shape, r, target, month, days) -> dict[str, str]:
    anode, pfc = shape.ratio
    factor = shape.factor[0] + r.uniform(-0.01, 0.01)
    output = target / (anode * factor + pfc)
    return {
        "anode_quantity": _fmt(output * anode, 1),
        "anode_factor": _fmt(factor, 3),
        "pfc_emissions": _fmt(output * pfc, 1),
        "aluminium_output": _fmt(output, 0),
    }


def mistaken(unit: Unit, values: dict[str, str], year: int, month: int) -> tuple[dict, str]:
    """The values with one figure off, and the reviewer's comment on it."""
    r = rng(unit.uscc, year, month, "mistake")
    skip = set(NO_COAL) if unit.gas_fired else set()
    choices = [m for m in MISTAKES[unit.sector] if m[0] in values and m[0] not in skip]
    code, factor, comment = r.choice(choices)
    right = Decimal(values[code])
    exponent = right.as_tuple().exponent
    wrong = (right * Decimal(repr(factor))).quantize(Decimal(1).scaleb(exponent), ROUND_HALF_UP)
    return {**values, code: str(wrong)}, comment.format(value=values[code])


def partial(values: dict[str, str], items: list[DataItem]) -> dict[str, str]:
    """A draft still waiting for the laboratory's figures."""
    lab = {item.code for item in items if item.role in LAB_ROLES}
    return {code: value for code, value in values.items() if code not in lab}


# --- Validation, as the services apply it ---------------------------------------------------


@dataclass(frozen=True)
class Rules:
    schemas: dict[str, DataItemSchema]  # by sector
    items: dict[int, list[DataItem]]  # by schema
    threshold: Decimal


def load_rules(year: int) -> Rules:
    """The schema each sector reports on in `year` (its own or the latest earlier one)."""
    schemas: dict[str, DataItemSchema] = {}
    for schema in DataItemSchema.objects.filter(year__lte=year).order_by("sector", "-year"):
        schemas.setdefault(schema.sector, schema)
    items: dict[int, list[DataItem]] = defaultdict(list)
    for item in DataItem.objects.filter(schema__in=list(schemas.values())):
        items[item.schema_id].append(item)
    threshold = (
        ValidationThreshold.objects.filter(code="month_over_month_change_pct")
        .values_list("value", flat=True)
        .first()
    )
    return Rules(schemas, dict(items), threshold or validation.Context.change_threshold_pct)


def evaluate(
    rules: Rules, schema: DataItemSchema, month: int, values: dict, previous: dict | None
) -> list[validation.Found]:
    """reporting.services' validation of a month, given the month before's standing values."""
    items = rules.items[schema.pk]
    if month == 1:
        context = validation.Context(month=1)
    else:
        previous_values, _errors = validation.parse(items, previous) if previous else ({}, [])
        context = validation.Context(
            month=month,
            previous_values=previous_values or None,
            previous_month_certified=previous is not None,
            change_threshold_pct=rules.threshold,
        )
    _values, found = validation.validate(
        formula_version=schema.formula_version, items=items, raw=values, context=context
    )
    return found


def explain(found: list[validation.Found], unit: Unit, shape: Profile, month: int) -> dict:
    """The enterprise's explanation of each warning."""
    explanations = {}
    for finding in found:
        if finding.severity != Severity.WARNING:
            continue
        if finding.rule == "missing_previous_month":
            text = MISSING_NOTE.format(month=finding.params["month"])
        elif finding.rule == "month_over_month" and shape.maintenance_month == month:
            r = rng(unit.uscc, month, "maintenance")
            start = 1 + r.randrange(8)
            text = MAINTENANCE_NOTE[unit.sector].format(
                month=month, start=start, end=start + 12 + r.randrange(8), unit=1 + r.randrange(2)
            )
        elif finding.rule == "month_over_month" and shape.maintenance_month == month - 1:
            text = RECOVERY_NOTE
        elif finding.rule == "month_over_month":
            text = CHANGE_NOTE
        else:
            text = RANGE_NOTE
        explanations[finding.key] = text
    return explanations


# --- The story of each month ----------------------------------------------------------------


@dataclass
class Story:
    """What the demo makes of a unit's months, and what it replaces."""

    versions: list[Version] = field(default_factory=list)
    replaced_drafts: list[int] = field(default_factory=list)


def month_story(
    month: Month,
    *,
    today: date,
    year: int,
    shape: Profile,
    rules: Rules,
    previous: dict | None,
    reviewer: int | None,
    force_return: bool,
) -> list[Version]:
    """The versions of one month: submitted (and reviewed, perhaps corrected), or a draft."""
    unit = month.unit
    schema = rules.schemas[unit.sector]
    truth = month_values(unit, shape, year, month.month)
    r = rng(unit.uscc, year, month.month, "story")
    met_by_demo = (
        month.status in MET and month.met_at is not None and month.fulfilment == CALENDAR_FULFILMENT
    )
    if not met_by_demo:
        if month.status in MET:
            return []  # met some other way: not the demo's to certify
        if share(unit.uscc, year, month.month, "draft") >= DRAFTED:
            return []
        created = office_hours(month.period_end + timedelta(days=2 + r.randrange(10)), r)
        if created.date() >= today:
            return []
        complete = share(unit.uscc, year, month.month, "complete") < COMPLETE_DRAFT
        values = truth if complete else partial(truth, rules.items[schema.pk])
        draft = Version(
            unit=unit,
            year=year,
            month=month.month,
            number=1,
            status=SubmissionStatus.DRAFT,
            values=values,
            created_at=created,
            updated_at=created + timedelta(hours=2),
            schema=schema,
            items=rules.items[schema.pk],
        )
        draft.found = evaluate(rules, schema, month.month, values, previous)
        return [draft]

    submitted_at = month.met_at
    returned = force_return or share(unit.uscc, year, month.month, "review") < RETURNED
    first_values, comment = mistaken(unit, truth, year, month.month) if returned else (truth, "")
    first = _submitted(
        unit, year, month.month, 1, first_values, submitted_at, r, rules, previous, shape
    )
    delay = 2 if force_return else 1 + r.randrange(REVIEW_DAYS)
    reviewed_at = office_hours(submitted_at.astimezone(SHANGHAI).date() + timedelta(delay), r)
    if reviewed_at.date() >= today:
        return [first]  # waiting for review
    first.reviewed_at = first.updated_at = reviewed_at
    first.reviewed_by = reviewer
    if not returned:
        _accept(first, r)
        return [first]
    first.status = SubmissionStatus.RETURNED
    first.review_comment = comment
    resubmitted = office_hours(reviewed_at.date() + timedelta(1 + r.randrange(CORRECTION_DAYS)), r)
    if (
        force_return
        or share(unit.uscc, year, month.month, "corrected") >= CORRECTED
        or resubmitted.date() >= today
    ):
        return [first]
    second = _submitted(
        unit, year, month.month, 2, truth, resubmitted, r, rules, previous, shape,
        explanations=first.explanations, after=reviewed_at + timedelta(hours=1),
    )  # fmt: skip
    second.supersedes = first
    first.status = SubmissionStatus.SUPERSEDED
    first.updated_at = resubmitted
    second_review = office_hours(resubmitted.date() + timedelta(1 + r.randrange(10)), r)
    if second_review.date() < today:
        second.reviewed_at = second.updated_at = second_review
        second.reviewed_by = reviewer
        _accept(second, r)
    return [first, second]


def _submitted(
    unit, year, month, number, values, submitted_at, r, rules, previous, shape,
    *, explanations=None, after=None,
) -> Version:  # fmt: skip
    schema = rules.schemas[unit.sector]
    found = evaluate(rules, schema, month, values, previous)
    errors = [f for f in found if f.severity == Severity.ERROR]
    if errors:  # the figures above are made to pass; this is a bug in them
        raise ValueError(f"demo figures of {unit.uscc} {year}-{month:02d} have errors: {errors}")
    started = submitted_at - timedelta(days=1 + r.randrange(4), hours=r.randrange(6))
    if after is not None:
        started = max(started, after)
    version = Version(
        unit=unit,
        year=year,
        month=month,
        number=number,
        status=SubmissionStatus.SUBMITTED,
        values=values,
        created_at=min(started, submitted_at),
        updated_at=submitted_at,
        schema=schema,
        items=rules.items[schema.pk],
        explanations={**(explanations or {}), **explain(found, unit, shape, month)},
        submitted_at=submitted_at,
    )
    version.found = found
    return version


def _accept(version: Version, r: random.Random) -> None:
    version.status = SubmissionStatus.ACCEPTED
    warnings = [f for f in version.found if f.severity == Severity.WARNING]
    version.waived = bool(warnings) and r.randrange(100) < WAIVED


# --- Loading and writing --------------------------------------------------------------------


def _units(enterprise_ids: set[int]) -> dict[int, Unit]:
    emissions: dict[int, tuple] = {}
    rows = AnnualEmissions.objects.filter(enterprise__in=enterprise_ids).values_list(
        "enterprise_id", "year", "source", "direct_emissions"
    )
    for enterprise_id, year, source, direct in rows.order_by("year"):
        # The latest year, verified rather than reported.
        rank = (year, source == EmissionsSource.VERIFIED)
        if enterprise_id not in emissions or rank > emissions[enterprise_id][0]:
            emissions[enterprise_id] = (rank, direct)
    capacity: dict[int, Decimal] = defaultdict(Decimal)
    gas: dict[int, Decimal] = defaultdict(Decimal)
    facilities = Facility.objects.filter(
        enterprise__in=enterprise_ids, capacity_unit="MW"
    ).values_list("enterprise_id", "capacity", "fuel")
    for enterprise_id, mw, fuel in facilities:
        capacity[enterprise_id] += mw
        if fuel == Fuel.NATURAL_GAS:
            gas[enterprise_id] += mw
    users: dict[int, int] = {}
    members = Membership.objects.filter(
        role=Role.ENTERPRISE_USER, enterprise__in=enterprise_ids
    ).values_list("enterprise_id", "user_id")
    for enterprise_id, user_id in members.order_by("user_id"):
        users.setdefault(enterprise_id, user_id)
    units = {}
    rows = Enterprise.objects.filter(pk__in=enterprise_ids).values_list(
        "pk", "uscc", "province_id", "industry__sector", "industry__code"
    )
    for pk, uscc, province_id, sector, industry_code in rows:
        if pk not in emissions:
            continue
        units[pk] = Unit(
            id=pk,
            uscc=uscc,
            province_id=province_id,
            sector=sector,
            industry_code=industry_code,
            annual_t=emissions[pk][1],
            capacity_mw=capacity[pk],
            gas_fired=gas[pk] * 2 > capacity[pk] > 0,
            submitted_by=users.get(pk),
        )
    return units


def _reviewers(province_ids: set[int]) -> dict[int, int]:
    """A staff member of each province: the demo's staff login, else any province-wide one."""
    preferred = {names[0] for names in TEAMS.values()}
    rows = Membership.objects.filter(
        role=Role.PROVINCIAL_STAFF, province__in=province_ids, city__isnull=True
    ).values_list("province_id", "province__code", "user_id", "user__username")
    reviewers: dict[int, tuple] = {}
    for province_id, code, user_id, username in rows:
        rank = (
            username not in preferred and username != OTHER_STAFF.format(code=code),
            username,
        )
        if province_id not in reviewers or rank < reviewers[province_id][0]:
            reviewers[province_id] = (rank, user_id)
    return {province_id: user_id for province_id, (_rank, user_id) in reviewers.items()}


def _demo_login_units() -> set[int]:
    return set(
        Membership.objects.filter(
            user__username__in=DEMO_ENTERPRISE_LOGINS, role=Role.ENTERPRISE_USER
        ).values_list("enterprise_id", flat=True)
    )


def _months(scale: Scale, today: date) -> Iterator[tuple]:
    codes = SMALL_PROVINCES if scale == "small" else tuple(PROVINCE_INFO)
    usccs = [spec.uscc for spec in plan(scale)]
    rows = (
        Obligation.objects.filter(
            kind=ObligationKind.MONTHLY_CERTIFICATION,
            province__code__in=codes,
            enterprise__uscc__in=usccs,
            period_start__year=today.year,
            period_end__lt=today,
        )
        .values_list(
            "enterprise_id", "period_start", "period_end", "due_on", "status", "met_at",
            "fulfilment",
        )
        .order_by("enterprise_id", "period_start")
    )  # fmt: skip
    return rows.iterator(chunk_size=5000)


@transaction.atomic
def seed_reporting(scale: Scale, *, today: date) -> ReportingResult:
    """The demo units' certifications of this year's ended months, as of `today`."""
    year = today.year
    rules = load_rules(year)
    by_unit: dict[int, list[tuple]] = defaultdict(list)
    for row in _months(scale, today):
        by_unit[row[0]].append(row)
    units = {
        pk: unit
        for pk, unit in _units(set(by_unit)).items()
        if unit.sector in SEASON and unit.sector in rules.schemas
    }
    existing = _existing(set(units), year)
    reviewers = _reviewers({unit.province_id for unit in units.values()})
    demo_logins = _demo_login_units()
    story = Story()
    late = 0
    for pk, unit in units.items():
        months = [Month(unit, start.month, end, due, status, met_at, fulfilment)
                  for _id, start, end, due, status, met_at, fulfilment in by_unit[pk]]  # fmt: skip
        shape = profile(unit)
        force = _forced_return(unit, months, existing.get(pk, {}), demo_logins, today)
        standing: dict[int, dict] = {}
        for month in months:
            here = existing.get(pk, {}).get(month.month)
            previous = standing.get(month.month - 1)
            if here is not None and not _replaceable(here, unit, shape, rules, year, month):
                standing.update({month.month: here.standing} if here.standing else {})
                continue
            versions = month_story(
                month, today=today, year=year, shape=shape, rules=rules, previous=previous,
                reviewer=reviewers.get(unit.province_id), force_return=month.month == force,
            )  # fmt: skip
            if here is not None and versions:
                story.replaced_drafts.append(here.draft_pk)
            story.versions += versions
            for version in versions:
                if version.status in STANDING:
                    standing[month.month] = version.values
            if versions and versions[0].submitted_at and month.status == ObligationStatus.MET_LATE:
                late += 1
    _write(story)
    created = Counter(version.status for version in story.versions)
    return ReportingResult(
        today=today,
        created=len(story.versions),
        statuses=dict(created),
        corrected=sum(1 for v in story.versions if v.supersedes is not None),
        late=late,
        with_warnings=sum(
            1
            for v in story.versions
            if v.submitted_at and any(f.severity == Severity.WARNING for f in v.found)
        ),
    )


@dataclass(frozen=True)
class Existing:
    standing: dict | None  # the standing version's values
    draft_pk: int | None
    draft_values: dict | None
    others: bool  # any version besides a draft


def _existing(unit_ids: set[int], year: int) -> dict[int, dict[int, Existing]]:
    found: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    rows = MonthlyCertification.objects.filter(enterprise__in=unit_ids, year=year).values_list(
        "enterprise_id", "month", "pk", "status", "values"
    )
    for enterprise_id, month, pk, status, values in rows.iterator(chunk_size=5000):
        found[enterprise_id][month].append((pk, status, values))
    result: dict[int, dict[int, Existing]] = {}
    for enterprise_id, months in found.items():
        result[enterprise_id] = {}
        for month, versions in months.items():
            standing = next((v for _pk, s, v in versions if s in STANDING), None)
            draft = next(((pk, v) for pk, s, v in versions if s == SubmissionStatus.DRAFT), None)
            result[enterprise_id][month] = Existing(
                standing=standing,
                draft_pk=draft[0] if draft else None,
                draft_values=draft[1] if draft else None,
                others=any(s != SubmissionStatus.DRAFT for _pk, s, _v in versions),
            )
    return result


def _replaceable(here: Existing, unit: Unit, shape: Profile, rules, year, month: Month) -> bool:
    """A draft of this demo's, untouched, whose month the calendar has since met."""
    if here.others or here.draft_values is None or month.status not in MET:
        return False
    truth = month_values(unit, shape, year, month.month)
    items = rules.items[rules.schemas[unit.sector].pk]
    return here.draft_values in (truth, partial(truth, items))


def _forced_return(unit, months, existing, demo_logins, today) -> int | None:
    """The month a demo login's unit has returned: its latest one submitted in time for the
    review to have happened, unless one is returned already."""
    if unit.id not in demo_logins or existing:
        return None
    candidates = [
        month.month
        for month in months
        if month.status in MET
        and month.fulfilment == CALENDAR_FULFILMENT
        and month.met_at is not None
        and month.met_at.astimezone(SHANGHAI).date() + timedelta(days=2) < today
    ]
    return max(candidates, default=None)


def _write(story: Story) -> None:
    if story.replaced_drafts:
        MonthlyCertification.objects.filter(pk__in=story.replaced_drafts).delete()
    first = [v for v in story.versions if v.supersedes is None]
    second = [v for v in story.versions if v.supersedes is not None]
    for batch in (first, second):
        rows = [_row(version) for version in batch]
        MonthlyCertification.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        for version, row in zip(batch, rows, strict=True):
            version.row = row
    ValidationFinding.objects.bulk_create(
        [finding for version in story.versions for finding in _findings(version)],
        batch_size=BATCH_SIZE,
    )
    _set_times(story.versions)


def _row(version: Version) -> MonthlyCertification:
    """The row, with the emissions and calculation the services store for these values."""
    emissions, lines, formula_version = None, [], ""
    if not any(f.severity == Severity.ERROR for f in version.found):
        values, _errors = validation.parse(version.items, version.values)
        result = compute(
            formula_version=version.schema.formula_version, items=version.items, values=values
        )
        emissions, formula_version = result.total, result.formula_version
        lines = [
            {"group": line.group, "kind": line.kind, "formula": line.formula,
             "tonnes": str(line.tonnes)}
            for line in result.lines
        ]  # fmt: skip
    return MonthlyCertification(
        enterprise_id=version.unit.id,
        year=version.year,
        month=version.month,
        version=version.number,
        status=version.status,
        supersedes=version.supersedes.row if version.supersedes else None,
        schema=version.schema,
        values=version.values,
        explanations=version.explanations,
        emissions=emissions,
        calculation=lines,
        formula_version=formula_version,
        submitted_at=version.submitted_at,
        submitted_by_id=version.unit.submitted_by if version.submitted_at else None,
        reviewed_at=version.reviewed_at,
        reviewed_by_id=version.reviewed_by,
        review_comment=version.review_comment,
    )


def _findings(version: Version) -> Iterator[ValidationFinding]:
    for found in version.found:
        waived = version.waived and found.severity == Severity.WARNING
        yield ValidationFinding(
            certification=version.row,
            rule=found.rule,
            item_code=found.item_code,
            severity=found.severity,
            params=found.params,
            waived_by_id=version.reviewed_by if waived else None,
            waived_at=version.reviewed_at if waived else None,
            waiver_justification=WAIVER_NOTE if waived else "",
        )


def _set_times(versions: list, model=MonthlyCertification) -> None:
    """created_at and updated_at of the versions' rows (`version.row`) as of the story (the
    fields set themselves to now on insert). On PostgreSQL one UPDATE from arrays per
    UPDATE_CHUNK rows, as units.demo.deadlines does."""
    if not versions:
        return
    if connection.vendor != "postgresql":
        rows = []
        for version in versions:
            version.row.created_at, version.row.updated_at = version.created_at, version.updated_at
            rows.append(version.row)
        model.objects.bulk_update(rows, ["created_at", "updated_at"], batch_size=BATCH_SIZE)
        return
    table = connection.ops.quote_name(model._meta.db_table)
    statement = (
        f"UPDATE {table} SET created_at = v.created_at, updated_at = v.updated_at "
        "FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[]) "
        f"AS v(id, created_at, updated_at) WHERE {table}.id = v.id"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(versions), UPDATE_CHUNK):
            chunk = versions[start : start + UPDATE_CHUNK]
            cursor.execute(
                statement,
                [
                    [v.row.pk for v in chunk],
                    [v.created_at for v in chunk],
                    [v.updated_at for v in chunk],
                ],
            )
