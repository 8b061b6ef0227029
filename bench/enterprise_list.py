"""Benchmark the enterprise list page against the national demo data on PostgreSQL.

    .venv/bin/python bench/enterprise_list.py

Uses its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/carbon_bench),
created if missing, migrated and seeded with `seed_demo --scale national` (idempotent, so a rerun
skips straight to the measurements). Requests go through django.test.Client as a provincial
staff user of the largest province; prints median and p90 time and the SQL query count per case.
"""

import os
import statistics
import sys
import time
from typing import Any

from benchsetup import DEFAULT_URL, ensure_database, seed_demo, setup_django, staff_user

WARM_UPS = 3
RUNS = 30
CASES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("first page", {}),
    ("page 10", {"page": 10}),
    ("name search", {"q": "电力"}),
)


def largest_province() -> tuple[Any, int]:
    from django.db.models import Count

    from units.models import Province

    province = Province.objects.annotate(size=Count("enterprises")).order_by("-size").first()
    return province, province.size


def measure(client: Any, url: str, params: dict[str, Any]) -> tuple[list[float], set[int]]:
    """Milliseconds per timed request, and the query counts seen; exits on a non-200."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, query_counts = [], set()
    for run in range(WARM_UPS + RUNS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, params)
            elapsed_ms = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            sys.exit(f"GET {url} {params} returned {response.status_code}")
        if run >= WARM_UPS:
            timings.append(elapsed_ms)
            query_counts.add(len(queries))
    return timings, query_counts


def report_line(
    name: str, params: dict[str, Any], timings: list[float], query_counts: set[int]
) -> str:
    p90 = statistics.quantiles(timings, n=10, method="inclusive")[-1]
    queries = "-".join(str(n) for n in sorted({min(query_counts), max(query_counts)}))
    # The parameters go last: their Chinese characters would break the column alignment.
    return f"{name:<14}{statistics.median(timings):>10.1f}{p90:>10.1f}{queries:>9}  {params}"


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    setup_django(url)
    print(*seed_demo(), sep="\n")

    from django.test import Client
    from django.urls import reverse

    province, size = largest_province()
    client = Client()
    client.force_login(staff_user(province))
    list_url = reverse("units:enterprise-list")
    print(f"{province.name_zh} ({province.name_en}): {size} enterprises; {RUNS} runs per case")
    print(f"{'case':<14}{'median ms':>10}{'p90 ms':>10}{'queries':>9}  GET params")
    for name, params in CASES:
        print(report_line(name, params, *measure(client, list_url, params)))


if __name__ == "__main__":
    main()
