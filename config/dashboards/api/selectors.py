"""The figures behind the statistics resource, read by the dashboards' own functions: the
national roll-up's rows of the provinces the actor may see, and one province's dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from accounts import scoping
from config.dashboards import measures, national
from config.dashboards.api.params import Asked
from config.dashboards.cycle import Cycle, Filters
from units.models import Province


@dataclass(frozen=True)
class Rollup:
    as_of: date
    cycle: Cycle | None
    last_cycle: Cycle | None
    results: list[national.ProvinceRow]
    total: national.ProvinceRow | None

    @property
    def count(self) -> int:
        return len(self.results)


@dataclass(frozen=True)
class ProvinceStatistics:
    as_of: date
    cycle: Cycle
    last_cycle: Cycle | None
    province: Province
    summary: national.ProvinceRow
    dashboard: measures.ProvinceDashboard
    units_late_certifying: int
    overdue: int


def rollup_of(actor: scoping.Actor, ask: Asked) -> Rollup:
    """The roll-up's rows of the provinces the actor may open a dashboard of, by code."""
    if ask.cycle is None:
        return Rollup(ask.as_of, None, None, [], None)
    every = national.rollup_rows(
        actor=actor, filters=Filters(), cycle=ask.cycle, last_cycle=ask.last_cycle
    )
    rows = [
        row for row in every if actor.sees_all_provinces or row.province.pk in actor.province_ids
    ]
    rows = national.sort_rows(rows, "code")
    return Rollup(ask.as_of, ask.cycle, ask.last_cycle, rows, national.totals(rows))


def statistics_of(actor: scoping.Actor, province: Province, ask: Asked) -> ProvinceStatistics:
    """The province's roll-up row and dashboard; the heat map and the overdue list counted
    only (limit 0), as the API gives figures, not rows of enterprises."""
    scope = {"actor": actor, "province": province, "filters": Filters()}
    cycles = {"cycle": ask.cycle, "last_cycle": ask.last_cycle}
    (summary,) = national.rollup_rows(**scope, **cycles)
    return ProvinceStatistics(
        as_of=ask.as_of,
        **cycles,
        province=province,
        summary=summary,
        dashboard=measures.ProvinceDashboard(**scope, **cycles),
        units_late_certifying=measures.late_certifications(**scope, cycle=ask.cycle, limit=0).total,
        overdue=measures.overdue(**scope, today=ask.as_of, limit=0).total,
    )
