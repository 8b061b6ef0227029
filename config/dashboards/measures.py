"""The reads of a province's dashboard: one function per measure, each one or two aggregate
queries (counts and sums with conditional aggregation grouped by kind, month or sector), scoped
through accounts.scoping, so the query count never depends on the number of enterprises."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet

from accounts import scoping
from config.dashboards.allowances import (
    SettlementProgress,
    StepRow,
    allocation_progress,
    settlement_progress,
)
from config.dashboards.cycle import (
    Cycle,
    Filters,
    Tally,
    current_cycle,
    cycle_a_year_before,
    enterprise_filters,
    in_cycle,
    in_scope,
    percent,
    province_filter,
    state_as_of,
    tally_aggregates,
)
from core.errors import NotFound, PermissionDenied
from deadlines.models import Obligation, ObligationKind
from units.models import Province, Sector
from verification.models import Assignment, AssignmentStatus

HEATMAP_ROWS = 50
HEAT_SIGNS = {"on_time": "✓", "late": "!", "missing": "✗", "pending": "…", None: ""}
OVERDUE_ROWS = 50


# --- access ---------------------------------------------------------------------------------------


def may_see_dashboards(actor: scoping.Actor) -> bool:
    return actor.sees_all_provinces or bool(actor.staff_scopes)


def may_see_national(actor: scoping.Actor) -> bool:
    return actor.sees_all_provinces


def own_province(*, actor: scoping.Actor) -> Province | None:
    """The one province a staff member works in; None for reviewers and multi-province staff,
    who pick one."""
    if not may_see_dashboards(actor):
        raise PermissionDenied("no dashboard for this role")
    if actor.sees_all_provinces or len(actor.province_ids) != 1:
        return None
    return Province.objects.get(pk=next(iter(actor.province_ids)))


def dashboard_province(*, actor: scoping.Actor, code: str) -> Province:
    """The province whose dashboard the actor may read; another province's staff get NotFound."""
    if not may_see_dashboards(actor):
        raise PermissionDenied("no dashboard for this role")
    province = Province.objects.filter(code=code).first()
    if province is None or not (actor.sees_all_provinces or province.pk in actor.province_ids):
        raise NotFound("not found")
    return province


def dashboard_provinces(*, actor: scoping.Actor) -> QuerySet[Province]:
    """The provinces the actor can pick a dashboard of."""
    provinces = Province.objects.order_by("code")
    if actor.sees_all_provinces:
        return provinces
    return provinces.filter(pk__in=actor.province_ids)


# --- the measures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class KindRow(Tally):
    kind: str = ""
    deadline: date | None = None
    days_left: int | None = None
    first_due: date | None = None

    @property
    def label(self) -> str:
        return ObligationKind(self.kind).label


def obligation_progress(
    *, actor: scoping.Actor, province: Province | None, filters: Filters, cycle: Cycle
) -> list[KindRow]:
    """Per obligation kind of the calendar: the counts, and the next deadline (the last one
    once all have passed) with the days left to it."""
    rows = (
        in_cycle(actor, province, filters, cycle)
        .values("kind")
        .annotate(
            **tally_aggregates(cycle.as_of),
            first_due=Min("due_on"),
            last_due=Max("due_on"),
            next_due=Min("due_on", filter=Q(due_on__gte=cycle.as_of)),
        )
    )
    result = []
    for row in rows:
        deadline = row["next_due"] or row["last_due"]
        result.append(
            replace(
                KindRow.of(row),
                kind=row["kind"],
                deadline=deadline,
                days_left=(deadline - cycle.as_of).days,
                first_due=row["first_due"],
            )
        )
    return sorted(result, key=lambda row: (row.first_due, row.kind))


@dataclass(frozen=True)
class ComparisonRow:
    kind: str
    now: Tally
    then: Tally

    @property
    def label(self) -> str:
        return ObligationKind(self.kind).label


def comparison(now: list[KindRow], then: list[KindRow]) -> list[ComparisonRow]:
    """This cycle's kinds next to the same kinds at the same date last year."""
    current = {row.kind: row for row in now}
    earlier = {row.kind: row for row in then}
    return [
        ComparisonRow(kind=kind, now=current.get(kind, Tally()), then=earlier.get(kind, Tally()))
        for kind in dict.fromkeys([*current, *earlier])
    ]


@dataclass(frozen=True)
class MonthRow(Tally):
    month: date | None = None
    due_on: date | None = None


