"""Settlement pages: the list (filter, counts, targets, pinned query count), opening and closing
the year, one settlement and its surrender form, the import page with its errors table, the
template, the shortfall case, the compliance summary as xlsx and PDF, and the quota position.
Every page and action: happy path, bad input (400, nothing saved), another province (404, nothing
changed), enterprise users only their own. The clock is fixed at 2026-11-20 10:00 (Shanghai)."""

import io
import subprocess
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from quotas.models import Settlement, SettlementStatus, ShortfallCase, Surrender
from tests.factories import accounts as users
from tests.factories.quotas_settlement import (
    AllocationFactory,
    SettlementFactory,
    SurrenderFactory,
    unit_ready,
)
from tests.factories.units import EnterpriseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English (the site's default language is Chinese); pages follow
    the request's language."""
    with translation.override("en"):
        yield


SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
AFTER_DUE = datetime(2027, 1, 5, 10, 0, tzinfo=SHANGHAI)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
# Session, user, memberships, province, page count, counts, targets, target counts, rows, inbox,
# and the session saved on every request (savepoint, update, release).
LIST_QUERIES = 13
# Session, user, memberships, units, the unit, allocations, settlements, surrenders, deadlines of
# years without a settlement, inbox, and the session saved (3).
POSITION_QUERIES = 13
HEADER = ["统一社会信用代码", "单位名称", "类型", "年份", "数量", "日期", "登记编号"]


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def coal_unit(shandong):
    # Obligation 1,000,000 + 20% × 1,300,000 = 1,260,000 t (gap cap); CCER at most 63,000 t.
    return unit_ready(
        province=shandong, emissions=1_300_000, determined=1_000_000, name_zh="鲁北燃煤电厂"
    )


@pytest.fixture
def owed(coal_unit):
    return SettlementFactory(
        enterprise=coal_unit,
        verified_emissions=Decimal(1_300_000),
        allocated=Decimal(1_000_000),
        obligation=Decimal(1_260_000),
        cap_rule="gap_cap",
    )


@pytest.fixture
def owner(coal_unit):
    return users.enterprise_user(coal_unit, username="coal-owner")


def url(name, obj=None, **query):
    path = reverse(f"quotas:{name}", kwargs={"public_id": obj.public_id} if obj else None)
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def text(response) -> str:
    return response.content.decode()


def xlsx_upload(rows, header=HEADER) -> SimpleUploadedFile:
    workbook = Workbook()
    workbook.active.append(header)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("清缴记录.xlsx", buffer.getvalue())


# --- the list -------------------------------------------------------------------------------------


class TestList:
    def test_staff_see_the_years_settlements_with_counts_and_the_target(
        self, client_as, shandong_staff, owed
    ):
        SettlementFactory(enterprise=EnterpriseFactory(province=owed.enterprise.province),
                          status="on_time", settled_on=date(2026, 11, 2))  # fmt: skip
        response = client_as(shandong_staff).get(url("settlements", year=2025), **EN)
        assert response.status_code == 200
        body = text(response)
        assert "鲁北燃煤电厂" in body and "1,260,000" in body
        assert "Open the settlements of 2025" in body and "Close the year" in body
        assert "50.00%" in body  # 1 of 2 settled against the 95% target

    def test_status_filter(self, client_as, shandong_staff, owed):
        settled = SettlementFactory(enterprise=EnterpriseFactory(province=owed.enterprise.province,
                                    name_zh="已履约电厂"), status="on_time")  # fmt: skip
        response = client_as(shandong_staff).get(url("settlements", year=2025, status="on_time"))
        assert settled.enterprise.name_zh in text(response)
        assert "鲁北燃煤电厂" not in text(response)
        bad = client_as(shandong_staff).get(url("settlements", year="x", status="nope"))
        assert bad.status_code == 400

    def test_query_count_does_not_grow_with_rows(
        self, client_as, shandong, shandong_staff, django_assert_num_queries
    ):
        client = client_as(shandong_staff)

        def make(count):
            for _ in range(count):
                settlement = SettlementFactory(enterprise=EnterpriseFactory(province=shandong))
                SurrenderFactory(settlement=settlement)

        make(2)
        with django_assert_num_queries(LIST_QUERIES):
            client.get(url("settlements", year=2025))
        make(20)
        with django_assert_num_queries(LIST_QUERIES):
            response = client.get(url("settlements", year=2025))
        assert "22 settlements" in text(client.get(url("settlements", year=2025), **EN))
        assert response.status_code == 200

    def test_another_province_is_not_found_and_enterprise_users_are_refused(
        self, client_as, guangdong_staff, owner, owed, ministry_user
    ):
        assert (
            client_as(guangdong_staff).get(url("settlements", province="370000")).status_code == 404
        )
        assert "鲁北燃煤电厂" not in text(client_as(guangdong_staff).get(url("settlements")))
        assert client_as(owner).get(url("settlements")).status_code == 403
        national = client_as(ministry_user).get(
            url("settlements", province="370000", year=2025), **EN
        )
        assert national.status_code == 200 and "鲁北燃煤电厂" in text(national)
        assert "Open the settlements" not in text(national)


# --- opening and closing the year -----------------------------------------------------------------


class TestOpenAndClose:
    def test_open(self, client_as, shandong_staff, coal_unit):
        response = client_as(shandong_staff).post(url("settlements-open"), {"year": 2025})
        assert response.status_code == 302
        assert Settlement.objects.get(enterprise=coal_unit).obligation == Decimal(1_260_000)

    def test_open_with_a_bad_year(self, client_as, shandong_staff, coal_unit):
        response = client_as(shandong_staff).post(url("settlements-open"), {"year": "二〇二五"})
        assert response.status_code == 400
        assert not Settlement.objects.exists()

    def test_open_by_another_province_or_an_enterprise(
        self, client_as, guangdong_staff, owner, coal_unit
    ):
        data = {"year": 2025, "province": "370000"}
        assert client_as(guangdong_staff).post(url("settlements-open"), data).status_code == 404
        assert client_as(owner).post(url("settlements-open"), data).status_code == 403
        assert not Settlement.objects.exists()

    def test_close_before_and_after_the_due_date(
        self, client_as, shandong_staff, owed, time_machine
    ):
        client = client_as(shandong_staff)
        early = client.post(url("settlements-close"), {"year": 2025, "average_price": "80"}, **EN)
        assert early.status_code == 400 and "due on 2026-12-31" in text(early)
        time_machine.move_to(AFTER_DUE, tick=False)
        client = client_as(shandong_staff)  # the session of November has expired
        no_price = client.post(url("settlements-close"), {"year": 2025}, **EN)
        assert no_price.status_code == 400 and "average market price" in text(no_price)
        assert not ShortfallCase.objects.exists()
        done = client.post(url("settlements-close"), {"year": 2025, "average_price": "80"})
        assert done.status_code == 302
        owed.refresh_from_db()
        assert owed.status == SettlementStatus.NOT_SETTLED
        # 5 × 80 × 1,260,000 = CNY 504,000,000.00; 10 × = 1,008,000,000.00.
        assert (owed.case.fine_min, owed.case.fine_max) == (
            Decimal("504000000.00"),
            Decimal("1008000000.00"),
        )

    def test_close_by_another_province(self, client_as, guangdong_staff, owed, time_machine):
        time_machine.move_to(AFTER_DUE, tick=False)  # before logging in: sessions expire
        response = client_as(guangdong_staff).post(
            url("settlements-close"), {"year": 2025, "average_price": "80", "province": "370000"}
        )
        assert response.status_code == 404
        owed.refresh_from_db()
        assert owed.status == SettlementStatus.OPEN


# --- one settlement and its surrenders ------------------------------------------------------------


class TestSettlement:
    def test_staff_and_the_owner_see_it(self, client_as, shandong_staff, owner, owed):
        for user in (shandong_staff, owner):
            response = client_as(user).get(url("settlement-detail", owed), **EN)
            assert response.status_code == 200 and "1,260,000" in text(response)
        assert "Record a surrender" in text(
            client_as(shandong_staff).get(url("settlement-detail", owed), **EN)
        )
        assert "Record a surrender" not in text(
            client_as(owner).get(url("settlement-detail", owed), **EN)
        )

    def test_others_do_not(self, client_as, guangdong_staff, shandong_enterprise_user, owed):
        for user in (guangdong_staff, shandong_enterprise_user):
            assert client_as(user).get(url("settlement-detail", owed)).status_code == 404

    def test_record_a_surrender(self, client_as, shandong_staff, owed):
        data = {"kind": "allowance", "quantity": "1000000", "vintage": "2025",
                "surrendered_on": "2026-11-10", "registry_reference": "QJ-9"}  # fmt: skip
        response = client_as(shandong_staff).post(url("surrender-add", owed), data)
        assert response.status_code == 302
        assert Surrender.objects.get().quantity == Decimal(1_000_000)

    def test_ccer_above_the_limit_is_refused_with_the_allowed_figure(
        self, client_as, shandong_staff, owed
    ):
        data = {"kind": "ccer", "quantity": "70000", "surrendered_on": "2026-11-10"}
        response = client_as(shandong_staff).post(url("surrender-add", owed), data, **EN)
        assert response.status_code == 400
        assert (
            "at most 63,000 t CCER may count (5% of 1,260,000 t); 7,000 t more than allowed"
            in text(response)
        )
        assert not Surrender.objects.exists()

    def test_bad_input(self, client_as, shandong_staff, owed):
        data = {"kind": "allowance", "quantity": "abc", "surrendered_on": "2026-11-10"}
        response = client_as(shandong_staff).post(url("surrender-add", owed), data)
        assert response.status_code == 400
        assert not Surrender.objects.exists()

    def test_others_record_nothing(self, client_as, guangdong_staff, owner, owed):
        data = {"kind": "allowance", "quantity": "1000", "vintage": "2025",
                "surrendered_on": "2026-11-10"}  # fmt: skip
        assert client_as(guangdong_staff).post(url("surrender-add", owed), data).status_code == 404
        assert client_as(owner).post(url("surrender-add", owed), data).status_code == 403
        assert not Surrender.objects.exists()


# --- the import -----------------------------------------------------------------------------------


class TestImportPages:
    def test_form_and_template(self, client_as, shandong_staff):
        client = client_as(shandong_staff)
        assert client.get(url("surrender-import")).status_code == 200
        response = client.get(url("surrender-template", year=2025))
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        titles = [str(cell.value).splitlines()[0] for cell in sheet[1]]
        assert titles == HEADER

    def test_a_good_file(self, client_as, shandong_staff, coal_unit, owed):
        upload = xlsx_upload([[coal_unit.uscc, "", "配额", 2025, 1_260_000, "2026-11-10", "I1"]])
        response = client_as(shandong_staff).post(
            url("surrender-import"), {"year": 2025, "file": upload}
        )
        assert response.status_code == 302
        owed.refresh_from_db()
        assert owed.status == SettlementStatus.ON_TIME

    def test_errors_table(self, client_as, shandong_staff, coal_unit, owed):
        upload = xlsx_upload([
            [coal_unit.uscc, "", "配额", 2025, "一千", "2026-11-10", "I1"],
            ["91370100MA3XXXXX0X", "", "CCER", None, 10, "2026-11-10", "I2"],
        ])  # fmt: skip
        response = client_as(shandong_staff).post(
            url("surrender-import"), {"year": 2025, "file": upload}
        )
        assert response.status_code == 400
        body = text(response)
        assert '<td class="num">2</td>' in body and "数量" in body
        assert '<td class="num">3</td>' in body and "统一社会信用代码" in body
        assert not Surrender.objects.exists()

    def test_another_province(self, client_as, guangdong_staff, owner, coal_unit, owed):
        upload = xlsx_upload([[coal_unit.uscc, "", "配额", 2025, 1, "2026-11-10", "I1"]])
        data = {"year": 2025, "file": upload, "province": "370000"}
        assert client_as(guangdong_staff).post(url("surrender-import"), data).status_code == 404
        assert client_as(owner).get(url("surrender-import")).status_code == 403
        assert not Surrender.objects.exists()


# --- shortfall cases ------------------------------------------------------------------------------


@pytest.fixture
def case(owed):
    owed.status = SettlementStatus.NOT_SETTLED
    owed.save()
    return ShortfallCase.objects.create(
        settlement=owed,
        shortfall=Decimal(60_000),
        correction_due=date(2027, 2, 4),
        average_price=Decimal(80),
        fine_min=Decimal(24_000_000),
        fine_max=Decimal(48_000_000),
    )


class TestCases:
    def test_view_and_decide(self, client_as, shandong_staff, owner, case):
        assert client_as(owner).get(url("case-detail", case)).status_code == 200
        client = client_as(shandong_staff)
        assert "24,000,000" in text(client.get(url("case-detail", case)))
        bad = client.post(url("case-decide", case), {"action": "penalty", "amount": "100"})
        assert bad.status_code == 400
        case.refresh_from_db()
        assert case.penalty_decided is None
        done = client.post(url("case-decide", case), {"action": "penalty", "amount": "30000000"})
        assert done.status_code == 302
        case.refresh_from_db()
        assert case.penalty_decided == Decimal(30_000_000)

    def test_correction_before_the_shortfall_is_surrendered(self, client_as, shandong_staff, case):
        response = client_as(shandong_staff).post(
            url("case-decide", case), {"action": "correct"}, **EN
        )
        assert response.status_code == 400 and "still to surrender" in text(response)

    def test_others(self, client_as, guangdong_staff, owner, shandong_enterprise_user, case):
        data = {"action": "penalty", "amount": "30000000"}
        assert client_as(guangdong_staff).get(url("case-detail", case)).status_code == 404
        assert client_as(guangdong_staff).post(url("case-decide", case), data).status_code == 404
        assert client_as(shandong_enterprise_user).get(url("case-detail", case)).status_code == 404
        assert client_as(owner).post(url("case-decide", case), data).status_code == 403
        case.refresh_from_db()
        assert case.penalty_decided is None


# --- the compliance summary -----------------------------------------------------------------------


@pytest.fixture
def year_of_three(shandong, owed):
    """鲁北燃煤电厂 open; one unit on time; one not settled with a fine decided."""
    SettlementFactory(enterprise=EnterpriseFactory(province=shandong, name_zh="按时履约电厂"),
                      status="on_time", settled_on=date(2026, 11, 5))  # fmt: skip
    fined = SettlementFactory(
        enterprise=EnterpriseFactory(province=shandong, name_zh="未履约电厂"), status="not_settled"
    )
    ShortfallCase.objects.create(
        settlement=fined,
        shortfall=Decimal(12_345),
        correction_due=date(2027, 2, 4),
        penalty_decided=Decimal(1),
    )


class TestSummary:
    def test_xlsx(self, client_as, shandong_staff, year_of_three):
        response = client_as(shandong_staff).get(url("compliance-summary-xlsx", year=2025))
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4, max_row=6)]
        assert rows == [
            [1, "按时履约电厂", "是", "否", "否", "—", None],
            [
                2,
                "未履约电厂",
                "否",
                "否",
                "是",
                "是",
                "未足额清缴12,345吨，责令于2027年2月4日前改正",
            ],
            [3, "鲁北燃煤电厂", "否", "否", "否", "—", "清缴期内，尚需清缴1,260,000吨"],
        ]
        assert sheet["A1"].value == "山东省2025年度碳排放配额清缴完成和处理情况汇总表"
        assert any("盖章" in str(cell.value) for row in sheet.iter_rows() for cell in row)

    def test_pdf(self, client_as, shandong_staff, year_of_three):
        response = client_as(shandong_staff).get(url("compliance-summary-pdf", year=2025))
        assert response["Content-Type"] == "application/pdf"
        shown = subprocess.run(
            ["pdftotext", "-layout", "-", "-"],
            input=response.content,
            capture_output=True,
            check=True,
        ).stdout.decode()
        for expected in ("清缴完成和处理情况汇总表", "按时履约电厂", "未履约电厂", "12,345",
                         "按时完成履约1家", "盖章"):  # fmt: skip
            assert expected in shown

    def test_another_province_and_enterprises(
        self, client_as, guangdong_staff, owner, year_of_three
    ):
        for name in ("compliance-summary-xlsx", "compliance-summary-pdf"):
            assert client_as(guangdong_staff).get(url(name, province="370000")).status_code == 404
            assert client_as(owner).get(url(name)).status_code == 403


