"""Every table of the provincial dashboard downloads as xlsx with the page's filters, every row,
headers in the reader's language, and the numbers computed from the records."""

from datetime import date

import pytest
from django.urls import reverse

from tests.dashboards import records
from tests.dashboards.html import sheet_rows

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
KIND_LABELS = {
    "monthly_certification": "Monthly certification of accounting data",
    "settlement": "Quota settlement",
    "verification": "Verification of emission reports",
    "annual_report": "Annual emission report",
}


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(records.NOW, tick=False)


@pytest.fixture
def scenario(shandong, guangdong, jinan, qingdao, guangzhou):
    return records.build(
        shandong=shandong, guangdong=guangdong, jinan=jinan, qingdao=qingdao, guangzhou=guangzhou
    )


def download(client, table: str, language=EN, **params):
    response = client.get(
        reverse("dashboards:province-xlsx", args=["370000"]), {"table": table, **params}, **language
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="dashboard-370000-{table}-20261115.xlsx"'
    )
    heading, headers, rows = sheet_rows(response)
    return heading, headers, [dict(zip(headers, row, strict=True)) for row in rows]


def test_obligations(client_as, shandong_staff, scenario):
    heading, _headers, rows = download(client_as(shandong_staff), "obligations")
    assert "Shandong" in heading and "2026-11-15" in heading
    expected = records.by_kind(
        records.cycle_obligations(year=2026, as_of=records.TODAY, province=scenario.shandong),
        records.TODAY,
    )
    by_label = {row["Obligation"]: row for row in rows}
    assert len(rows) == len(expected)
    for kind, label in KIND_LABELS.items():
        row, counts = by_label[label], expected[kind]
        columns = ("Due", "Met on time", "Met late", "Missing", "Not yet due")
        measures = ("due", "on_time", "late", "missing", "pending")
        assert [row[column] for column in columns] == [counts[m] for m in measures]
        rate = records.rate(counts["on_time"], counts["due"] - counts["pending"])
        assert row["On-time rate (%)"] == (None if rate == "—" else float(rate))
    assert by_label["Quota settlement"]["Deadline"].date() == date(2026, 12, 31)
    assert by_label["Quota settlement"]["Days left"] == 46


def test_headers_in_chinese(client_as, shandong_staff, scenario):
    heading, headers, rows = download(client_as(shandong_staff), "obligations", ZH)
    assert "山东省" in heading
    assert headers[:2] == ["履约事项", "截止日期"]
    assert "按时完成" in headers and "Due" not in headers
    assert "碳排放统计核算数据月度信息化存证" in {row["履约事项"] for row in rows}


def test_filters_apply(client_as, shandong_staff, scenario):
    _h, _headers, rows = download(
        client_as(shandong_staff), "obligations", city=scenario.qingdao.pk, sector="cement"
    )
    expected = records.by_kind(
        records.cycle_obligations(
            year=2026, as_of=records.TODAY, province=scenario.shandong,
            city=scenario.qingdao, sector="cement",
        ),
        records.TODAY,
    )  # fmt: skip
    assert {row["Obligation"]: row["Due"] for row in rows} == {
        label: expected[kind]["due"] for kind, label in KIND_LABELS.items()
    } | {
        row["Obligation"]: row["Due"]
        for row in rows
        if row["Obligation"] not in KIND_LABELS.values()
    }
    assert sum(row["Due"] for row in rows) == sum(c["due"] for c in expected.values())


def test_monthly_and_late(client_as, shandong_staff, scenario):
    client = client_as(shandong_staff)
    obligations = records.cycle_obligations(
        year=2026, as_of=records.TODAY, province=scenario.shandong
    )
    expected = records.by_month(obligations, records.TODAY)
    _h, _headers, rows = download(client, "monthly")
    assert [(row["Due"], row["Met on time"], row["Met late"], row["Missing"]) for row in rows] == [
        (c["due"], c["on_time"], c["late"], c["missing"]) for _month, c in sorted(expected.items())
    ]
    _h, headers, rows = download(client, "late")
    assert headers[1] == "January 2026" and headers[-2:] == ["Met late", "Missing"]
    late_units = {
        o.enterprise.name_en
        for o in obligations
        if o.kind == "monthly_certification"
        and records.measure(o, records.TODAY) in ("late", "missing")
    }
    assert {row["Key emission unit"] for row in rows} == late_units
    labels = {"Met on time", "Met late", "Missing", "Not yet due", None}
    assert all(row[month] in labels for row in rows for month in headers[1:-2])


def test_verification_allocation_settlement(client_as, shandong_staff, scenario):
    client = client_as(shandong_staff)
    _h, _headers, rows = download(client, "verification")
    done = records.assignments(scenario.shandong)
    by_sector = {row["Sector"]: row for row in rows}
    assert by_sector["Power generation"]["Confirmed"] == done["power"]["confirmed"]
    assert by_sector["Cement"]["Conclusion awaiting confirmation"] == done["cement"]["concluded"]
    assert by_sector["Cement"]["Assigned"] == done["cement"]["total"]

    _h, _headers, rows = download(client, "allocation")
    steps = records.allocation_steps(scenario.shandong)
    columns = (
        "Approved (units)",
        "Approved (t)",
        "Awaiting approval (units)",
        "Awaiting approval (t)",
    )
    assert [tuple(r[column] for column in columns) for r in rows] == [
        (s["approved"], s["approved_t"], s["drafted"], s["drafted_t"])
        for s in (steps["pre_allocation"], steps["determination"], steps["allocation"])
    ]

    _h, _headers, rows = download(client, "settlement")
    expected = records.settlements(scenario.shandong)
    assert rows[0]["Units to settle"] == expected["due"]
    assert rows[0]["Allowances surrendered (t)"] == expected["allowances_t"]
    assert rows[0]["CCER surrendered (t)"] == expected["ccer_t"]
    assert rows[0]["To surrender (t)"] == expected["to_surrender_t"]


def test_overdue_holds_every_row(client_as, shandong_staff, scenario):
    _h, _headers, rows = download(client_as(shandong_staff), "overdue")
    expected = records.overdue(province=scenario.shandong)
    assert len(rows) == len(expected) > 50
    assert [row["Due date"].date() for row in rows] == [o.due_on for o in expected]
    assert rows[0]["Days overdue"] == (records.TODAY - expected[0].due_on).days


def test_comparison(client_as, shandong_staff, scenario):
    _h, _headers, rows = download(client_as(shandong_staff), "comparison")
    then = records.by_kind(
        records.cycle_obligations(year=2025, as_of=records.LAST_YEAR, province=scenario.shandong),
        records.LAST_YEAR,
    )
    row = next(r for r in rows if r["Obligation"] == KIND_LABELS["monthly_certification"])
    assert row["Due (same date last year)"] == then["monthly_certification"]["due"]
    assert row["Missing (same date last year)"] == then["monthly_certification"]["missing"]
