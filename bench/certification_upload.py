"""Benchmark the Excel upload of a monthly certification: parse, validate and save.

    .venv/bin/python bench/certification_upload.py

Uses its own PostgreSQL database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/carbon_bench), created if missing and migrated; it needs no
demo data. Every run happens inside a transaction that is rolled back, so the database is left as
it was: a power unit, its user and a draft for March 2026 are created, then `excel.upload()` runs
on a workbook built in memory from the real template.

Cases: 5,000 facility rows (a large group's units or metering points), a year of daily records
(365 rows, 31 of them in the month) and the 10,000-row limit. Prints, per case, the file's size,
the median / min / max of the timed runs for the whole upload and for reading and checking the
cells alone (the rest is combining and save_values), and the SQL query count of the upload.
"""

import io
import os
import statistics
import time
from datetime import date, timedelta
from typing import Any

from benchsetup import DEFAULT_URL, ensure_database, setup_django

RUNS = 7
TODAY = date(2026, 4, 15)
# A power month within every plausible range; each row varies it a little.
ROW = {
    "coal_consumption": 120.0,
    "coal_ncv": 20.934,
    "coal_carbon_content": 0.02649,
    "coal_oxidation_rate": 99,
    "natural_gas_consumption": 1.5,
    "natural_gas_ncv": 389.31,
    "natural_gas_carbon_content": 0.01532,
    "natural_gas_oxidation_rate": 99,
    "power_generated": 310.0,
    "power_supplied": 295.0,
    "heat_supplied": 40.0,
    "operating_hours": 700,
    "load_factor": 78.5,
    "purchased_electricity": 2.0,
}


def facility_rows(count: int) -> list[dict[str, Any]]:
    return [
        {
            **ROW,
            "label": f"{n}号计量点",
            "coal_consumption": 100 + n % 41,
            "load_factor": 60 + n % 30,
        }
        for n in range(1, count + 1)
    ]


def daily_rows() -> list[dict[str, Any]]:
    days = [date(2025, 10, 1) + timedelta(days=n) for n in range(365)]
    return [
        {**ROW, "label": day, "coal_consumption": 3000 + day.day * 7, "operating_hours": 24}
        for day in days
    ]


def workbook(schema: Any, rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import load_workbook

    from reporting import excel
    from reporting.excel.layout import FIRST_DATA_ROW, item_columns

    book = load_workbook(io.BytesIO(excel.build_template(schema)))
    sheet = book[excel.DATA_SHEET]
    index = {column.item.code: column.index for column in item_columns(list(schema.items.all()))}
    for number, cells in enumerate(rows, start=FIRST_DATA_ROW):
        for key, value in cells.items():
            sheet.cell(row=number, column=1 if key == "label" else index[key], value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class Rollback(Exception):
    pass


def fixtures() -> tuple[Any, Any]:
    """A power unit, its user's actor and a draft of March 2026 (inside the run's transaction)."""
    from django.contrib.auth import get_user_model

    from accounts.models import Membership, Role
    from accounts.scoping import actor_for
    from reporting import services
    from units import uscc
    from units.models import Enterprise, Industry, Province

    enterprise = Enterprise.objects.create(
        uscc=uscc.make("91370100987654321"),
        name_zh="基准测试电厂",
        province=Province.objects.get(code="370000"),
        industry=Industry.objects.get(code="4411", sector="power"),
    )
    user = get_user_model().objects.create(username="bench-upload")
    Membership.objects.create(user=user, role=Role.ENTERPRISE_USER, enterprise=enterprise)
    actor = actor_for(user)
    draft = services.start(actor=actor, enterprise=enterprise, year=2026, month=3, today=TODAY)
    return actor, draft


def measure(content: bytes) -> tuple[float, float, int, Any]:
    """One run: (upload ms, read-and-check ms, upload queries, result), rolled back (the result's
    certification is as saved)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from reporting import excel
    from reporting.excel.layout import item_columns
    from reporting.excel.reader import read_rows
    from reporting.excel.rows import parse_rows

    outcome: dict[str, Any] = {}
    try:
        with transaction.atomic():
            actor, draft = fixtures()
            columns = item_columns(list(draft.schema.items.all()))
            started = time.perf_counter()
            parse_rows(
                columns, read_rows(SimpleUploadedFile("b.xlsx", content), draft.schema, columns)
            )
            outcome["read_ms"] = (time.perf_counter() - started) * 1000
            uploaded = SimpleUploadedFile("bench.xlsx", content)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                outcome["result"] = excel.upload(
                    actor=actor, certification=draft, uploaded_file=uploaded
                )
                outcome["upload_ms"] = (time.perf_counter() - started) * 1000
            outcome["queries"] = len(queries)
            raise Rollback
    except Rollback:
        pass
    return outcome["upload_ms"], outcome["read_ms"], outcome["queries"], outcome["result"]


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from reporting.models import DataItemSchema

    schema = DataItemSchema.objects.get(year=2026, sector="power")
    cases = [
        ("5,000 facilities", facility_rows(5000)),
        ("a year of days", daily_rows()),
        ("10,000 facilities", facility_rows(10_000)),
    ]
    print(f"Excel upload of a power unit's March 2026 ({schema}); {RUNS} runs per case, ms")
    print(
        f"{'case':<18}{'rows':>7}{'used':>6}{'KiB':>6}{'median':>9}{'min':>8}{'max':>8}"
        f"{'read+check':>12}{'queries':>9}"
    )
    results = {}
    for name, rows in cases:
        content = workbook(schema, rows)
        runs = [measure(content) for _run in range(RUNS)]
        totals = [run[0] for run in runs]
        result = runs[-1][3]
        results[name] = result
        print(
            f"{name:<18}{len(rows):>7}{result.rows_used:>6}{len(content) // 1024:>6}"
            f"{statistics.median(totals):>9.0f}{min(totals):>8.0f}{max(totals):>8.0f}"
            f"{statistics.median(run[1] for run in runs):>12.0f}"
            f"{'-'.join(str(n) for n in sorted({run[2] for run in runs})):>9}"
        )
    for name, result in results.items():
        print(f"{name}: {summary(result)}")


def summary(result: Any) -> str:
    """The month a case combines into, to show the figures are sensible."""
    shown = ("coal_consumption", "coal_ncv", "operating_hours", "load_factor")
    values = ", ".join(f"{code} {result.values[code]}" for code in shown)
    findings = ", ".join(sorted(f"{f.severity}:{f.rule}" for f in result.findings)) or "none"
    return f"{values}; emissions {result.certification.emissions} t; findings: {findings}"


if __name__ == "__main__":
    main()
