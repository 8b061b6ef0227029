"""Statistics per province (/api/v1/statistics/): the dashboards' measures, with figures known
by hand from a small world (two Shandong units with obligations met on time, late, missing and
not yet due, one Guangdong unit, last year's calendar met partly after the same date), who may
read which province, the year and as_of parameters, and pinned query counts. The clock is
2026-11-15 10:00 in Asia/Shanghai."""

from datetime import date, datetime, time
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from deadlines.models import ObligationStatus
from quotas.models import AllocationBatch, BatchStatus, Step
from tests.api.conftest import token_client
from tests.dashboards.records import copy_rules
from tests.factories import accounts as users
from tests.factories.deadlines import ObligationFactory, national_rule
from tests.factories.quotas_settlement import AllocationFactory, SettlementFactory, SurrenderFactory
from tests.factories.reporting import AnnualReportFactory
from tests.factories.units import EnterpriseFactory
from tests.factories.verification import AssignmentFactory
from verification.models import AssignmentStatus

pytestmark = pytest.mark.django_db


SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 15, 10, 0, tzinfo=SHANGHAI)
LIST = reverse("api:statistic-list")
ON_TIME, LATE = ObligationStatus.MET_ON_TIME, ObligationStatus.MET_LATE
OPEN, MISSED = ObligationStatus.OPEN, ObligationStatus.MISSED
# token + last used + memberships, the cycle and last year's cycle
REQUEST = 5
# the provinces, units, obligations, last year's obligations, confirmed verifications,
# allocations, settlements, surrenders
LIST_QUERIES = REQUEST + 8
# the province, its roll-up row (7: no provinces query), the dashboard's tables (obligations,
# last year's, months, last year's months, late units, verification 2, allocation,
# settlement 2, overdue)
DETAIL_QUERIES = REQUEST + 1 + 7 + 11


def detail(code: str) -> str:
    return reverse("api:statistic-detail", kwargs={"code": code})


def at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=SHANGHAI)


def obligation(unit, kind: str, status: str, met_on: date | None = None, **rule):
    """`unit`'s obligation under the national rule of `kind` (monthly: `period` = month - 1)."""
    period = rule.pop("period", 0)
    return ObligationFactory(
        rule=national_rule(kind, **rule),
        enterprise=unit,
        period=period,
        status=status,
        met_at=at(met_on) if met_on else None,
    )


def monthly(unit, month: int, status: str, met_on: date | None = None, *, year: int = 2026):
    return obligation(unit, "monthly_certification", status, met_on, period=month - 1, year=year)


def power_verification(unit, status: str, met_on: date | None = None, *, year: int = 2026):
    return obligation(
        unit, "verification", status, met_on, year=year, market_scope="market", due_month=6
    )


def batch(province, step: str, status: str) -> AllocationBatch:
    return AllocationBatch.objects.create(
        province=province,
        year=2025,
        sector="power",
        step=step,
        status=status,
        prepared_by=users.UserFactory(),
    )


