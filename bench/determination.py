"""Benchmark the determination of allowances for every unit of the largest province of `national`.

    .venv/bin/python bench/determination.py

Uses its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/carbon_bench),
created if missing, migrated and seeded with `seed_demo --scale national` (idempotent: a rerun
skips straight to the measurements). The demo has issued last year's allowances already, so
each run works in a transaction it rolls back: it takes the year's determination and issuance
back off the province's allocations (their batches deleted, the adjustments un-netted), then,
as the province's staff, times quotas.determination.draft_determination for every sector with a
plan (the year's confirmed verification read, every unit's figure computed, the allocations
written and audited, the batch's summary recorded):

- "first draft": no determination batch yet, every allocation written;
- "refresh": the same call again on the draft it made (every figure recomputed, nothing changed).

Prints, per sector and in all, the units, the median and p90 in seconds, the SQL query count,
and the milliseconds per unit.
"""

import os
import statistics
import sys
import time

from benchsetup import DEFAULT_URL, ensure_database, seed_demo, setup_django, staff_user

RUNS = 5


class Rollback(Exception):
    """Raised to leave the timed transaction without keeping its writes."""


def largest_province():
    """The province with the most units that hold a determined allocation."""
    from django.db.models import Count, Q

    from quotas.models import Allocation
    from units.models import Province

    year = Allocation.objects.filter(determination_batch__isnull=False).order_by("-year").first()
    if year is None:
        sys.exit("no determined allocation: did seed_demo --scale national run?")
    year = year.year
    province = (
        Province.objects.annotate(
            size=Count(
                "enterprises__allocations",
                filter=Q(enterprises__allocations__year=year),
            )
        )
        .order_by("-size")
        .first()
    )
    return province, year


def undo_determination(province, year: int) -> None:
    """Take the year's determination and issuance off the province's allocations (in the
    caller's transaction)."""
    from quotas.models import Adjustment, Allocation, AllocationBatch, Step

    batches = AllocationBatch.objects.filter(
        province=province, year=year, step__in=[Step.DETERMINATION, Step.ALLOCATION]
    )
    Adjustment.objects.filter(
        netted_in__enterprise__province=province, netted_in__year=year
    ).update(netted_in=None)
    Allocation.objects.filter(enterprise__province=province, year=year).update(
        determination_batch=None,
        allocation_batch=None,
        determined=None,
        to_issue=None,
        determination_lines=[],
        determination_inputs={},
    )
    batches.delete()


def sectors_of(province, year: int) -> list[tuple[str, int]]:
    from django.db.models import Count

    from quotas.models import Allocation

    rows = (
        Allocation.objects.filter(enterprise__province=province, year=year)
        .values("enterprise__industry__sector")
        .annotate(units=Count("pk"))
        .order_by("enterprise__industry__sector")
    )
    return [(row["enterprise__industry__sector"], row["units"]) for row in rows]


def measure(actor, province, year: int, sectors: list[str]):
    """One rolled-back run: {(case, sector): (seconds, queries)}."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from quotas import determination

    figures = {}
    try:
        with transaction.atomic():
            undo_determination(province, year)
            for case in ("first draft", "refresh"):
                for sector in sectors:
                    with CaptureQueriesContext(connection) as queries:
                        started = time.perf_counter()
                        batch = determination.draft_determination(
                            actor=actor, province=province, year=year, sector=sector
                        )
                        elapsed = time.perf_counter() - started
                    if not batch.determinations.exists():
                        sys.exit(f"{sector}: the determination wrote no allocation")
                    figures[case, sector] = (elapsed, len(queries))
            raise Rollback
    except Rollback:
        pass
    return figures


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    setup_django(url)
    for line in seed_demo():
        print(line)

    from accounts.scoping import actor_for

    province, year = largest_province()
    actor = actor_for(staff_user(province))
    sectors = sectors_of(province, year)
    units = dict(sectors)
    print(
        f"\nDetermination of {year} for {province.code} {province.name_zh} "
        f"({sum(units.values())} units with an allocation), {RUNS} rolled-back runs\n"
    )
    runs = [measure(actor, province, year, list(units)) for _ in range(RUNS)]

    print(
        f"{'case':<13}{'sector':<11}{'units':>6}{'median s':>10}{'p90 s':>9}{'queries':>9}"
        f"{'ms/unit':>9}"
    )
    for case in ("first draft", "refresh"):
        totals = [sum(run[case, sector][0] for sector in units) for run in runs]
        for sector, count in units.items():
            seconds = [run[case, sector][0] for run in runs]
            queries = {run[case, sector][1] for run in runs}
            print(row(case, sector, count, seconds, queries))
        queries = {sum(run[case, sector][1] for sector in units) for run in runs}
        print(row(case, "all", sum(units.values()), totals, queries))


def row(case: str, sector: str, units: int, seconds: list[float], queries: set[int]) -> str:
    p90 = statistics.quantiles(seconds, n=10, method="inclusive")[-1]
    median = statistics.median(seconds)
    counts = "-".join(str(n) for n in sorted({min(queries), max(queries)}))
    return (
        f"{case:<13}{sector:<11}{units:>6}{median:>10.2f}{p90:>9.2f}{counts:>9}"
        f"{median * 1000 / units:>9.1f}"
    )


if __name__ == "__main__":
    main()
