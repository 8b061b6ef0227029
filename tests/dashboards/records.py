"""The records behind the dashboard tests, and the expected figures computed from them with
plain Python (no query of the code under test): a cycle's obligations in every status across two
cities and two sectors of Shandong (and Guangdong for the roll-up), last year's calendar met
partly after the same date, verification assignments, allocations and settlements in tonnes."""

import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from deadlines.generation import generate_obligations
from deadlines.models import DeadlineRule, Obligation, ObligationStatus, PeriodKind
from quotas.models import (
    Allocation,
    AllocationBatch,
    BatchStatus,
    Settlement,
    SettlementStatus,
    Step,
    Surrender,
)
from tests.factories.accounts import UserFactory
from tests.factories.quotas_settlement import AllocationFactory, SettlementFactory, SurrenderFactory
from tests.factories.reporting import AnnualReportFactory
from tests.factories.units import EnterpriseFactory, industry
from tests.factories.verification import AssignmentFactory
from verification.models import Assignment, AssignmentStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 15, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
LAST_YEAR = date(2025, 11, 15)
MET = {ObligationStatus.MET_ON_TIME, ObligationStatus.MET_LATE}
SECTOR_INDUSTRY = {"power": ("4411", "power"), "cement": ("3011", "cement")}


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def copy_rules(*, from_year: int = 2026, to_year: int = 2025) -> None:
    """Last year's national calendar: the 2026 notice's rules one year earlier."""
    for rule in DeadlineRule.objects.filter(year=from_year, province__isnull=True):
        rule.pk = None
        rule.public_id = uuid.uuid4()
        rule.year = to_year
        rule.save()


def unit(province, city, sector: str, name: str):
    return EnterpriseFactory(
        province=province, city=city, industry=industry(*SECTOR_INDUSTRY[sector]), name_zh=name
    )


def set_statuses(obligations: list[Obligation], *, seed: int = 8) -> None:
    """Every status: past-due ones met on time, late, marked missed or still open (the sweep has
    not run); future ones open or met early. Met times straddle last year's date."""
    pick = random.Random(seed)
    for obligation in obligations:
        if obligation.due_on < TODAY:
            status = pick.choice(["met_on_time", "met_late", "missed", "open"])
        else:
            status = pick.choice(["open", "met_on_time"])
        obligation.status = status
        if status == "met_on_time":
            met_on = min(obligation.due_on - timedelta(days=pick.randint(0, 20)), TODAY)
            obligation.met_at = at(met_on, pick.randint(8, 23))
        elif status == "met_late":
            met_on = min(obligation.due_on + timedelta(days=pick.randint(1, 30)), TODAY)
            obligation.met_at = min(at(met_on, pick.randint(8, 23)), NOW - timedelta(hours=1))
        else:
            obligation.met_at = None
    Obligation.objects.bulk_update(obligations, ["status", "met_at"])


@dataclass
class Scenario:
    shandong: object
    guangdong: object
    jinan: object
    qingdao: object
    units: dict = field(default_factory=dict)


def build(*, shandong, guangdong, jinan, qingdao, guangzhou, extra_units: int = 0) -> Scenario:
    """Four Shandong units (Jinan and Qingdao × power and cement), one in Guangdong, both
    years' calendars with statuses, assignments, allocations, settlements."""
    scenario = Scenario(shandong=shandong, guangdong=guangdong, jinan=jinan, qingdao=qingdao)
    scenario.units = {
        "jinan_power": unit(shandong, jinan, "power", "济南发电"),
        "jinan_cement": unit(shandong, jinan, "cement", "济南水泥"),
        "qingdao_power": unit(shandong, qingdao, "power", "青岛发电"),
        "qingdao_cement": unit(shandong, qingdao, "cement", "青岛水泥"),
        "guangzhou_power": unit(guangdong, guangzhou, "power", "广州发电"),
    }
    _extra(scenario, extra_units)
    copy_rules()
    generate_obligations(today=TODAY)
    set_statuses(list(Obligation.objects.order_by("pk")))
    _boundary_cases(scenario)
    _verification(scenario)
    _allocations(scenario)
    _settlements(scenario)
    return scenario