# --- the quota position ---------------------------------------------------------------------------


class TestPosition:
    def test_the_enterprise_sees_its_units(self, client_as, owner, owed):
        SurrenderFactory(settlement=owed, kind="ccer", vintage=None, quantity=50_000)
        SurrenderFactory(settlement=owed, quantity=900_000, vintage=2024)
        response = client_as(owner).get(url("position"), **EN)
        body = text(response)
        assert response.status_code == 200
        assert "鲁北燃煤电厂" in body and "1,260,000" in body
        assert "Allowances 2024: 900,000" in body and "CCER: 50,000" in body
        assert "310,000" in body  # 1,260,000 − 950,000 still to surrender
        assert "2026-12-31" in body

    def test_only_its_own(self, client_as, owner, guangdong_enterprise, owed):
        other = client_as(owner).get(url("position", enterprise=guangdong_enterprise.public_id))
        assert other.status_code == 404

    def test_staff_view_a_unit_of_their_province(
        self, client_as, shandong_staff, guangdong_staff, coal_unit, owed
    ):
        mine = client_as(shandong_staff).get(url("position", enterprise=coal_unit.public_id))
        assert mine.status_code == 200 and "1,260,000" in text(mine)
        theirs = client_as(guangdong_staff).get(url("position", enterprise=coal_unit.public_id))
        assert theirs.status_code == 404

    def test_query_count_does_not_grow_with_years_and_surrenders(
        self, client_as, owner, coal_unit, owed, django_assert_num_queries
    ):
        client = client_as(owner)
        AllocationFactory(enterprise=coal_unit, year=2024)
        with django_assert_num_queries(POSITION_QUERIES):
            client.get(url("position"))
        SettlementFactory(enterprise=coal_unit, year=2024, status="on_time")
        SurrenderFactory(settlement=owed, kind="ccer", vintage=None, quantity=1_000)
        for _ in range(5):
            SurrenderFactory(settlement=owed, quantity=1_000)
        with django_assert_num_queries(POSITION_QUERIES):
            client.get(url("position"))