def monthly_certification_rates(
    *, actor: scoping.Actor, province: Province | None, filters: Filters, cycle: Cycle
) -> list[MonthRow]:
    """Per month of the cycle: the monthly certifications due, on time, late, missing."""
    rows = (
        in_cycle(actor, province, filters, cycle)
        .filter(kind=ObligationKind.MONTHLY_CERTIFICATION)
        .values("period_start")
        .annotate(**tally_aggregates(cycle.as_of), due_date=Max("due_on"))
        .order_by("period_start")
    )
    return [
        replace(MonthRow.of(row), month=row["period_start"], due_on=row["due_date"]) for row in rows
    ]


@dataclass(frozen=True)
class HeatRow:
    name_zh: str
    name_en: str
    public_id: Any
    cells: tuple[str | None, ...]

    @property
    def late(self) -> int:
        return self.cells.count("late")

    @property
    def missing(self) -> int:
        return self.cells.count("missing")

    @property
    def shown(self) -> list[tuple[str, str]]:
        """Each cell's measure ("" for no obligation) and the sign the heat map shows for it
        (worked out here: a thousand cells of template conditions are what made it slow)."""
        return [(cell or "", HEAT_SIGNS[cell]) for cell in self.cells]


@dataclass(frozen=True)
class HeatMap:
    months: list[date]
    rows: list[HeatRow]
    total: int


def late_certifications(
    *,
    actor: scoping.Actor,
    province: Province | None,
    filters: Filters,
    cycle: Cycle,
    limit: int | None = HEATMAP_ROWS,
) -> HeatMap:
    """Enterprises × months of the enterprises with a monthly certification met late or
    missing, most missing first; each cell the month's measure (None: no obligation)."""
    aggregates = tally_aggregates(cycle.as_of)
    monthly = in_cycle(actor, province, filters, cycle).filter(
        kind=ObligationKind.MONTHLY_CERTIFICATION, enterprise__isnull=False
    )
    late = list(
        monthly.values("enterprise", "enterprise__name_zh", "enterprise__name_en")
        .annotate(late=aggregates["late"], missing=aggregates["missing"])
        .filter(Q(late__gt=0) | Q(missing__gt=0))
        .order_by("-missing", "-late", "enterprise__name_zh", "enterprise")
    )
    shown = late if limit is None else late[:limit]
    months = cycle.months()
    column = {month: index for index, month in enumerate(months)}
    cells: dict[int, list[str | None]] = {row["enterprise"]: [None] * len(months) for row in shown}
    public_ids = {}
    for enterprise_id, public_id, period_start, status, met_at, due_on in monthly.filter(
        enterprise__in=list(cells)
    ).values_list(
        "enterprise", "enterprise__public_id", "period_start", "status", "met_at", "due_on"
    ):
        public_ids[enterprise_id] = public_id
        if period_start in column:
            cells[enterprise_id][column[period_start]] = state_as_of(
                status, met_at, due_on, cycle.as_of
            )
    return HeatMap(
        months=months,
        rows=[
            HeatRow(
                name_zh=row["enterprise__name_zh"],
                name_en=row["enterprise__name_en"],
                public_id=public_ids.get(row["enterprise"]),
                cells=tuple(cells[row["enterprise"]]),
            )
            for row in shown
        ],
        total=len(late),
    )


@dataclass(frozen=True)
class SectorRow(Tally):
    sector: str = ""
    deadline: date | None = None
    days_left: int | None = None
    assigned: int = 0
    concluded: int = 0
    confirmed: int = 0

    @property
    def label(self) -> str:
        return Sector(self.sector).label if self.sector in Sector.values else self.sector

    @property
    def confirmed_rate(self) -> Decimal | None:
        return percent(self.confirmed, self.due)


