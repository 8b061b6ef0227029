"""Benchmark the provincial dashboard and the national roll-up, at the national and small scale.

    .venv/bin/python bench/dashboard.py

Uses two PostgreSQL databases of its own, created if missing, migrated and seeded with
`seed_demo` (idempotent: a rerun skips straight to the measurements): BENCH_DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/carbon_bench) with the national scale, and
BENCH_SMALL_DATABASE_URL (default: the same name with `_small`) with the small one. Other
benchmarks share these databases and may have rewritten their calendar (bench/deadline_sweep.py
rebuilds it); the dashboard reads whatever is there, so the counts printed say what was measured.

Through django.test.Client, with the page rendered in full, it times GET /dashboard/ as a
province-wide staff member of Shandong and GET /dashboard/national/ as a ministry reviewer:
the median and p90 of RUNS timed requests after WARM_UPS, and the SQL query count. Then the
ratio of each page's median at the national scale to the small one.
"""

import os
import statistics
import sys
import time
from dataclasses import dataclass

import environ
from benchsetup import DEFAULT_URL, ensure_database, seed_demo, setup_django, staff_user

WARM_UPS = 3
RUNS = 20
PROVINCE = "370000"  # Shandong
PAGES = (
    ("provincial dashboard", "dashboards:province"),
    ("national roll-up", "dashboards:national"),
)


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p90_ms: float
    queries: str


@dataclass(frozen=True)
class Measurement:
    scale: str
    enterprises: int
    province_units: int
    obligations: int
    timings: dict[str, Timing]


def use_database(url: str) -> None:
    """Point the default connection at another database, as Django's test runner does."""
    from django.conf import settings
    from django.db import connection

    config = environ.Env.db_url_config(url)
    connection.close()
    for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT"):
        settings.DATABASES["default"][key] = config[key]
        connection.settings_dict[key] = config[key]


def ministry_user():
    from django.contrib.auth import get_user_model

    from accounts.models import Membership, Role

    user, _created = get_user_model().objects.get_or_create(username="bench-ministry")
    Membership.objects.get_or_create(user=user, role=Role.MINISTRY_REVIEWER)
    return user


def timed(client, url: str) -> Timing:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, query_counts = [], set()
    for attempt in range(WARM_UPS + RUNS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            elapsed_ms = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            sys.exit(f"GET {url} returned {response.status_code}")
        if attempt >= WARM_UPS:
            timings.append(elapsed_ms)
            query_counts.add(len(queries))
    p90 = statistics.quantiles(timings, n=10, method="inclusive")[-1]
    counts = "-".join(str(n) for n in sorted({min(query_counts), max(query_counts)}))
    return Timing(statistics.median(timings), p90, counts)


def measure(scale: str, url: str) -> Measurement:
    from django.test import Client
    from django.urls import reverse

    from deadlines.models import Obligation
    from units.models import Enterprise, Province

    use_database(url)
    print(f"{scale}: {url.rpartition('/')[2]}")
    for line in seed_demo(scale, show=("seed_demo", "calendar")):
        print(f"  {line}")
    province = Province.objects.get(code=PROVINCE)
    users = {"dashboards:province": staff_user(province), "dashboards:national": ministry_user()}
    timings = {}
    for name, url_name in PAGES:
        client = Client()
        client.force_login(users[url_name])
        timings[name] = timed(client, reverse(url_name))
    return Measurement(
        scale=scale,
        enterprises=Enterprise.objects.count(),
        province_units=Enterprise.objects.filter(province=province).count(),
        obligations=Obligation.objects.filter(province=province).count(),
        timings=timings,
    )


def report(national, small) -> None:
    print(f"\n{RUNS} timed GETs per page after {WARM_UPS} warm-ups (ms; full page render)")
    print(f"{'':<34}{'national':>12}{'small':>12}")
    for label, value in (
        ("enterprises", lambda m: str(m.enterprises)),
        ("Shandong units", lambda m: str(m.province_units)),
        ("Shandong obligations", lambda m: str(m.obligations)),
    ):
        print(f"{label:<34}{value(national):>12}{value(small):>12}")
    for name, _url in PAGES:
        for label, value in (
            ("median ms", lambda t: f"{t.median_ms:.1f}"),
            ("p90 ms", lambda t: f"{t.p90_ms:.1f}"),
            ("queries", lambda t: t.queries),
        ):
            row = f"{name} {label}"
            print(f"{row:<34}{value(national.timings[name]):>12}{value(small.timings[name]):>12}")
    print()
    for name, _url in PAGES:
        ratio = national.timings[name].median_ms / small.timings[name].median_ms
        print(f"{name}: national / small median = {ratio:.2f}")


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    small_url = os.environ.get("BENCH_SMALL_DATABASE_URL") or _small(url)
    for database in (url, small_url):
        ensure_database(database)
    setup_django(url)
    national = measure("national", url)
    small = measure("small", small_url)
    report(national, small)


def _small(url: str) -> str:
    base, _slash, name = url.rpartition("/")
    name, question, options = name.partition("?")
    return f"{base}/{name}_small{question}{options}"


if __name__ == "__main__":
    main()
