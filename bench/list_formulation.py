"""Benchmark formulating the 2027 list of the largest province of the national demo data, and of
the smallest, on PostgreSQL.

    .venv/bin/python bench/list_formulation.py

Uses its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/carbon_bench),
created if missing, migrated and seeded with `seed_demo --scale national` (idempotent, so a rerun
skips straight to the measurements; the demo publishes every province's lists of 2025-2027).

Everything is measured inside one transaction that is rolled back at the end, so the database
is left as it was: the province's 2027 lists are deleted first (formulation refuses a year whose
list is published), then `formulate(province, 2027)` runs in a savepoint rolled back after each
run. Two cases: a new draft (entries created) and recalculating an existing draft (entries
updated). Prints the median and p90 time and the SQL query count per case; the query count must
be the same for the largest and the smallest province.
"""

import os
import statistics
import time
from typing import Any

from benchsetup import DEFAULT_URL, ensure_database, seed_demo, setup_django, staff_user

YEAR = 2027
WARM_UPS = 2
RUNS = 15


def provinces_by_size() -> list[Any]:
    from django.db.models import Count

    from units.models import Province

    return list(Province.objects.annotate(size=Count("enterprises")).order_by("-size", "code"))


def staff_actor(province: Any) -> Any:
    from accounts.scoping import actor_for

    return actor_for(staff_user(province))


def clear_year(province: Any) -> None:
    """Delete the province's lists of YEAR, newest revision first (a revision protects the list
    it corrects). Only ever called inside the transaction that is rolled back."""
    from units.models import UnitList

    for unit_list in UnitList.objects.filter(province=province, year=YEAR).order_by("-revision"):
        unit_list.delete()


def measure(actor: Any, province: Any, *, recalculate: bool) -> tuple[list[float], set[int], int]:
    """Milliseconds per run, the query counts seen and the number of entries formulated."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from units.lists.services import formulate

    if recalculate:
        formulate(actor=actor, province=province, year=YEAR)
    timings, query_counts, entries = [], set(), 0
    for run in range(WARM_UPS + RUNS):
        savepoint = transaction.savepoint()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            unit_list = formulate(actor=actor, province=province, year=YEAR)
            elapsed_ms = (time.perf_counter() - started) * 1000
        entries = unit_list.entries.count()
        transaction.savepoint_rollback(savepoint)
        if run >= WARM_UPS:
            timings.append(elapsed_ms)
            query_counts.add(len(queries))
    return timings, query_counts, entries


def report_line(name: str, timings: list[float], query_counts: set[int], entries: int) -> str:
    p90 = statistics.quantiles(timings, n=10, method="inclusive")[-1]
    queries = "-".join(str(n) for n in sorted({min(query_counts), max(query_counts)}))
    return f"{name:<26}{statistics.median(timings):>10.1f}{p90:>10.1f}{queries:>9}{entries:>9}"


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    setup_django(url)
    print(*seed_demo(), sep="\n")

    from django.db import transaction

    by_size = provinces_by_size()
    print(f"formulate(province, year={YEAR}); {RUNS} runs per case, each rolled back")
    print(f"{'case':<26}{'median ms':>10}{'p90 ms':>10}{'queries':>9}{'entries':>9}")
    for province in (by_size[0], by_size[-1]):
        print(f"{province.name_zh} ({province.name_en}): {province.size} units")
        with transaction.atomic():
            actor = staff_actor(province)
            clear_year(province)
            for name, recalculate in (("new draft", False), ("recalculate the draft", True)):
                print(report_line(f"  {name}", *measure(actor, province, recalculate=recalculate)))
            transaction.set_rollback(True)


if __name__ == "__main__":
    main()