def _extra(scenario: Scenario, count: int, start: int = 0) -> list:
    return [
        unit(
            scenario.shandong,
            (scenario.jinan, scenario.qingdao)[number % 2],
            ("power", "cement")[number // 2 % 2],
            f"另一单位{number}",
        )
        for number in range(start, start + count)
    ]


def more_units(scenario: Scenario, count: int) -> None:
    """`count` more Shandong units with both years' obligations in every status."""
    added = _extra(scenario, count, start=1000)
    generate_obligations(today=TODAY, enterprise_ids=[u.pk for u in added], province_ids=[])
    set_statuses(list(Obligation.objects.filter(enterprise__in=added).order_by("pk")), seed=9)


def _boundary_cases(scenario: Scenario) -> None:
    """Jinan power's 2025 months around last year's date (2025-11-15): September's (due 11-09)
    met late in the day's last minute counts as met then; August's (due 10-10) met at 00:05 the
    next day was missing then; October's (due 12-10) met on 12-01 was not yet due then."""
    cases = {
        9: (ObligationStatus.MET_LATE, at(LAST_YEAR, 23, 59)),
        8: (ObligationStatus.MET_LATE, at(LAST_YEAR + timedelta(days=1), 0, 5)),
        10: (ObligationStatus.MET_ON_TIME, at(date(2025, 12, 1))),
    }
    for month, (status, met_at) in cases.items():
        Obligation.objects.filter(
            enterprise=scenario.units["jinan_power"],
            kind="monthly_certification",
            rule__year=2025,
            period_start=date(2025, month, 1),
        ).update(status=status, met_at=met_at)


def _verification(scenario: Scenario) -> None:
    statuses = {
        "jinan_power": AssignmentStatus.CONFIRMED,
        "jinan_cement": AssignmentStatus.CONCLUDED,
        "qingdao_power": AssignmentStatus.ASSIGNED,
        "guangzhou_power": AssignmentStatus.CONFIRMED,
    }
    for key, status in statuses.items():
        report = AnnualReportFactory(enterprise=scenario.units[key], year=2025)
        AssignmentFactory(report=report, status=status)
    withdrawn = AnnualReportFactory(enterprise=scenario.units["qingdao_cement"], year=2025)
    AssignmentFactory(report=withdrawn, status=AssignmentStatus.WITHDRAWN)
    # Another year's assignment does not count in this cycle.
    earlier = AnnualReportFactory(enterprise=scenario.units["qingdao_cement"], year=2024)
    AssignmentFactory(report=earlier, status=AssignmentStatus.CONFIRMED)


def _batch(province, sector: str, step: str, status: str) -> AllocationBatch:
    return AllocationBatch.objects.create(
        province=province,
        year=2025,
        sector=sector,
        step=step,
        status=status,
        prepared_by=UserFactory(),
    )


def _allocations(scenario: Scenario) -> None:
    sd = scenario.shandong
    power = {
        "pre": _batch(sd, "power", Step.PRE_ALLOCATION, BatchStatus.APPROVED),
        "det": _batch(sd, "power", Step.DETERMINATION, BatchStatus.APPROVED),
        "alloc": _batch(sd, "power", Step.ALLOCATION, BatchStatus.SUBMITTED),
    }
    cement = {
        "pre": _batch(sd, "cement", Step.PRE_ALLOCATION, BatchStatus.APPROVED),
        "det": _batch(sd, "cement", Step.DETERMINATION, BatchStatus.DRAFT),
    }
    AllocationFactory(
        enterprise=scenario.units["jinan_power"],
        determined=Decimal(1_200_000),
        pre_allocation_batch=power["pre"],
        determination_batch=power["det"],
        allocation_batch=power["alloc"],
    )
    AllocationFactory(
        enterprise=scenario.units["qingdao_power"],
        determined=Decimal(800_000),
        pre_allocation_batch=power["pre"],
        determination_batch=power["det"],
        issued=None,
        issued_on=None,
    )
    AllocationFactory(
        enterprise=scenario.units["jinan_cement"],
        determined=Decimal(500_000),
        pre_allocation_batch=cement["pre"],
        determination_batch=cement["det"],
        issued=None,
        issued_on=None,
    )
    AllocationFactory(
        enterprise=scenario.units["qingdao_cement"],
        pre_allocated=Decimal(300_000),
        determined=None,
        issued=None,
        issued_on=None,
    )
    gd = scenario.guangdong
    AllocationFactory(
        enterprise=scenario.units["guangzhou_power"],
        determined=Decimal(2_000_000),
        pre_allocation_batch=_batch(gd, "power", Step.PRE_ALLOCATION, BatchStatus.APPROVED),
        determination_batch=_batch(gd, "power", Step.DETERMINATION, BatchStatus.APPROVED),
        allocation_batch=_batch(gd, "power", Step.ALLOCATION, BatchStatus.APPROVED),
    )


def _settlements(scenario: Scenario) -> None:
    plan = {
        "jinan_power": (SettlementStatus.ON_TIME, 1_250_000,
                        [("allowance", 1_200_000), ("ccer", 50_000)]),
        "jinan_cement": (SettlementStatus.LATE, 510_000, [("allowance", 510_000)]),
        "qingdao_power": (SettlementStatus.OPEN, 900_000, [("allowance", 400_000)]),
        "qingdao_cement": (SettlementStatus.NOT_SETTLED, 320_000, []),
        "guangzhou_power": (SettlementStatus.ON_TIME, 2_100_000, [("allowance", 2_100_000)]),
    }  # fmt: skip
    for key, (status, owed, surrenders) in plan.items():
        settlement = SettlementFactory(
            enterprise=scenario.units[key],
            status=status,
            verified_emissions=Decimal(owed),
            obligation=Decimal(owed),
        )
        for kind, quantity in surrenders:
            SurrenderFactory(
                settlement=settlement,
                kind=kind,
                vintage=2025 if kind == "allowance" else None,
                quantity=Decimal(quantity),
            )


# --- expected figures, in plain Python --------------------------------------------------------


def measure(obligation: Obligation, as_of: date) -> str:
    met_then = obligation.status in MET and (
        obligation.met_at is None or obligation.met_at.astimezone(SHANGHAI).date() <= as_of
    )
    if met_then:
        return "on_time" if obligation.status == ObligationStatus.MET_ON_TIME else "late"
    return "missing" if obligation.due_on < as_of else "pending"


def cycle_obligations(*, year: int, as_of: date, province=None, city=None, sector=None):
    """The cycle's obligations that existed by `as_of`, filtered in Python."""
    rows = []
    for obligation in Obligation.objects.select_related("rule", "enterprise__industry"):
        if obligation.rule.year != year or obligation.rule.province_id is not None:
            continue
        if obligation.rule.period_kind == PeriodKind.MONTH and obligation.period_start > as_of:
            continue
        if province is not None and obligation.province_id != province.pk:
            continue
        if city is not None and (
            obligation.enterprise is None or obligation.enterprise.city_id != city.pk
        ):
            continue
        if sector is not None and (
            obligation.enterprise is None or obligation.enterprise.industry.sector != sector
        ):
            continue
        rows.append(obligation)
    return rows


def by_kind(obligations, as_of: date) -> dict[str, Counter]:
    counts: dict[str, Counter] = defaultdict(Counter)
    for obligation in obligations:
        counts[obligation.kind]["due"] += 1
        counts[obligation.kind][measure(obligation, as_of)] += 1
    return counts


def by_month(obligations, as_of: date) -> dict[str, Counter]:
    counts: dict[str, Counter] = defaultdict(Counter)
    for obligation in obligations:
        if obligation.kind == "monthly_certification":
            key = f"{obligation.period_start:%Y-%m}"
            counts[key]["due"] += 1
            counts[key][measure(obligation, as_of)] += 1
    return counts


def rate(part: int, whole: int) -> str:
    return "—" if not whole else str((Decimal(100 * part) / whole).quantize(Decimal("0.1")))


def overdue(*, province, today: date = TODAY, city=None, sector=None) -> list[Obligation]:
    return sorted(
        (
            o
            for o in Obligation.objects.select_related("enterprise__industry")
            if o.province_id == province.pk
            and o.status not in MET
            and o.due_on < today
            and (city is None or (o.enterprise and o.enterprise.city_id == city.pk))
            and (sector is None or (o.enterprise and o.enterprise.industry.sector == sector))
        ),
        key=lambda o: (o.due_on, o.kind, o.enterprise.name_zh if o.enterprise else "", o.pk),
    )


def assignments(province, *, sector=None) -> dict[str, Counter]:
    counts: dict[str, Counter] = defaultdict(Counter)
    for assignment in Assignment.objects.select_related("enterprise__industry"):
        if assignment.enterprise.province_id != province.pk or assignment.year != 2025:
            continue
        if assignment.status == AssignmentStatus.WITHDRAWN:
            continue
        if sector and assignment.enterprise.industry.sector != sector:
            continue
        counts[assignment.enterprise.industry.sector]["total"] += 1
        counts[assignment.enterprise.industry.sector][assignment.status] += 1
    return counts


def allocation_steps(province) -> dict[str, dict]:
    steps = {
        "pre_allocation": ("pre_allocation_batch", "pre_allocated"),
        "determination": ("determination_batch", "determined"),
        "allocation": ("allocation_batch", "issued"),
    }
    result = {}
    allocations = [
        a
        for a in Allocation.objects.select_related(
            "pre_allocation_batch", "determination_batch", "allocation_batch", "enterprise"
        )
        if a.enterprise.province_id == province.pk and a.year == 2025
    ]
    for step, (batch_field, tonnes_field) in steps.items():
        approved = [
            a
            for a in allocations
            if getattr(a, tonnes_field) is not None
            and getattr(a, batch_field) is not None
            and getattr(a, batch_field).status == BatchStatus.APPROVED
        ]
        drafted = [
            a for a in allocations if getattr(a, tonnes_field) is not None and a not in approved
        ]
        result[step] = {
            "approved": len(approved),
            "approved_t": sum(getattr(a, tonnes_field) for a in approved),
            "drafted": len(drafted),
            "drafted_t": sum(getattr(a, tonnes_field) for a in drafted),
        }
    return result


def settlements(province) -> dict:
    rows = [
        s
        for s in Settlement.objects.select_related("enterprise")
        if s.enterprise.province_id == province.pk and s.year == 2025
    ]
    surrenders = [
        s
        for s in Surrender.objects.select_related("settlement__enterprise")
        if s.settlement.enterprise.province_id == province.pk and s.settlement.year == 2025
    ]
    statuses = Counter(s.status for s in rows)
    return {
        "due": len(rows),
        "on_time": statuses["on_time"],
        "late": statuses["late"],
        "not_settled": statuses["not_settled"],
        "open": statuses["open"],
        "to_surrender_t": sum(s.obligation for s in rows),
        "allowances_t": sum(s.quantity for s in surrenders if s.kind == "allowance"),
        "ccer_t": sum(s.quantity for s in surrenders if s.kind == "ccer"),
    }
