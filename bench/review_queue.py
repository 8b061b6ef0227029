"""Benchmark the staff review queue of monthly certifications against the national demo data.

    .venv/bin/python bench/review_queue.py

Uses its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/carbon_bench),
created if missing, migrated and seeded with `seed_demo --scale national` (idempotent: a rerun
skips straight to the measurements; the first run adds a year of monthly certifications for every
market unit, about 34,000 versions). As a provincial staff user of the largest province (by
units), it times, per case:

- the selector (reporting.selectors.review_queue): the count and the first page of 50 rows
  evaluated, with everything the page shows of them;
- the page (`reporting:review-queue`) through django.test.Client, if the URL exists.

Prints the median and p90 in milliseconds and the SQL query count.
"""

import os
import statistics
import sys
import time
from typing import Any

from benchsetup import DEFAULT_URL, ensure_database, seed_demo, setup_django, staff_user

WARM_UPS = 3
RUNS = 30
PAGE = 50
# (name, selector filters, page GET parameters)
CASES: tuple[tuple[str, dict[str, Any], dict[str, Any]], ...] = (
    ("waiting (default)", {}, {}),
    ("all statuses", {"status": ""}, {"status": ""}),
    ("all, page 20", {"status": "", "page": 20}, {"status": "", "page": 20}),
    ("accepted, power", {"status": "accepted", "sector": "power"}, {"status": "accepted",
                                                                    "sector": "power"}),
    ("with warnings", {"status": "", "has_warnings": True}, {"status": "", "has_warnings": "on"}),
    ("month 9", {"status": "", "year": 2026, "month": 9}, {"status": "", "year": 2026,
                                                           "month": 9}),
    ("name search", {"status": "", "q": "电力"}, {"status": "", "q": "电力"}),
)  # fmt: skip


def largest_province() -> tuple[Any, int, int]:
    """The province with the most units, its units and its certification versions."""
    from django.db.models import Count

    from reporting.models import MonthlyCertification
    from units.models import Province

    province = Province.objects.annotate(size=Count("enterprises")).order_by("-size").first()
    versions = MonthlyCertification.objects.filter(enterprise__province=province).count()
    if not versions:
        sys.exit("no monthly certifications: did seed_demo run for this year?")
    return province, province.size, versions


def timed(run) -> tuple[list[float], set[int]]:
    """Milliseconds per timed call of `run`, and the query counts seen."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, query_counts = [], set()
    for attempt in range(WARM_UPS + RUNS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            run()
            elapsed_ms = (time.perf_counter() - started) * 1000
        if attempt >= WARM_UPS:
            timings.append(elapsed_ms)
            query_counts.add(len(queries))
    return timings, query_counts


def selector_run(actor: Any, filters: dict[str, Any]):
    """What the page asks of the selector: the count, then one page of rows (and what it
    shows of each: unit, city, industry, province, warnings)."""
    from reporting import selectors

    page = filters.pop("page", 1)
    queue_filters = selectors.QueueFilters(**filters)

    def run() -> int:
        rows = selectors.review_queue(actor=actor, filters=queue_filters)
        total = rows.count()
        shown = list(rows[(page - 1) * PAGE : page * PAGE])
        for row in shown:
            enterprise = row.enterprise
            _shown = (enterprise.name_zh, enterprise.city, enterprise.industry.sector)
            _shown = (enterprise.province.code, row.has_warnings, row.emissions)
        return total

    return run


def page_run(client: Any, url: str, params: dict[str, Any]):
    def run() -> None:
        response = client.get(url, params)
        if response.status_code != 200:
            sys.exit(f"GET {url} {params} returned {response.status_code}")

    return run


def report_line(name: str, timings: list[float], query_counts: set[int], note: str = "") -> str:
    p90 = statistics.quantiles(timings, n=10, method="inclusive")[-1]
    queries = "-".join(str(n) for n in sorted({min(query_counts), max(query_counts)}))
    return f"{name:<20}{statistics.median(timings):>10.1f}{p90:>10.1f}{queries:>9}  {note}"


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    setup_django(url)
    for line in seed_demo(show=("seed_demo", "month")):
        print(line)

    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from accounts.scoping import actor_for

    province, units, versions = largest_province()
    user = staff_user(province)
    actor = actor_for(user)
    print(
        f"{province.name_zh} ({province.name_en}): {units} units, {versions} certification "
        f"versions; {RUNS} runs per case"
    )
    header = f"{'case':<20}{'median ms':>10}{'p90 ms':>10}{'queries':>9}"
    print(f"\nselector: count + first page of {PAGE} rows evaluated")
    print(f"{header}  rows matching")
    for name, filters, _params in CASES:
        total = selector_run(actor, dict(filters))()
        print(report_line(name, *timed(selector_run(actor, dict(filters))), note=str(total)))
    try:
        queue_url = reverse("reporting:review-queue")
    except NoReverseMatch:
        print("\npage: reporting:review-queue is not there yet")
        return
    client = Client()
    client.force_login(user)
    print(f"\npage: GET {queue_url} as {user.username}")
    print(f"{header}  GET params")
    for name, _filters, params in CASES:
        # The parameters go last: their Chinese characters would break the column alignment.
        print(report_line(name, *timed(page_run(client, queue_url, params)), note=str(params)))


if __name__ == "__main__":
    main()
