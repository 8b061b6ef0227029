"""The provincial dashboard: every number on the page equals the count computed from the records
in plain Python (tests/dashboards/records.py), with and without filters, against last year, and
in the charts' data. The clock is fixed at 2026-11-15 10:00 in Asia/Shanghai."""

import json
import re
import shutil
from pathlib import Path

import pytest
from django.urls import reverse

from config.dashboards import views
from tests.dashboards import records
from tests.dashboards.html import measures_by, number, table_cells

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
MEASURES = ("due", "on_time", "late", "missing", "pending")


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(records.NOW, tick=False)


@pytest.fixture
def scenario(shandong, guangdong, jinan, qingdao, guangzhou):
    return records.build(
        shandong=shandong, guangdong=guangdong, jinan=jinan, qingdao=qingdao, guangzhou=guangzhou
    )


def dashboard(client, **params):
    return client.get(reverse("dashboards:province"), params)


def page_counts(response) -> dict[str, dict[str, int]]:
    return {
        kind: {measure: number(text) for measure, text in row.items()}
        for kind, row in measures_by(response, "obligations", "data-kind").items()
    }


def expected_counts(**filters) -> dict[str, dict[str, int]]:
    obligations = records.cycle_obligations(year=2026, as_of=records.TODAY, **filters)
    return {
        kind: {measure: counter[measure] for measure in MEASURES}
        for kind, counter in records.by_kind(obligations, records.TODAY).items()
    }


class TestObligations:
    def test_every_count_equals_the_records(self, client_as, shandong_staff, scenario):
        response = dashboard(client_as(shandong_staff))
        assert response.status_code == 200
        expected = expected_counts(province=scenario.shandong)
        assert page_counts(response) == expected
        # Every status is represented, so the test proves each column.
        for measure in MEASURES:
            assert sum(row[measure] for row in expected.values()) > 0, measure
        assert {"monthly_certification", "list_publication", "settlement"} <= set(expected)

    def test_cells_are_marked_for_the_browser_tests(self, client_as, shandong_staff, scenario):
        response = dashboard(client_as(shandong_staff))
        monthly = [
            cell
            for cell in table_cells(response, "obligations")
            if cell["attrs"].get("data-kind") == "monthly_certification"
            and cell["attrs"].get("data-measure") in ("due", "on_time", "late", "missing")
        ]
        assert len(monthly) == 4
        assert all(re.fullmatch(r"\d+", cell["text"]) for cell in monthly)

    def test_deadline_and_days_left(self, client_as, shandong_staff, scenario):
        response = dashboard(client_as(shandong_staff))
        page = response.context["data"].obligations
        by_kind = {row.kind: row for row in page}
        # Settlement: one deadline, 2026-12-31, 46 days after 2026-11-15.
        assert (by_kind["settlement"].deadline.isoformat(), by_kind["settlement"].days_left) == (
            "2026-12-31",
            46,
        )
        # Monthly: the next due date still ahead (October's, 40 days after 31 October).
        assert by_kind["monthly_certification"].deadline.isoformat() == "2026-12-10"
        # Annual reports: all due 2026-03-31, long past.
        assert by_kind["annual_report"].days_left == -229
        assert "2026-12-31" in response.content.decode()

    @pytest.mark.parametrize(
        "city, sector", [("qingdao", None), (None, "cement"), ("jinan", "power")]
    )
    def test_filters(self, client_as, shandong_staff, scenario, city, sector):
        params, filters = {}, {"province": scenario.shandong}
        if city:
            params["city"] = getattr(scenario, city).pk
            filters["city"] = getattr(scenario, city)
        if sector:
            params["sector"] = sector
            filters["sector"] = sector
        response = dashboard(client_as(shandong_staff), **params)
        expected = expected_counts(**filters)
        assert page_counts(response) == expected
        # Province-level obligations (the list's publication) belong to no city or sector.
        assert "list_publication" not in expected

    def test_city_bound_staff_see_their_city(self, client_as, jinan_staff, scenario):
        response = dashboard(client_as(jinan_staff))
        assert page_counts(response) == expected_counts(
            province=scenario.shandong, city=scenario.jinan
        )

    def test_another_province_is_not_counted(self, client_as, guangdong_staff, scenario):
        response = dashboard(client_as(guangdong_staff))
        assert page_counts(response) == expected_counts(province=scenario.guangdong)