def shandong_unit(shandong, city):
    return EnterpriseFactory(province=shandong, city=city)


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def small(shandong, guangdong, jinan, qingdao, guangzhou):
    """Shandong: A (Jinan) and B (Qingdao) in power, and a closed unit; Guangdong: C."""
    copy_rules()  # last year's calendar
    a, b = shandong_unit(shandong, jinan), shandong_unit(shandong, qingdao)
    EnterpriseFactory(province=shandong, status="closed")
    c = EnterpriseFactory(province=guangdong, city=guangzhou)
    # 2026: January due 03-12, February 04-09, March 05-10, October 12-10.
    monthly(a, 1, ON_TIME, date(2026, 3, 1))
    monthly(a, 2, LATE, date(2026, 4, 20))
    monthly(a, 3, MISSED)
    monthly(a, 10, OPEN)
    obligation(a, "settlement", OPEN)  # due 2026-12-31
    monthly(b, 1, OPEN)  # past due, the sweep has not run: missing all the same
    power_verification(b, ON_TIME, date(2026, 6, 20))  # due 2026-06-30
    monthly(c, 1, ON_TIME, date(2026, 3, 2))
    # 2025: met late by the same date last year, and met only after it.
    monthly(a, 1, LATE, date(2025, 3, 20), year=2025)
    power_verification(b, LATE, date(2025, 12, 1), year=2025)
    # Verification of the 2025 reports: B's confirmed, A's concluded.
    AssignmentFactory(
        report=AnnualReportFactory(enterprise=b, year=2025), status=AssignmentStatus.CONFIRMED
    )
    AssignmentFactory(
        report=AnnualReportFactory(enterprise=a, year=2025), status=AssignmentStatus.CONCLUDED
    )
    # Allocation of 2025: pre-allocation and determination approved, issuance submitted.
    batches = {
        "pre_allocation_batch": batch(shandong, Step.PRE_ALLOCATION, BatchStatus.APPROVED),
        "determination_batch": batch(shandong, Step.DETERMINATION, BatchStatus.APPROVED),
    }
    issuance = batch(shandong, Step.ALLOCATION, BatchStatus.SUBMITTED)
    AllocationFactory(
        enterprise=a, determined=Decimal(1_000_000), allocation_batch=issuance, **batches
    )  # pre-allocated 700,000, issued 300,000
    AllocationFactory(
        enterprise=b, determined=Decimal(500_000), issued=None, issued_on=None, **batches
    )  # pre-allocated 350,000
    # Settlement of 2025: A on time (allowances and CCER), B not yet.
    settled = SettlementFactory(enterprise=a, status="on_time", obligation=Decimal(1_000_000))
    SurrenderFactory(settlement=settled, quantity=Decimal(950_000))
    SurrenderFactory(settlement=settled, kind="ccer", vintage=None, quantity=Decimal(50_000))
    owing = SettlementFactory(enterprise=b, status="open", obligation=Decimal(400_000))
    SurrenderFactory(settlement=owing, quantity=Decimal(100_000))
    return SimpleNamespace(a=a, b=b, c=c, shandong=shandong, guangdong=guangdong, jinan=jinan)


def tally(due=0, on_time=0, late=0, missing=0, pending=0) -> dict:
    decided = on_time + late + missing

    def rate(part):
        return str((Decimal(100 * part) / decided).quantize(Decimal("0.1"))) if decided else None

    return {
        "due": due,
        "on_time": on_time,
        "late": late,
        "missing": missing,
        "pending": pending,
        "met": on_time + late,
        "decided": decided,
        "on_time_rate": rate(on_time),
        "late_rate": rate(late),
        "missing_rate": rate(missing),
    }


SHANDONG_ROW = {
    "province": "370000",
    "enterprises": 2,
    "obligations": tally(due=7, on_time=2, late=1, missing=2, pending=2),
    "monthly_certification": tally(due=5, on_time=1, late=1, missing=2, pending=1),
    "verification": tally(due=1, on_time=1),
    "verification_confirmed": 1,
    "verification_confirmed_rate": "100.0",
    "pre_allocated_t": "1050000",
    "determined_t": "1500000",
    "issued_t": "0",
    "settlement_due": 2,
    "settled": 1,
    "settled_rate": "50.0",
    "surrendered_t": "1100000",
    "last_year": tally(due=2, late=1, missing=1),
}