def verification_progress(
    *, actor: scoping.Actor, province: Province | None, filters: Filters, cycle: Cycle
) -> list[SectorRow]:
    """Per sector: the units whose report must be verified, by its deadline, against the
    assignments made, conclusions awaiting confirmation and confirmed."""
    obligations = (
        in_cycle(actor, province, filters, cycle)
        .filter(kind=ObligationKind.VERIFICATION)
        .values("enterprise__industry__sector")
        .annotate(**tally_aggregates(cycle.as_of), deadline=Max("due_on"))
    )
    assignments = {
        row["enterprise__industry__sector"]: row
        for row in scoping.visible(actor, Assignment)
        .filter(
            province_filter(province, "enterprise__province"),
            enterprise_filters(filters),
            year=cycle.period_year(ObligationKind.VERIFICATION),
        )
        .exclude(status=AssignmentStatus.WITHDRAWN)
        .values("enterprise__industry__sector")
        .annotate(
            assigned=Count("pk"),
            concluded=Count("pk", filter=Q(status=AssignmentStatus.CONCLUDED)),
            confirmed=Count("pk", filter=Q(status=AssignmentStatus.CONFIRMED)),
        )
        .order_by()
    }
    rows = []
    for row in obligations:
        sector = row["enterprise__industry__sector"]
        done = assignments.get(sector, {})
        rows.append(
            replace(
                SectorRow.of(row),
                sector=sector,
                deadline=row["deadline"],
                days_left=(row["deadline"] - cycle.as_of).days,
                assigned=done.get("assigned", 0),
                concluded=done.get("concluded", 0),
                confirmed=done.get("confirmed", 0),
            )
        )
    order = {sector: index for index, sector in enumerate(Sector.values)}
    return sorted(rows, key=lambda row: (row.deadline, order.get(row.sector, 99)))


@dataclass(frozen=True)
class Overdue:
    total: int
    rows: list[Obligation]


def overdue(
    *,
    actor: scoping.Actor,
    province: Province | None,
    filters: Filters,
    today: date,
    limit: int | None = OVERDUE_ROWS,
) -> Overdue:
    """Every unmet obligation past its due date (of any cycle: last year's are still owed),
    oldest first."""
    obligations = (
        in_scope(actor, province, filters)
        .overdue(today)
        .select_related("province", "enterprise__city", "enterprise__industry")
        .order_by("due_on", "kind", "enterprise__name_zh", "pk")
    )
    rows = list(obligations if limit is None else obligations[:limit])
    for obligation in rows:
        obligation.days_overdue = (today - obligation.due_on).days
    return Overdue(total=len(rows) if limit is None else obligations.count(), rows=rows)


# --- the composition ------------------------------------------------------------------------------


class ProvinceDashboard:
    """Every measure of one province's dashboard, each computed when first read (a download
    reads one); `full` lifts the row limits of the heat map and the overdue list."""

    def __init__(
        self,
        *,
        actor: scoping.Actor,
        province: Province,
        filters: Filters,
        cycle: Cycle,
        last_cycle: Cycle | None,
        full: bool = False,
    ) -> None:
        self.cycle, self.last_cycle, self.today = cycle, last_cycle, cycle.as_of
        self._scope = {"actor": actor, "province": province, "filters": filters}
        self._limit = {"limit": None} if full else {}

    @cached_property
    def obligations(self) -> list[KindRow]:
        return obligation_progress(**self._scope, cycle=self.cycle)

    @cached_property
    def comparison(self) -> list[ComparisonRow]:
        if self.last_cycle is None:
            return []
        then = obligation_progress(**self._scope, cycle=self.last_cycle)
        return comparison(self.obligations, then)

    @cached_property
    def monthly(self) -> list[MonthRow]:
        return monthly_certification_rates(**self._scope, cycle=self.cycle)

    @cached_property
    def monthly_last_year(self) -> list[MonthRow]:
        if self.last_cycle is None:
            return []
        return monthly_certification_rates(**self._scope, cycle=self.last_cycle)

    @cached_property
    def late(self) -> HeatMap:
        return late_certifications(**self._scope, cycle=self.cycle, **self._limit)

    @cached_property
    def verification(self) -> list[SectorRow]:
        return verification_progress(**self._scope, cycle=self.cycle)

    @cached_property
    def allocation(self) -> list[StepRow]:
        return allocation_progress(**self._scope, cycle=self.cycle, kinds=self.obligations)

    @cached_property
    def settlement(self) -> SettlementProgress:
        return settlement_progress(**self._scope, cycle=self.cycle)

    @cached_property
    def overdue(self) -> Overdue:
        return overdue(**self._scope, today=self.today, **self._limit)


def province_dashboard(
    *, actor: scoping.Actor, province: Province, filters: Filters, today: date, full: bool = False
) -> ProvinceDashboard | None:
    """The province's dashboard as of today; None while the calendar has no rules."""
    cycle = current_cycle(today)
    if cycle is None:
        return None
    return ProvinceDashboard(
        actor=actor,
        province=province,
        filters=filters,
        cycle=cycle,
        last_cycle=cycle_a_year_before(today, cycle),
        full=full,
    )