class TestLastYear:
    def test_same_date_last_year(self, client_as, shandong_staff, scenario):
        response = dashboard(client_as(shandong_staff))
        then = records.by_kind(
            records.cycle_obligations(
                year=2025, as_of=records.LAST_YEAR, province=scenario.shandong
            ),
            records.LAST_YEAR,
        )
        now = expected_counts(province=scenario.shandong)
        page = {}
        for cell in table_cells(response, "comparison"):
            if cell["attrs"].get("data-measure"):
                key = (cell["row"]["data-kind"], cell["attrs"]["data-period"])
                page.setdefault(key, {})[cell["attrs"]["data-measure"]] = number(cell["text"])
        for kind in now:
            assert page[(kind, "now")] == {m: now[kind][m] for m in ("due", "on_time", "missing")}
            assert page[(kind, "then")] == {m: then[kind][m] for m in ("due", "on_time", "missing")}
        # Only January to November of last year's months existed on 2025-11-15.
        assert then["monthly_certification"]["due"] == 4 * 11

    def test_status_as_it_stood_then(self, client_as, shandong_staff, scenario):
        """Met late in the last minute of last year's date counts; met the next morning does
        not; met early in December was still pending."""
        data = dashboard(client_as(shandong_staff), city=scenario.jinan.pk, sector="power")
        months = {row.month.month: row for row in data.context["data"].monthly_last_year}
        assert (months[9].late, months[9].missing) == (1, 0)
        assert (months[8].late, months[8].missing) == (0, 1)
        assert (months[10].on_time, months[10].pending) == (0, 1)


class TestMonthly:
    def test_rates_by_month(self, client_as, shandong_staff, scenario):
        response = dashboard(client_as(shandong_staff))
        expected = records.by_month(
            records.cycle_obligations(year=2026, as_of=records.TODAY, province=scenario.shandong),
            records.TODAY,
        )
        page = measures_by(response, "monthly", "data-month")
        assert set(page) == {f"2026-{month:02d}" for month in range(1, 12)}
        for month, counts in expected.items():
            assert {m: number(page[month][m]) for m in MEASURES} == {m: counts[m] for m in MEASURES}
            decided = counts["due"] - counts["pending"]
            assert page[month]["on_time_rate"] == records.rate(counts["on_time"], decided)

    def test_heat_map_of_late_units(self, client_as, shandong_staff, scenario):
        response = dashboard(client_as(shandong_staff))
        heatmap = response.context["data"].late
        obligations = records.cycle_obligations(
            year=2026, as_of=records.TODAY, province=scenario.shandong
        )
        expected = {}
        for obligation in obligations:
            if obligation.kind == "monthly_certification":
                cells = expected.setdefault(obligation.enterprise.name_zh, [None] * 11)
                cells[obligation.period_start.month - 1] = records.measure(
                    obligation, records.TODAY
                )
        late = {
            name: tuple(cells)
            for name, cells in expected.items()
            if "late" in cells or "missing" in cells
        }
        assert {row.name_zh: row.cells for row in heatmap.rows} == late
        assert heatmap.total == len(late) > 0
        assert [row.missing for row in heatmap.rows] == sorted(
            (row.missing for row in heatmap.rows), reverse=True
        )
        states = [
            cell["attrs"]["data-state"]
            for cell in table_cells(response, "late")
            if "data-state" in cell["attrs"]
        ]
        assert states == [cell or "" for row in heatmap.rows for cell in row.cells]


class TestVerificationAndQuotas:
    def test_verification_by_sector(self, client_as, shandong_staff, scenario):
        response = dashboard(client_as(shandong_staff))
        page = measures_by(response, "verification", "data-sector")
        obligations = [
            o
            for o in records.cycle_obligations(
                year=2026, as_of=records.TODAY, province=scenario.shandong
            )
            if o.kind == "verification"
        ]
        done = records.assignments(scenario.shandong)
        for sector in ("power", "cement"):
            due = [o for o in obligations if o.enterprise.industry.sector == sector]
            missing = [o for o in due if records.measure(o, records.TODAY) == "missing"]
            assert {k: number(v) for k, v in page[sector].items()} == {
                "due": len(due),
                "assigned": done[sector]["total"],
                "concluded": done[sector]["concluded"],
                "confirmed": done[sector]["confirmed"],
                "missing": len(missing),
            }
        assert (done["power"]["confirmed"], done["cement"]["concluded"]) == (1, 1)

    def test_allocation_steps_in_units_and_tonnes(self, client_as, shandong_staff, scenario):
        response = dashboard(client_as(shandong_staff))
        page = measures_by(response, "allocation", "data-step")
        expected = records.allocation_steps(scenario.shandong)
        due = expected_counts(province=scenario.shandong)
        for step, figures in expected.items():
            assert {k: number(v) for k, v in page[step].items()} == {
                "due": due[step]["due"],
                **{k: int(v) for k, v in figures.items()},
            }
        assert expected["pre_allocation"]["approved"] == 3
        assert expected["allocation"] == {
            "approved": 0,
            "approved_t": 0,
            "drafted": 1,
            "drafted_t": 360_000,
        }

    def test_settlement_in_units_and_tonnes(self, client_as, shandong_staff, scenario):
        response = dashboard(client_as(shandong_staff))
        page = {
            cell["attrs"]["data-measure"]: number(cell["text"])
            for cell in table_cells(response, "settlement")
            if cell["attrs"].get("data-measure")
        }
        assert page == {k: int(v) for k, v in records.settlements(scenario.shandong).items()}
        assert page["ccer_t"] == 50_000

    def test_quota_filters_follow_the_sector(self, client_as, shandong_staff, scenario):
        response = dashboard(client_as(shandong_staff), sector="cement")
        steps = {row.kind: row for row in response.context["data"].allocation}
        assert (steps["pre_allocation"].approved, steps["pre_allocation"].drafted) == (1, 1)
        assert steps["determination"].drafted_t == 500_000
        settlement = response.context["data"].settlement
        assert (settlement.due, settlement.late, settlement.not_settled) == (2, 1, 1)