def rows(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    return {row["province"]: row for row in response.json()["results"]}


class TestList:
    def test_shandong_row_equals_the_hand_counts(self, small):
        shown = token_client(users.ministry()).get(LIST).json()
        assert (shown["year"], shown["as_of"]) == (2026, "2026-11-15")
        assert (shown["last_year_cycle"], shown["last_year_as_of"]) == (2025, "2025-11-15")
        row = {row["province"]: row for row in shown["results"]}["370000"]
        assert {key: row[key] for key in SHANDONG_ROW} == SHANDONG_ROW
        assert (row["name_zh"], row["name_en"]) == ("山东省", "Shandong")
        assert row["url"] == "http://testserver/api/v1/statistics/370000/"

    def test_ministry_reads_every_province_and_the_total(self, small):
        shown = token_client(users.ministry()).get(LIST).json()
        assert shown["count"] == len(shown["results"]) == 32
        assert [row["province"] for row in shown["results"]] == sorted(
            row["province"] for row in shown["results"]
        )
        guangdong = {row["province"]: row for row in shown["results"]}["440000"]
        assert (guangdong["enterprises"], guangdong["obligations"]) == (1, tally(1, on_time=1))
        assert guangdong["last_year"] == tally()
        total = shown["total"]
        assert total["enterprises"] == 3
        assert total["obligations"] == tally(due=8, on_time=3, late=1, missing=2, pending=2)
        assert total["surrendered_t"] == "1100000"

    def test_provincial_staff_read_their_province_only(self, small):
        shown = token_client(users.staff(small.shandong)).get(LIST).json()
        assert [row["province"] for row in shown["results"]] == ["370000"]
        row = shown["results"][0]
        assert {key: row[key] for key in SHANDONG_ROW} == SHANDONG_ROW
        assert shown["total"]["obligations"] == SHANDONG_ROW["obligations"]

    def test_city_staff_count_their_city(self, small):
        api = token_client(users.staff(small.shandong, city=small.jinan))
        (row,) = api.get(LIST).json()["results"]
        assert row["enterprises"] == 1
        assert row["obligations"] == tally(due=5, on_time=1, late=1, missing=1, pending=2)

    def test_matches_the_national_dashboard(self, small, client_as, ministry_user):
        page = client_as(ministry_user).get(reverse("dashboards:national"))
        web = {row.province.code: row for row in page.context["rows"]}
        api = rows(token_client(ministry_user).get(LIST))
        for code in ("370000", "440000", "110000"):
            assert api[code]["obligations"]["due"] == web[code].obligations.due
            assert api[code]["obligations"]["missing"] == web[code].obligations.missing
            web_rate = web[code].monthly.on_time_rate
            assert api[code]["monthly_certification"]["on_time_rate"] == (
                None if web_rate is None else str(web_rate)
            )
            assert Decimal(api[code]["determined_t"]) == web[code].determined_t


class TestDetail:
    def test_every_table_equals_the_hand_counts(self, small):
        api = token_client(users.staff(small.shandong))
        shown = api.get(detail("370000"), HTTP_ACCEPT_LANGUAGE="en").json()
        assert (shown["province"], shown["year"], shown["as_of"]) == ("370000", 2026, "2026-11-15")
        assert {key: shown["summary"][key] for key in SHANDONG_ROW if key != "province"} == {
            key: value for key, value in SHANDONG_ROW.items() if key != "province"
        }
        kinds = {row["kind"]: row for row in shown["obligations"]}
        assert [row["kind"] for row in shown["obligations"]] == [
            "monthly_certification",
            "verification",
            "settlement",
        ]
        assert {key: kinds["monthly_certification"][key] for key in tally()} == tally(
            due=5, on_time=1, late=1, missing=2, pending=1
        )
        # The next monthly deadline is October's (12-10); verification's last passed 06-30.
        deadlines = {kind: (row["deadline"], row["days_left"]) for kind, row in kinds.items()}
        assert deadlines == {
            "monthly_certification": ("2026-12-10", 25),
            "verification": ("2026-06-30", -138),
            "settlement": ("2026-12-31", 46),
        }
        assert kinds["verification"]["kind_label"] == "Verification of emission reports"

    def test_monthly_series_and_late_units(self, small):
        shown = token_client(users.ministry()).get(detail("370000")).json()
        months = {row["month"]: row for row in shown["monthly_certification"]}
        assert sorted(months) == ["2026-01-01", "2026-02-01", "2026-03-01", "2026-10-01"]
        assert months["2026-01-01"]["due_on"] == "2026-03-12"
        assert {key: months["2026-01-01"][key] for key in ("due", "on_time", "missing")} == {
            "due": 2,
            "on_time": 1,
            "missing": 1,
        }
        assert months["2026-10-01"]["pending"] == 1
        assert [
            (row["month"], row["late"]) for row in shown["monthly_certification_last_year"]
        ] == [("2025-01-01", 1)]
        assert shown["units_late_certifying"] == 2  # A: late and missing; B: missing
        assert shown["overdue"] == 2  # A's March, B's January

    def test_last_year_as_it_stood_on_the_same_date(self, small):
        shown = token_client(users.ministry()).get(detail("370000")).json()
        compared = {row["kind"]: row for row in shown["comparison"]}
        assert compared["verification"]["now"]["on_time"] == 1
        # Met on 2025-12-01: still missing on 2025-11-15.
        assert compared["verification"]["then"] == tally(due=1, missing=1)
        assert compared["monthly_certification"]["then"] == tally(due=1, late=1)
        assert compared["settlement"]["then"] == tally()

    def test_verification_allocation_and_settlement(self, small):
        shown = token_client(users.ministry()).get(detail("370000")).json()
        (power,) = shown["verification"]
        assert power["sector"] == "power"
        assert {key: power[key] for key in ("due", "assigned", "concluded", "confirmed")} == {
            "due": 1,
            "assigned": 2,
            "concluded": 1,
            "confirmed": 1,
        }
        assert power["confirmed_rate"] == "100.0"
        steps = {row["step"]: row for row in shown["allocation"]}
        assert [row["step"] for row in shown["allocation"]] == [
            "pre_allocation",
            "determination",
            "allocation",
        ]
        assert (steps["pre_allocation"]["approved"], steps["pre_allocation"]["approved_t"]) == (
            2,
            "1050000",
        )
        assert steps["determination"]["approved_t"] == "1500000"
        assert (steps["allocation"]["approved"], steps["allocation"]["drafted_t"]) == (
            0,
            "300000",
        )
        assert all(row["year"] == 2025 for row in shown["allocation"])
        assert shown["settlement"] == {
            "year": 2025,
            "due": 2,
            "on_time": 1,
            "late": 0,
            "not_settled": 0,
            "open": 1,
            "settled": 1,
            "settled_rate": "50.0",
            "to_surrender_t": "1400000",
            "allowances_t": "1050000",
            "ccer_t": "50000",
            "surrendered_t": "1100000",
        }

    def test_matches_the_province_dashboard(self, small, client_as, shandong_staff):
        page = client_as(shandong_staff).get(reverse("dashboards:province"))
        data = page.context["data"]
        shown = token_client(shandong_staff).get(detail("370000")).json()
        assert [(row["kind"], row["due"], row["missing"]) for row in shown["obligations"]] == [
            (row.kind, row.due, row.missing) for row in data.obligations
        ]
        assert [row["month"] for row in shown["monthly_certification"]] == [
            row.month.isoformat() for row in data.monthly
        ]
        assert shown["overdue"] == data.overdue.total
        assert shown["units_late_certifying"] == data.late.total
        assert Decimal(shown["settlement"]["surrendered_t"]) == data.settlement.surrendered_t

    def test_another_province_is_404_like_a_missing_one(self, small):
        api = token_client(users.staff(small.shandong))
        other = api.get(detail("440000"))
        assert other.status_code == 404
        assert api.get(detail("999999")).json() == other.json()
        assert token_client(users.ministry()).get(detail("440000")).status_code == 200


class TestRoles:
    @pytest.mark.parametrize("persona", ["enterprise", "verifier", "no role"])
    def test_other_roles_are_403_as_on_the_web(self, small, institution, persona):
        user = {
            "enterprise": lambda: users.enterprise_user(small.a),
            "verifier": lambda: users.verifier(institution),
            "no role": lambda: users.UserFactory(username="nobody"),
        }[persona]()
        api = token_client(user)
        for url in (LIST, detail("370000")):
            response = api.get(url)
            assert response.status_code == 403
            assert "provincial staff and reviewers" in response.json()["detail"]


class TestParameters:
    def test_a_past_year_is_read_at_its_end(self, small):
        shown = token_client(users.ministry()).get(LIST, {"year": 2025}).json()
        assert (shown["year"], shown["as_of"], shown["last_year_cycle"]) == (
            2025,
            "2025-12-31",
            None,
        )
        row = {row["province"]: row for row in shown["results"]}["370000"]
        assert row["obligations"] == tally(due=2, late=2)
        assert row["last_year"] is None
        assert row["url"] == "http://testserver/api/v1/statistics/370000/?year=2025"

    def test_year_and_as_of(self, small):
        api = token_client(users.ministry())
        shown = api.get(detail("370000"), {"year": 2025, "as_of": "2025-11-15"}).json()
        assert shown["summary"]["obligations"] == tally(due=2, late=1, missing=1)

    def test_as_of_alone_reads_the_cycle_of_that_day(self, small):
        shown = token_client(users.ministry()).get(LIST, {"as_of": "2026-05-01"}).json()
        assert (shown["year"], shown["last_year_as_of"]) == (2026, "2025-05-01")
        row = {row["province"]: row for row in shown["results"]}["370000"]
        # March's certification (due 05-10), verification and settlement were not yet due;
        # October's did not exist yet.
        assert row["obligations"] == tally(due=6, on_time=1, late=1, missing=1, pending=3)

    @pytest.mark.parametrize(
        ("params", "field", "words"),
        [
            ({"year": "abc"}, "year", "valid integer"),
            ({"year": "1899"}, "year", "greater than or equal to 1900"),
            ({"year": "2027"}, "year", "The 2027 cycle has not begun"),
            ({"year": "2019"}, "year", "No 2019 cycle on 2019-12-31"),
            ({"year": "2026", "as_of": "2025-06-01"}, "year", "current on that day is 2025"),
            ({"as_of": "2026-13-01"}, "as_of", "wrong format"),
            ({"as_of": "2026-11-16"}, "as_of", "Must not be after today (2026-11-15)"),
            ({"as_of": "1899-12-31"}, "as_of", "Must not be before 1900-01-01"),
        ],
    )
    def test_bad_parameters_are_400_naming_the_parameter(self, small, params, field, words):
        api = token_client(users.ministry())
        for url in (LIST, detail("370000")):
            response = api.get(url, params, HTTP_ACCEPT_LANGUAGE="en")
            assert response.status_code == 400
            assert words in " ".join(response.json()[field])

    def test_no_calendar_yet_is_an_empty_list_and_a_404(self, small):
        api = token_client(users.ministry())
        shown = api.get(LIST, {"as_of": "2020-01-01"}).json()
        assert (shown["year"], shown["count"], shown["total"], shown["results"]) == (
            None,
            0,
            None,
            [],
        )
        missing = api.get(detail("370000"), {"as_of": "2020-01-01"})
        assert missing.status_code == 404
        assert "No national calendar up to 2020-01-01" in missing.json()["detail"]


class TestQueryCounts:
    def test_list_and_detail_do_not_grow_with_units(self, small, django_assert_num_queries):
        api = token_client(users.ministry())
        sizes = []
        for more in (0, 3):
            for _ in range(more):
                unit = shandong_unit(small.shandong, small.jinan)
                monthly(unit, 2, LATE, date(2026, 4, 15))
                AllocationFactory(enterprise=unit)
            with django_assert_num_queries(LIST_QUERIES):
                shown = api.get(LIST).json()
            with django_assert_num_queries(DETAIL_QUERIES):
                assert api.get(detail("370000")).status_code == 200
            sizes.append(rows_of(shown)["370000"]["enterprises"])
        assert sizes == [2, 5]

    def test_staff_list(self, small, django_assert_num_queries):
        api = token_client(users.staff(small.shandong))
        with django_assert_num_queries(LIST_QUERIES):
            assert api.get(LIST).status_code == 200


def rows_of(shown: dict) -> dict[str, dict]:
    return {row["province"]: row for row in shown["results"]}


def test_without_last_years_calendar_the_counts_are_three_fewer(
    shandong, jinan, django_assert_num_queries
):
    monthly(shandong_unit(shandong, jinan), 1, ON_TIME, date(2026, 3, 1))
    api = token_client(users.ministry())
    with django_assert_num_queries(LIST_QUERIES - 1):
        shown = api.get(LIST).json()
    assert (shown["last_year_cycle"], rows_of(shown)["370000"]["last_year"]) == (None, None)
    with django_assert_num_queries(DETAIL_QUERIES - 3):
        shown = api.get(detail("370000")).json()
    assert (shown["comparison"], shown["monthly_certification_last_year"]) == ([], [])
