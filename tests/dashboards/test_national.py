"""The national roll-up: each province's figures equal the counts computed from the records,
sortable by every column, drilling down into the province's read-only dashboard."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.dashboards import records
from tests.dashboards.html import measures_by, number, sheet_rows

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
URL = "/dashboard/national/"


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(records.NOW, tick=False)


@pytest.fixture
def scenario(shandong, guangdong, jinan, qingdao, guangzhou):
    return records.build(
        shandong=shandong, guangdong=guangdong, jinan=jinan, qingdao=qingdao, guangzhou=guangzhou
    )


def expected_row(province, *, sector=None) -> dict[str, str]:
    now = records.cycle_obligations(
        year=2026, as_of=records.TODAY, province=province, sector=sector
    )
    then = records.cycle_obligations(
        year=2025, as_of=records.LAST_YEAR, province=province, sector=sector
    )
    tally = dict.fromkeys(("due", "on_time", "late", "missing"), 0)
    monthly = {"decided": 0, "on_time": 0}
    for obligation in now:
        state = records.measure(obligation, records.TODAY)
        tally["due"] += 1
        if state in tally:
            tally[state] += 1
        if obligation.kind == "monthly_certification" and state != "pending":
            monthly["decided"] += 1
            monthly["on_time"] += state == "on_time"
    decided = tally["on_time"] + tally["late"] + tally["missing"]
    earlier = [records.measure(o, records.LAST_YEAR) for o in then]
    steps = records.allocation_steps(province)
    settlement = records.settlements(province)
    verification_due = sum(1 for o in now if o.kind == "verification")
    confirmed = sum(
        counter["confirmed"] for counter in records.assignments(province, sector=sector).values()
    )
    return {
        **{m: str(v) for m, v in tally.items()},
        "on_time_rate": records.rate(tally["on_time"], decided),
        "monthly_rate": records.rate(monthly["on_time"], monthly["decided"]),
        "verification_confirmed": f"{confirmed} / {verification_due}",
        "pre_allocated_t": f"{steps['pre_allocation']['approved_t']:,}",
        "determined_t": f"{steps['determination']['approved_t']:,}",
        "issued_t": f"{steps['allocation']['approved_t']:,}",
        "settled": f"{settlement['on_time'] + settlement['late']} / {settlement['due']}",
        "surrendered_t": f"{settlement['allowances_t'] + settlement['ccer_t']:,}",
        "last_year_on_time_rate": records.rate(
            earlier.count("on_time"), len(earlier) - earlier.count("pending")
        ),
        "last_year_missing": str(earlier.count("missing")),
    }


class TestRollUp:
    def test_each_province_equals_the_records(self, client_as, ministry_user, scenario):
        response = client_as(ministry_user).get(URL, **EN)
        assert response.status_code == 200
        page = measures_by(response, "provinces", "data-province")
        assert len(page) == 32
        for province in (scenario.shandong, scenario.guangdong):
            expected = expected_row(province)
            assert {k: v for k, v in page[province.code].items() if k != "enterprises"} == expected
        assert page["370000"]["enterprises"] == "4"
        assert page["440000"]["enterprises"] == "1"
        # A province with no units has its calendar's province obligations only.
        assert page["110000"]["due"] == str(
            len(
                records.cycle_obligations(
                    year=2026, as_of=records.TODAY, province=province_of("110000")
                )
            )
        )

    def test_sector_filter(self, client_as, ministry_user, scenario):
        response = client_as(ministry_user).get(URL, {"sector": "power"}, **EN)
        page = measures_by(response, "provinces", "data-province")
        expected = expected_row(scenario.shandong, sector="power")
        for key in ("due", "on_time", "late", "missing", "monthly_rate", "last_year_missing"):
            assert page["370000"][key] == expected[key], key
        assert page["370000"]["enterprises"] == "2"

    @pytest.mark.parametrize(
        "sort", ["missing", "-missing", "-on_time_rate", "code", "-surrendered_t"]
    )
    def test_sortable(self, client_as, ministry_user, scenario, sort):
        response = client_as(ministry_user).get(URL, {"sort": sort}, **EN)
        rows = response.context["rows"]
        key = sort.removeprefix("-")
        values = {
            "missing": lambda r: r.obligations.missing,
            "on_time_rate": lambda r: r.obligations.on_time_rate,
            "code": lambda r: r.province.code,
            "surrendered_t": lambda r: r.surrendered_t,
        }[key]
        present = [values(r) for r in rows if values(r) is not None]
        assert present == sorted(present, reverse=sort.startswith("-"))
        assert [values(r) for r in rows[len(present) :]] == [None] * (len(rows) - len(present))
        html = response.content.decode()
        assert f'data-sort="{key}"' in html

    def test_unknown_sort_falls_back_to_the_code(self, client_as, ministry_user, scenario):
        response = client_as(ministry_user).get(URL, {"sort": "password"})
        assert [r.province.code for r in response.context["rows"]] == sorted(
            r.province.code for r in response.context["rows"]
        )

    def test_drill_down_into_a_read_only_province(self, client_as, ministry_user, scenario):
        client = client_as(ministry_user)
        html = client.get(URL).content.decode()
        link = reverse("dashboards:province-detail", args=["370000"])
        assert f'href="{link}"' in html
        detail = client.get(link, **EN)
        assert detail.context["read_only"]
        assert detail.context["province"] == scenario.shandong
        main = detail.content.decode().split("<main>")[1]
        assert 'method="post"' not in main  # nothing to change, only to read
        assert measures_by(detail, "obligations", "data-kind")

    def test_totals(self, client_as, ministry_user, scenario):
        total = client_as(ministry_user).get(URL).context["total"]
        every = records.cycle_obligations(year=2026, as_of=records.TODAY)
        assert total.obligations.due == len(every)
        assert total.surrendered_t == Decimal(1_200_000 + 50_000 + 510_000 + 400_000 + 2_100_000)

    def test_xlsx(self, client_as, ministry_user, scenario):
        response = client_as(ministry_user).get(
            reverse("dashboards:national-xlsx"), {"sort": "-missing"}, **EN
        )
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        heading, headers, rows = sheet_rows(response)
        assert "National roll-up" in heading
        assert headers[:4] == ["Code", "Province", "Active units", "Due"]
        by_code = {row[0]: dict(zip(headers, row, strict=True)) for row in rows}
        expected = expected_row(scenario.shandong)
        shandong = by_code["370000"]
        assert shandong["Province"] == "Shandong"
        for header, key in (("Due", "due"), ("Met on time", "on_time"), ("Missing", "missing")):
            assert shandong[header] == number(expected[key])
        assert shandong["Surrendered (t)"] == number(expected["surrendered_t"])
        assert [row[headers.index("Missing")] for row in rows] == sorted(
            (row[headers.index("Missing")] for row in rows), reverse=True
        )


def province_of(code: str):
    from units.models import Province

    return Province.objects.get(code=code)
