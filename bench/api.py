"""Benchmark the REST API's 100-row pages against the equivalent raw SQL, on the national demo data.

    .venv/bin/python bench/api.py

Uses its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/carbon_bench),
created if missing, migrated and seeded with `seed_demo --scale national` (idempotent: a rerun
skips straight to the measurements). With the ministry reviewer's token (all provinces), it
times per case:

- the API: GET /api/v1/<resource>/?page_size=100 through django.test.Client (token check,
  scoping, count, page, prefetches, JSON);
- raw SQL through psycopg2 on the same database: the SELECT that page needs (the same columns,
  joins, nested rows as JSON aggregates and order, LIMIT 100, the certifications' page keys
  first as the API finds them), and the same plus the count.

Prints the median and p90 in milliseconds, the API's SQL query count, and the ratio of the
API's median to the raw SELECT's.
"""

import os
import statistics
import time
from collections.abc import Callable

import psycopg2
from benchsetup import DEFAULT_URL, ensure_database, seed_demo, setup_django

WARM_UPS = 3
RUNS = 30
PAGE = 100

ENTERPRISES_SQL = """
SELECT e.public_id, e.uscc, e.name_zh, e.name_en, p.code, c.code, c.name_zh, c.name_en,
       i.code, i.standard, i.sector, i.name_zh, i.name_en, i.is_market_sector, e.status,
       e.address, e.contact_name, e.contact_phone, e.contact_email, e.is_in_pilot_market,
       m.public_id, e.created_at, e.updated_at,
       (SELECT coalesce(json_agg(json_build_object(
                   'id', f.public_id, 'name', f.name, 'category', f.category,
                   'capacity', f.capacity, 'capacity_unit', f.capacity_unit, 'fuel', f.fuel,
                   'cooling', f.cooling, 'commissioned_on', f.commissioned_on)
               ORDER BY f.name, f.id), '[]')
          FROM units_facility f WHERE f.enterprise_id = e.id) AS facilities
  FROM units_enterprise e
  JOIN units_province p ON p.id = e.province_id
  LEFT JOIN units_city c ON c.id = e.city_id
  JOIN units_industry i ON i.id = e.industry_id
  LEFT JOIN units_enterprise m ON m.id = e.merged_into_id
 ORDER BY p.code, e.name_zh, e.id
 LIMIT %s
"""
ENTERPRISES_COUNT_SQL = "SELECT count(*) FROM units_enterprise"

# What a ministry reviewer sees of monthly certifications: every version but drafts. The page's
# keys first, as the API does: sorting every wide row spills to disk.
CERTIFICATIONS_SQL = """
WITH page AS (
    SELECT id FROM reporting_monthlycertification
     WHERE status <> 'draft'
     ORDER BY year DESC, month DESC, id
     LIMIT %s
)
SELECT mc.public_id, e.public_id, e.name_zh, e.uscc, p.code, i.sector, mc.year, mc.month,
       mc.version, mc.status, prev.public_id, mc.submitted_at, mc.reviewed_at,
       mc.review_comment, mc.created_at, mc.updated_at, mc."values", mc.explanations,
       mc.emissions, mc.formula_version,
       (SELECT coalesce(json_agg(json_build_object(
                   'id', ev.public_id, 'kind', ev.kind, 'original_name', ev.original_name,
                   'size', ev.size, 'sha256', ev.sha256, 'received_at', ev.created_at,
                   'lab_report_number', ev.lab_report_number,
                   'lab_report_date', ev.lab_report_date, 'item_code', ev.item_code)
               ORDER BY ev.created_at, ev.id), '[]')
          FROM reporting_evidencefile ev WHERE ev.certification_id = mc.id) AS evidence
  FROM page
  JOIN reporting_monthlycertification mc ON mc.id = page.id
  JOIN units_enterprise e ON e.id = mc.enterprise_id
  JOIN units_province p ON p.id = e.province_id
  JOIN units_industry i ON i.id = e.industry_id
  LEFT JOIN reporting_monthlycertification prev ON prev.id = mc.supersedes_id
 ORDER BY mc.year DESC, mc.month DESC, mc.id
"""
CERTIFICATIONS_COUNT_SQL = (
    "SELECT count(*) FROM reporting_monthlycertification WHERE status <> 'draft'"
)

# (name, API path, raw page SELECT, raw count)
CASES = (
    ("enterprises", "/api/v1/enterprises/", ENTERPRISES_SQL, ENTERPRISES_COUNT_SQL),
    (
        "monthly certifications",
        "/api/v1/monthly-certifications/",
        CERTIFICATIONS_SQL,
        CERTIFICATIONS_COUNT_SQL,
    ),
)


def timed(run: Callable[[], object]) -> tuple[list[float], set[int]]:
    """Milliseconds per timed call of `run`, and the Django query counts seen."""
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


def api_run(client, path: str) -> Callable[[], int]:
    def run() -> int:
        response = client.get(path, {"page_size": PAGE})
        if response.status_code != 200:
            raise SystemExit(f"GET {path} returned {response.status_code}")
        rows = len(response.json()["results"])
        if rows != PAGE:
            raise SystemExit(f"GET {path} returned {rows} rows, not {PAGE}")
        return rows

    return run


def raw_run(connection, *statements: tuple[str, list]) -> Callable[[], None]:
    def run() -> None:
        with connection.cursor() as cursor:
            for statement, params in statements:
                cursor.execute(statement, params)
                cursor.fetchall()

    return run


def line(name: str, timings: list[float], queries: str = "") -> str:
    p90 = statistics.quantiles(timings, n=10, method="inclusive")[-1]
    return f"  {name:<44}{statistics.median(timings):>10.1f}{p90:>10.1f}{queries:>9}"


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    setup_django(url)
    for printed in seed_demo(show=("seed_demo", "month")):
        print(printed)

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from accounts.services import issue_api_token

    # The benchmark's requests must not be throttled.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "100000/hour"},
    }
    reviewer = get_user_model().objects.get(username="ministry")
    client = Client(HTTP_AUTHORIZATION=f"Token {issue_api_token(actor=None, user=reviewer)}")
    db = settings.DATABASES["default"]
    raw = psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
    )
    raw.autocommit = True

    print(f"\nministry token, first page of {PAGE} rows, {RUNS} runs per case")
    print(f"  {'':<44}{'median ms':>10}{'p90 ms':>10}{'queries':>9}")
    for name, path, page_sql, count_sql in CASES:
        with raw.cursor() as cursor:
            cursor.execute(count_sql)
            total = cursor.fetchone()[0]
        print(f"{name} ({total} rows)")
        api_timings, query_counts = timed(api_run(client, path))
        select_timings, _ = timed(raw_run(raw, (page_sql, [PAGE])))
        both_timings, _ = timed(raw_run(raw, (count_sql, []), (page_sql, [PAGE])))
        counts = "-".join(str(n) for n in sorted({min(query_counts), max(query_counts)}))
        print(line(f"API GET {path}", api_timings, counts))
        print(line("raw SQL: page SELECT", select_timings, "1"))
        print(line("raw SQL: count + SELECT", both_timings, "2"))
        ratio = statistics.median(api_timings) / statistics.median(select_timings)
        with_count = statistics.median(api_timings) / statistics.median(both_timings)
        print(f"  API / raw SELECT: {ratio:.1f}x; API / raw count + SELECT: {with_count:.1f}x")
    raw.close()


if __name__ == "__main__":
    main()