class TestOverdue:
    def test_the_overdue_list(self, client_as, shandong_staff, scenario):
        response = dashboard(client_as(shandong_staff))
        expected = records.overdue(province=scenario.shandong)
        overdue = response.context["data"].overdue
        assert overdue.total == len(expected) > 50
        assert [o.pk for o in overdue.rows] == [o.pk for o in expected[:50]]
        html = response.content.decode()
        assert expected[0].get_absolute_url() in html
        assert expected[0].enterprise.get_absolute_url() in html
        assert expected[50].get_absolute_url() not in html
        assert (
            f"Showing the 50 oldest of {len(expected)}"
            in client_as(shandong_staff).get(reverse("dashboards:province"), **EN).content.decode()
        )

    def test_filtered(self, client_as, shandong_staff, scenario):
        response = dashboard(client_as(shandong_staff), city=scenario.qingdao.pk, sector="power")
        expected = records.overdue(
            province=scenario.shandong, city=scenario.qingdao, sector="power"
        )
        assert response.context["data"].overdue.total == len(expected)


class TestCharts:
    def chart(self, response, chart_id):
        match = re.search(
            rf'<script id="{chart_id}" type="application/json">(.*?)</script>',
            response.content.decode(),
            re.S,
        )
        return json.loads(match.group(1))

    def test_chart_data_and_labels_in_both_languages(self, client_as, shandong_staff, scenario):
        client = client_as(shandong_staff)
        english = client.get(reverse("dashboards:province"), **EN)
        monthly = self.chart(english, "chart-monthly")
        rows = english.context["data"].monthly
        assert monthly["data"]["datasets"][0]["data"] == [
            float(row.on_time_rate) if row.on_time_rate is not None else None for row in rows
        ]
        assert monthly["data"]["datasets"][0]["label"] == "On-time rate (%)"
        assert monthly["data"]["labels"][0] == "January 2026"
        obligations = self.chart(english, "chart-obligations")
        assert "Quota settlement" in obligations["data"]["labels"]
        chinese = client.get(reverse("dashboards:province"), HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert self.chart(chinese, "chart-monthly")["data"]["labels"][0] == "2026年1月"
        assert 'src="/static/vendor/chart.js/chart.umd.min.js"' in english.content.decode()

    def test_tables_without_the_chart_library(
        self, client_as, shandong_staff, scenario, monkeypatch
    ):
        monkeypatch.setattr(views, "CHART_LIBRARY", "vendor/chart.js/not-installed.js")
        response = client_as(shandong_staff).get(reverse("dashboards:province"), **EN)
        html = response.content.decode()
        assert response.status_code == 200
        assert "chart library is not installed" in html
        assert "chart.umd.min.js" not in html and "<canvas" not in html
        assert page_counts(response) == expected_counts(province=scenario.shandong)


ROOT = Path(__file__).resolve().parents[2]


def test_chart_library_is_pinned_and_installed():
    """package.json pins Chart.js exactly, the lock file agrees, and scripts/install (which the
    test command runs first) copied that version to static/vendor/."""
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]
    assert list(pinned) == ["chart.js"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned["chart.js"])
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/chart.js"]["version"] == pinned["chart.js"]
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed (apt-get install nodejs npm): no chart library to check")
    served = ROOT / "static" / views.CHART_LIBRARY
    assert served.read_text()[:200].find(f"Chart.js v{pinned['chart.js']}") != -1
    assert views.charts_available()
