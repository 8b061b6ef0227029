"""Benchmark the disclosure PDF of a 1,000-row list (WeasyPrint, CJK font).

    .venv/bin/python bench/list_pdf.py [rows]

The rows are built in memory (unsaved model instances): the time measured is the rendering,
which is what grows with the list; the two queries that fetch a published list do not. Django
is set up on the benchmarks' database (BENCH_DATABASE_URL) only because templates need settings.
Prints the median and slowest of a few runs, the page count and the file size; also the xlsx.
"""

import logging
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import date

from benchsetup import DEFAULT_URL, setup_django

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
RUNS = 5
# The market list of a large province, with a reporting-only section of one unit in ten.
REPORTING_SHARE = 10


def entries(count: int) -> list:
    from units.models import (
        City,
        Decision,
        Enterprise,
        Industry,
        ListEntry,
        ListScope,
        Province,
        UnitList,
    )

    province = Province(code="370000", name_zh="山东省", name_en="Shandong")
    unit_list = UnitList(province=province, year=2027)
    cities = [City(name_zh=f"{name}市") for name in ("济南", "青岛", "淄博", "潍坊", "烟台")]
    power = Industry(code="4411", name_zh="火力发电", sector="power")
    chemical = Industry(code="2614", name_zh="有机化学原料制造（甲醇）", sector="chemical")
    decisions = (Decision.CONTINUING, Decision.CONTINUING, Decision.NEW, Decision.REMOVED)
    rows = []
    for number in range(count):
        reporting = number % REPORTING_SHARE == 0
        enterprise = Enterprise(
            name_zh=f"山东测试{'化工' if reporting else '发电'}有限责任公司第{number}分公司",
            uscc=f"91370100{number:09d}X",
            city=cities[number % len(cities)],
            industry=chemical if reporting else power,
        )
        scope = ListScope.REPORTING_ONLY if reporting else ListScope.MARKET
        decision = decisions[number % len(decisions)]
        rows.append(
            ListEntry(unit_list=unit_list, enterprise=enterprise, scope=scope, decision=decision)
        )
    return rows


def page_count(pdf: bytes) -> int:
    """Pages as poppler counts them (poppler-utils is in .ci/run's packages for the tests)."""
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout
    return int(re.search(rb"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


def timed(function, runs: int) -> tuple[list[float], object]:
    timings, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - started)
    return timings, result


def main() -> None:
    setup_django(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    # WeasyPrint logs every layout step and page at INFO, which the settings print.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    from units.lists import exports

    document = exports.disclosure(
        place="山东省", year=2027, date_label="发布日期", on=date(2026, 10, 20),
        entries=entries(ROWS),
    )  # fmt: skip
    # The first render loads and subsets the CJK font: warm up once, like a running server.
    exports.list_pdf(document=document)
    pdf_times, pdf = timed(lambda: exports.list_pdf(document=document), RUNS)
    xlsx_times, xlsx = timed(
        lambda: exports.list_xlsx(title=document.title, sections=document.sections), RUNS
    )
    print(f"{ROWS} rows ({[len(s.rows) for s in document.sections]} per section), {RUNS} runs")
    print(f"{'file':<6}{'median s':>10}{'max s':>10}{'pages':>7}{'KiB':>8}")
    print(
        f"{'pdf':<6}{statistics.median(pdf_times):>10.2f}{max(pdf_times):>10.2f}"
        f"{page_count(pdf):>7}{len(pdf) / 1024:>8.0f}"
    )
    print(
        f"{'xlsx':<6}{statistics.median(xlsx_times):>10.2f}{max(xlsx_times):>10.2f}"
        f"{'':>7}{len(xlsx) / 1024:>8.0f}"
    )


if __name__ == "__main__":
    main()
