"""The deadline pages: happy paths, bad input, other provinces' and enterprises' users, query
counts. The clock is fixed at 2026-11-15 10:00 in Asia/Shanghai."""

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from core.models import AuditEvent
from deadlines.generation import generate_obligations
from deadlines.models import (
    DeadlineRule,
    ExtensionRequest,
    ExtensionStatus,
    Notification,
    NotificationKind,
    Obligation,
    ObligationStatus,
)
from deadlines.sweep import update_statuses
from tests.factories import accounts as users
from tests.factories.deadlines import (
    ExtensionRequestFactory,
    NotificationFactory,
    ObligationFactory,
    monthly_certification,
    national_rule,
    obligation_context,
)
from tests.factories.units import CityFactory, EnterpriseFactory, industry

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
UNMET = {ObligationStatus.OPEN, ObligationStatus.MISSED}


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def pks(obligations) -> set[int]:
    return {obligation.pk for obligation in obligations}


def listed(response) -> set[int]:
    """Every obligation the filtered list holds, across all its pages."""
    return pks(response.context["page"].paginator.object_list)


def unread_badge(response) -> str | None:
    match = re.search(
        r'class="inboxlink"[^>]*>[^<]*<span class="count"[^>]*>(\d+)</span>',
        response.content.decode(),
    )
    return match and match.group(1)


@dataclass
class Calendar:
    """The 2026 calendar generated for three Shandong units and one Guangdong unit."""

    power: object  # 山东测试电厂, Jinan, power (market)
    steel: object  # Qingdao, steel (market)
    paper: object  # Jinan, paper (reporting only)
    guangdong: object

    def shandong(self):
        return list(Obligation.objects.filter(province=self.power.province))


@pytest.fixture
def calendar_2026(shandong, jinan, qingdao, shandong_enterprise, guangdong_enterprise):
    steel = EnterpriseFactory(
        province=shandong, city=qingdao, industry=industry("3120", "steel"), name_zh="青岛钢铁公司"
    )
    paper = EnterpriseFactory(
        province=shandong, city=jinan, industry=industry("2221", "paper"), name_zh="济南造纸公司"
    )
    generate_obligations(today=TODAY)
    update_statuses(today=TODAY)
    met = datetime(2026, 3, 20, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    late = datetime(2026, 4, 20, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    Obligation.objects.filter(enterprise=shandong_enterprise, kind="annual_report").update(
        status=ObligationStatus.MET_ON_TIME, met_at=met
    )
    Obligation.objects.filter(enterprise=steel, kind="annual_report").update(
        status=ObligationStatus.MET_LATE, met_at=late
    )
    Obligation.objects.filter(
        enterprise=shandong_enterprise, kind="monthly_certification", period_start__month__lte=6
    ).update(status=ObligationStatus.MET_ON_TIME, met_at=met)
    return Calendar(shandong_enterprise, steel, paper, guangdong_enterprise)


class TestMyObligations:
    def test_enterprise_user_sees_own_unmet_overdue_first_and_recently_met(
        self, client_as, shandong_enterprise_user, shandong_enterprise, shandong
    ):
        upcoming = ObligationFactory(
            rule=national_rule("settlement"), enterprise=shandong_enterprise
        )
        overdue = ObligationFactory(enterprise=shandong_enterprise, status=ObligationStatus.MISSED)
        met_last = monthly_certification(  # January's, met late in May
            shandong_enterprise,
            month=1,
            status=ObligationStatus.MET_LATE,
            met_at=datetime(2026, 5, 1, tzinfo=ZoneInfo("UTC")),
        )
        met_first = monthly_certification(  # February's, met in March
            shandong_enterprise,
            month=2,
            status=ObligationStatus.MET_ON_TIME,
            met_at=datetime(2026, 3, 20, tzinfo=ZoneInfo("UTC")),
        )
        neighbour = ObligationFactory(enterprise=EnterpriseFactory(province=shandong))
        provinces_duty = ObligationFactory(
            rule=national_rule("verification", sectors=["power"]), enterprise=shandong_enterprise
        )
        response = client_as(shandong_enterprise_user).get(reverse("deadlines:mine"), **EN)
        assert response.status_code == 200
        # The province's duty about the unit (its verification) is not on the unit's to-do list.
        assert provinces_duty.rule.party == "province"
        assert list(response.context["obligations"]) == [overdue, upcoming]
        assert list(response.context["met"]) == [met_last, met_first]  # latest met first
        body = response.content.decode()
        assert upcoming.get_absolute_url() in body
        assert neighbour.get_absolute_url() not in body
        assert '<span class="overdue">7\xa0months, 2\xa0weeks overdue</span>' in body

    def test_user_with_no_role_sees_nothing(self, client_as, no_role_user, calendar_2026):
        response = client_as(no_role_user).get(reverse("deadlines:mine"))
        assert response.status_code == 200
        assert list(response.context["obligations"]) == []
        assert list(response.context["met"]) == []

    def test_anonymous_is_sent_to_login(self, client):
        response = client.get(reverse("deadlines:mine"))
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


class TestProvinceObligations:
    url = reverse("deadlines:province-obligations")

    def test_staff_sees_every_obligation_of_their_province_only(
        self, client_as, shandong_staff, calendar_2026
    ):
        response = client_as(shandong_staff).get(self.url)
        assert response.status_code == 200
        shandong = calendar_2026.shandong()
        assert listed(response) == pks(shandong)
        assert len(shandong) == 41  # 18 each for the power and steel units, 3 paper, 2 province
        assert calendar_2026.guangdong.name_zh not in response.content.decode()

    def test_filters_match_the_records(
        self, client_as, shandong_staff, calendar_2026, qingdao, jinan
    ):
        client = client_as(shandong_staff)
        steel = calendar_2026.steel
        records = calendar_2026.shandong()

        def where(test):
            return {o.pk for o in records if test(o)}

        def get(**params):
            response = client.get(self.url, params)
            assert response.status_code == 200
            assert not response.context["form"].errors
            return listed(response)

        cases = {
            "kind": ({"kind": "settlement"}, where(lambda o: o.kind == "settlement")),
            "unmet": ({"status": "unmet"}, where(lambda o: o.status in UNMET)),
            "late": ({"status": "met_late"}, where(lambda o: o.status == "met_late")),
            "missed": ({"status": "missed"}, where(lambda o: o.status == "missed")),
            "open": ({"status": "open"}, where(lambda o: o.status == "open")),
            "sector": ({"sector": "steel"}, where(lambda o: o.enterprise_id == steel.pk)),
            "city": ({"city": qingdao.pk}, where(lambda o: o.enterprise_id == steel.pk)),
            "year": ({"year": 2027}, where(lambda o: o.due_on.year == 2027)),
            "due_on": ({"due_on": "2026-12-31"}, where(lambda o: o.due_on == date(2026, 12, 31))),
            "name": ({"q": "青岛钢铁"}, where(lambda o: o.enterprise_id == steel.pk)),
            "code": ({"q": steel.uscc.lower()}, where(lambda o: o.enterprise_id == steel.pk)),
            "combined": (
                {"kind": "monthly_certification", "status": "unmet", "city": jinan.pk},
                where(
                    lambda o: (
                        o.kind == "monthly_certification"
                        and o.status in UNMET
                        and o.enterprise_id == calendar_2026.power.pk
                    )
                ),
            ),
        }
        for name, (params, expected) in cases.items():
            assert expected, name  # every filter is tried on a non-empty answer
            assert get(**params) == expected, name
        assert len(cases["year"][1]) == 2  # November's certifications are due in January 2027
        assert len(cases["combined"][1]) == 5  # July to November

    def test_summary_counts_equal_the_records(self, client_as, shandong_staff, calendar_2026):
        expected = Counter()
        for o in calendar_2026.shandong():
            expected[(o.due_on, o.kind, "total")] += 1
            expected[(o.due_on, o.kind, o.status)] += 1
        response = client_as(shandong_staff).get(self.url)
        summary = response.context["summary"]
        assert [(row["due_on"], row["kind"]) for row in summary] == sorted(
            {(due_on, kind) for due_on, kind, _ in expected}
        )
        for row in summary:
            for column in ("total", "open", "met_on_time", "met_late", "missed"):
                assert row[column] == expected[(row["due_on"], row["kind"], column)], row
        assert sum(row["total"] for row in summary) == 41

    def test_summary_follows_the_filters_but_keeps_every_status(
        self, client_as, shandong_staff, calendar_2026
    ):
        response = client_as(shandong_staff).get(
            self.url, {"kind": "annual_report", "status": "met_late"}
        )
        assert [
            (row["due_on"], row["total"], row["met_on_time"], row["met_late"], row["missed"])
            for row in response.context["summary"]
        ] == [(date(2026, 3, 31), 3, 1, 1, 1)]
        assert listed(response) == pks(
            Obligation.objects.filter(enterprise=calendar_2026.steel, kind="annual_report")
        )

    def test_bad_filter_input_is_reported_and_not_applied(
        self, client_as, shandong_staff, calendar_2026, guangzhou
    ):
        response = client_as(shandong_staff).get(
            self.url, {"year": "soon", "due_on": "2026-02-30", "city": guangzhou.pk}
        )
        assert response.status_code == 200
        assert set(response.context["form"].errors) == {"year", "due_on", "city"}
        assert listed(response) == pks(calendar_2026.shandong())

    def test_paginates_and_keeps_the_filters_in_page_links(
        self, client_as, shandong_staff, shandong
    ):
        ObligationFactory.create_batch(55)
        ObligationFactory(rule=national_rule("settlement"))
        client = client_as(shandong_staff)
        first = client.get(self.url, {"kind": "annual_report"})
        assert first.context["page"].paginator.count == 55
        assert len(first.context["page"]) == 50
        assert 'href="?kind=annual_report&page=2"' in first.content.decode()
        second = client.get(self.url, {"kind": "annual_report", "page": 2})
        assert len(second.context["page"]) == 5
        assert first.context["query"] == second.context["query"] == "kind=annual_report"
        assert pks(first.context["page"]).isdisjoint(pks(second.context["page"]))

    def test_query_count_does_not_grow_with_obligations(
        self, client_as, shandong_staff, shandong, jinan, qingdao, django_assert_num_queries
    ):
        client = client_as(shandong_staff)
        client.get(self.url)  # warm the session
        ObligationFactory.create_batch(3, enterprise__city=jinan)
        with django_assert_num_queries(11):
            client.get(self.url)
        ObligationFactory.create_batch(40, enterprise__city=qingdao)
        ObligationFactory.create_batch(
            40, rule=national_rule("settlement"), enterprise__industry=industry("3011", "cement")
        )
        with django_assert_num_queries(11):
            response = client.get(self.url)
        assert len(response.context["page"]) == 50
        assert len(response.context["summary"]) == 2

    def test_ministry_sees_every_province(self, client_as, ministry_user, calendar_2026):
        response = client_as(ministry_user).get(self.url)
        assert listed(response) == pks(Obligation.objects.all())
        assert {o.province.code for o in response.context["page"].paginator.object_list} >= {
            "370000",
            "440000",
        }

    def test_city_staff_sees_their_city_units_only(self, client_as, jinan_staff, calendar_2026):
        response = client_as(jinan_staff).get(self.url)
        assert listed(response) == pks(
            Obligation.objects.filter(enterprise__in=[calendar_2026.power, calendar_2026.paper])
        )

    def test_other_province_search_finds_nothing(self, client_as, guangdong_staff, calendar_2026):
        response = client_as(guangdong_staff).get(self.url, {"q": calendar_2026.power.uscc})
        assert listed(response) == set()


class TestOverdue:
    url = reverse("deadlines:overdue")

    def test_lists_unmet_obligations_past_their_due_date_in_due_order(
        self, client_as, shandong_staff, calendar_2026
    ):
        response = client_as(shandong_staff).get(self.url, **EN)
        expected = {
            o.pk for o in calendar_2026.shandong() if o.status in UNMET and o.due_on < TODAY
        }
        page = list(response.context["page"])
        assert pks(page) == expected
        assert [o.due_on for o in page] == sorted(o.due_on for o in page)
        assert f"{len(expected)} obligations are past their due date" in response.content.decode()
        assert len(expected) == 23

    def test_excludes_met_upcoming_and_other_province(
        self, client_as, shandong_staff, shandong_enterprise, guangdong_enterprise
    ):
        overdue = ObligationFactory(enterprise=shandong_enterprise)
        ObligationFactory(
            rule=national_rule("settlement"), enterprise=shandong_enterprise
        )  # due 2026-12-31
        monthly_certification(shandong_enterprise, month=1, status=ObligationStatus.MET_LATE)
        ObligationFactory(enterprise=guangdong_enterprise)
        response = client_as(shandong_staff).get(self.url)
        assert list(response.context["page"]) == [overdue]

    def test_query_count_does_not_grow_with_obligations(
        self, client_as, shandong_staff, jinan, django_assert_num_queries
    ):
        client = client_as(shandong_staff)
        client.get(self.url)
        ObligationFactory.create_batch(2, enterprise__city=jinan)
        with django_assert_num_queries(9):
            client.get(self.url)
        ObligationFactory.create_batch(60, enterprise__city=jinan)
        with django_assert_num_queries(9):
            response = client.get(self.url)
        assert len(response.context["page"]) == 50


def calendar_items(response) -> list[tuple[date, dict]]:
    return [
        (day["date"], item)
        for week in response.context["weeks"]
        for day in week
        if day["in_month"]
        for item in day["items"]
    ]


class TestCalendar:
    url = reverse("deadlines:calendar")

    @pytest.mark.parametrize(
        ("month", "count"),
        [
            (11, 1),  # September's certification
            (12, 3),  # October's certification, settlement, quality control plan
        ],
    )
    def test_enterprise_user_sees_their_own_items(
        self, client_as, shandong_enterprise_user, calendar_2026, month, count
    ):
        response = client_as(shandong_enterprise_user).get(self.url, {"month": f"2026-{month}"})
        assert response.status_code == 200
        assert response.context["first"] == date(2026, month, 1)
        items = calendar_items(response)
        own = Obligation.objects.filter(
            enterprise=calendar_2026.power, due_on__year=2026, due_on__month=month
        )
        assert {item["obligation"].pk for _day, item in items} == pks(own)
        assert all(day == item["obligation"].due_on for day, item in items)
        assert len(items) == count
        body = response.content.decode()
        for obligation in own:
            assert obligation.get_absolute_url() in body

    def test_staff_see_counts_per_kind_and_day(self, client_as, shandong_staff, calendar_2026):
        response = client_as(shandong_staff).get(self.url, {"month": "2026-12"}, **EN)
        expected = Counter(
            (o.due_on, o.kind)
            for o in calendar_2026.shandong()
            if (o.due_on.year, o.due_on.month) == (2026, 12)
        )
        items = calendar_items(response)
        assert {(day, item["kind"]): item["count"] for day, item in items} == expected
        assert expected[(date(2026, 12, 31), "settlement")] == 2
        link = reverse("deadlines:province-obligations") + "?kind=settlement&due_on=2026-12-31"
        assert f'<a href="{link}">Quota settlement</a> (2)' in response.content.decode()

    def test_other_province_counts_are_not_included(
        self, client_as, guangdong_staff, calendar_2026
    ):
        response = client_as(guangdong_staff).get(self.url, {"month": "2026-12"})
        counts = {(day, item["kind"]): item["count"] for day, item in calendar_items(response)}
        assert counts[(date(2026, 12, 31), "settlement")] == 1

    def test_month_navigation(self, client_as, shandong_staff):
        response = client_as(shandong_staff).get(self.url, {"month": "2026-01"})
        assert response.context["first"] == date(2026, 1, 1)
        assert response.context["previous"] == date(2025, 12, 1)
        assert response.context["following"] == date(2026, 2, 1)
        weeks = response.context["weeks"]
        assert weeks[0][0]["date"] == date(2025, 12, 29)  # weeks start on Monday
        assert sum(day["in_month"] for week in weeks for day in week) == 31

    @pytest.mark.parametrize(
        "month", ["2026-13", "november", "", "2026", "2026-11-01", "9999-12", "0001-01"]
    )
    def test_bad_month_falls_back_to_this_month(self, client_as, shandong_staff, month):
        response = client_as(shandong_staff).get(self.url, {"month": month})
        assert response.status_code == 200
        assert response.context["first"] == date(2026, 11, 1)


class TestRules:
    url = reverse("deadlines:rules")

    def test_lists_the_national_rules_of_the_year(self, client_as, shandong_enterprise_user):
        response = client_as(shandong_enterprise_user).get(self.url, {"year": 2026}, **EN)
        assert response.status_code == 200
        rules = [rule for rule, _internal in response.context["rules"]]
        assert set(rules) == set(DeadlineRule.objects.filter(year=2026, province__isnull=True))
        assert len(rules) == 16
        body = response.content.decode()
        assert "40 days after each period" in body
        assert "2026-12-31" in body
        assert response.context["may_add_internal"] is False
        assert reverse("deadlines:internal-add", args=[rules[0].public_id]) not in body

    @pytest.mark.parametrize(("year", "shown"), [("", 2026), ("soon", 2026), ("2031", 2031)])
    def test_year_defaults_to_this_year_and_may_be_empty(
        self, client_as, shandong_staff, year, shown
    ):
        response = client_as(shandong_staff).get(self.url, {"year": year}, **EN)
        assert response.context["year"] == shown
        assert bool(response.context["rules"]) == (shown == 2026)
        if shown == 2031:
            assert "No rules for this year yet." in response.content.decode()


def internal_add_url(rule) -> str:
    return reverse("deadlines:internal-add", args=[rule.public_id])


class TestInternalDeadline:
    def test_staff_adds_one_shown_for_their_province(
        self, client_as, shandong_staff, guangdong_staff, ministry_user
    ):
        rule = national_rule("monthly_certification")
        response = client_as(shandong_staff).post(
            internal_add_url(rule), {"offset_days": 20, "note": "报送地市生态环境局"}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("deadlines:rules") + "?year=2026"
        internal = DeadlineRule.objects.get(parent=rule)
        assert (internal.province.code, internal.due_kind, internal.offset_days) == (
            "370000",
            "offset",
            20,
        )
        assert (internal.due_month, internal.due_day, internal.year) == (None, None, 2026)
        event = AuditEvent.objects.for_target(internal).get()
        assert (event.action, event.actor, event.tenant_code) == (
            "create",
            shandong_staff,
            "370000",
        )

        def internal_of(user):
            rules = client_as(user).get(reverse("deadlines:rules"), {"year": 2026}).context
            return dict(rules["rules"])[rule]

        assert internal_of(shandong_staff) == [internal]
        assert internal_of(guangdong_staff) == []
        assert internal_of(ministry_user) == [internal]

    def test_a_fixed_date_before_the_national_one(self, client_as, shandong_staff):
        rule = national_rule("annual_report", market_scope="market")  # due 03-31
        response = client_as(shandong_staff).post(
            internal_add_url(rule), {"due_month": 3, "due_day": 15}
        )
        assert response.status_code == 302
        internal = DeadlineRule.objects.get(parent=rule)
        assert (internal.due_kind, internal.due_month, internal.due_day) == ("fixed", 3, 15)
        assert internal.offset_days is None

    @pytest.mark.parametrize(
        ("payload", "message"),
        [
            ({}, "Give either a number of days after the period, or a month and day."),
            (
                {"offset_days": 10, "due_month": 1, "due_day": 10},
                "Give either a number of days after the period, or a month and day.",
            ),
            (
                {"offset_days": 10, "due_month": 1},
                "Give either a number of days after the period, or a month and day.",
            ),
            (
                {"due_month": 1},
                "Give either a number of days after the period, or a month and day.",
            ),
            ({"offset_days": 40}, "An internal deadline must fall before the national due date."),
            ({"offset_days": 45}, "An internal deadline must fall before the national due date."),
        ],
    )
    def test_bad_input_is_refused_and_saves_nothing(
        self, client_as, shandong_staff, payload, message
    ):
        rule = national_rule("monthly_certification")  # 40 days after each month
        response = client_as(shandong_staff).post(internal_add_url(rule), payload, **EN)
        assert response.status_code == 400
        assert response.context["internal_form"].non_field_errors() == [message]
        assert response.context["failed_rule"] == rule
        assert message in response.content.decode()
        assert not DeadlineRule.objects.filter(province__isnull=False).exists()
        assert not AuditEvent.objects.exists()

    def test_a_date_equal_to_the_national_one_is_refused(self, client_as, shandong_staff):
        rule = national_rule("settlement")  # due 12-31
        response = client_as(shandong_staff).post(
            internal_add_url(rule), {"due_month": 12, "due_day": 31}, **EN
        )
        assert response.status_code == 400
        assert response.context["internal_form"].non_field_errors() == [
            "An internal deadline must fall before the national due date."
        ]
        assert not DeadlineRule.objects.filter(parent=rule).exists()

    @pytest.mark.parametrize("persona", ["shandong_enterprise_user", "ministry_user"])
    def test_users_who_are_not_provincial_staff_may_not_add(self, request, client_as, persona):
        rule = national_rule("monthly_certification")
        client = client_as(request.getfixturevalue(persona))
        response = client.post(internal_add_url(rule), {"offset_days": 20})
        assert response.status_code == 403
        assert not DeadlineRule.objects.filter(parent=rule).exists()

    def test_city_staff_may_not_add_for_the_province(self, client_as, jinan_staff):
        rule = national_rule("monthly_certification")
        client = client_as(jinan_staff)
        page = client.get(reverse("deadlines:rules"), {"year": 2026})
        assert page.context["may_add_internal"] is False
        assert internal_add_url(rule) not in page.content.decode()
        response = client.post(internal_add_url(rule), {"offset_days": 20})
        assert response.status_code == 403
        assert not DeadlineRule.objects.filter(parent=rule).exists()
        assert not AuditEvent.objects.exists()

    def test_cannot_be_put_in_front_of_another_internal_deadline(
        self, client_as, shandong_staff, guangdong_staff
    ):
        rule = national_rule("monthly_certification")
        client_as(guangdong_staff).post(internal_add_url(rule), {"offset_days": 25})
        guangdong_internal = DeadlineRule.objects.get(parent=rule)
        response = client_as(shandong_staff).post(
            internal_add_url(guangdong_internal), {"offset_days": 10}
        )
        assert response.status_code == 404
        assert DeadlineRule.objects.filter(province__isnull=False).count() == 1

    def test_shows_on_that_province_obligations_only(
        self, client_as, shandong_staff, shandong_enterprise_user, shandong_enterprise, guangdong
    ):
        rule = national_rule("monthly_certification")
        client_as(shandong_staff).post(internal_add_url(rule), {"offset_days": 20, "note": "地市"})
        own = monthly_certification(shandong_enterprise, month=10)  # national due 2026-12-10
        other = monthly_certification(EnterpriseFactory(province=guangdong), month=10)
        response = client_as(shandong_enterprise_user).get(own.get_absolute_url(), **EN)
        assert [day for _rule, day in response.context["internal_deadlines"]] == [
            date(2026, 11, 20)
        ]
        assert "Provincial internal deadline</dt><dd>2026-11-20 · 地市" in (
            response.content.decode()
        )
        guangdong_staff = users.staff(guangdong, username="guangdong-staff")
        response = client_as(guangdong_staff).get(other.get_absolute_url(), **EN)
        assert response.context["internal_deadlines"] == []
        assert "Provincial internal deadline" not in response.content.decode()


def detail(client, obligation, **headers):
    return client.get(obligation.get_absolute_url(), **headers)


def mark_met_url(obligation) -> str:
    return reverse("deadlines:mark-met", args=[obligation.public_id])


def extension_url(obligation) -> str:
    return reverse("deadlines:extension-request", args=[obligation.public_id])


def decide_url(extension) -> str:
    return reverse("deadlines:extension-decide", args=[extension.public_id])


def state(obligation) -> tuple:
    obligation.refresh_from_db()
    return (obligation.status, obligation.due_on, obligation.met_at, obligation.met_note)


class TestObligationDetail:
    def test_staff_get_the_mark_met_form_and_history(
        self, client_as, shandong_staff, shandong_enterprise
    ):
        obligation = ObligationFactory(enterprise=shandong_enterprise)
        response = detail(client_as(shandong_staff), obligation, **EN)
        assert response.status_code == 200
        assert response.context["mark_met_form"] is not None
        assert response.context["extension_form"] is None
        body = response.content.decode()
        assert mark_met_url(obligation) in body
        assert "2026-03-31" in body and shandong_enterprise.name_zh in body

    def test_enterprise_user_gets_the_extension_form(
        self, client_as, shandong_enterprise_user, shandong_enterprise
    ):
        obligation = ObligationFactory(enterprise=shandong_enterprise)
        response = detail(client_as(shandong_enterprise_user), obligation)
        assert response.context["mark_met_form"] is None
        assert response.context["extension_form"] is not None
        assert extension_url(obligation) in response.content.decode()

    def test_ministry_reads_without_any_form(self, client_as, ministry_user, shandong_enterprise):
        obligation = ObligationFactory(enterprise=shandong_enterprise)
        response = detail(client_as(ministry_user), obligation)
        assert response.status_code == 200
        context = response.context
        assert (context["mark_met_form"], context["extension_form"]) == (None, None)

    @pytest.mark.parametrize("persona", ["guangdong_staff", "verifier_user", "no_role_user"])
    def test_others_get_404(self, request, client_as, persona, shandong_enterprise):
        obligation = ObligationFactory(enterprise=shandong_enterprise)
        client = client_as(request.getfixturevalue(persona))
        assert detail(client, obligation).status_code == 404

    def test_another_enterprise_user_gets_404(self, client_as, shandong_enterprise, shandong):
        obligation = ObligationFactory(enterprise=shandong_enterprise)
        neighbour = users.enterprise_user(EnterpriseFactory(province=shandong))
        assert detail(client_as(neighbour), obligation).status_code == 404

    def test_unknown_id_is_404(self, client_as, shandong_staff):
        url = reverse("deadlines:obligation-detail", args=["00000000-0000-0000-0000-000000000000"])
        assert client_as(shandong_staff).get(url).status_code == 404


class TestMarkMet:
    def test_staff_record_an_overdue_obligation_as_met_late(
        self, client_as, shandong_staff, shandong_enterprise
    ):
        obligation = ObligationFactory(enterprise=shandong_enterprise, status="missed")
        client = client_as(shandong_staff)
        response = client.post(mark_met_url(obligation), {"note": "  纸质材料3月3日已交  "}, **EN)
        assert response.status_code == 302
        assert response["Location"] == obligation.get_absolute_url()
        obligation.refresh_from_db()
        assert obligation.status == ObligationStatus.MET_LATE
        assert (obligation.met_at, obligation.met_by) == (NOW, shandong_staff)
        assert obligation.met_note == "纸质材料3月3日已交"
        event = AuditEvent.objects.for_target(obligation).get()
        assert event.note == "纸质材料3月3日已交"
        assert event.changes["status"] == {"before": "missed", "after": "met_late"}
        page = detail(client, obligation, **EN)
        assert "The obligation is recorded as met." in page.content.decode()
        assert page.context["mark_met_form"] is None

    def test_before_the_due_date_it_is_met_on_time(
        self, client_as, shandong_staff, shandong_enterprise
    ):
        obligation = ObligationFactory(
            rule=national_rule("settlement"), enterprise=shandong_enterprise
        )
        client_as(shandong_staff).post(mark_met_url(obligation), {"note": "线下清缴"})
        obligation.refresh_from_db()
        assert obligation.status == ObligationStatus.MET_ON_TIME

    @pytest.mark.parametrize("note", ["", "   "])
    def test_a_note_is_required(self, client_as, shandong_staff, shandong_enterprise, note):
        obligation = ObligationFactory(enterprise=shandong_enterprise)
        before = state(obligation)
        response = client_as(shandong_staff).post(mark_met_url(obligation), {"note": note}, **EN)
        assert response.status_code == 400
        assert response.context["mark_met_form"].errors["note"] == ["This field is required."]
        assert state(obligation) == before
        assert not AuditEvent.objects.exists()

    def test_an_obligation_already_met_is_refused_with_a_message(
        self, client_as, shandong_staff, shandong_enterprise
    ):
        met_at = datetime(2026, 3, 1, tzinfo=ZoneInfo("UTC"))
        obligation = ObligationFactory(
            enterprise=shandong_enterprise, status=ObligationStatus.MET_ON_TIME, met_at=met_at
        )
        before = state(obligation)
        response = client_as(shandong_staff).post(mark_met_url(obligation), {"note": "again"}, **EN)
        assert response.status_code == 400
        assert "This obligation is already met." in response.content.decode()
        assert state(obligation) == before
        assert not AuditEvent.objects.exists()

    @pytest.mark.parametrize("persona", ["shandong_enterprise_user", "ministry_user"])
    def test_users_who_are_not_staff_get_403(self, request, client_as, persona, shandong):
        obligation = ObligationFactory(
            enterprise=request.getfixturevalue("shandong_enterprise"), status="missed"
        )
        before = state(obligation)
        client = client_as(request.getfixturevalue(persona))
        assert client.post(mark_met_url(obligation), {"note": "done"}).status_code == 403
        assert state(obligation) == before
        assert not AuditEvent.objects.exists()

    def test_another_province_staff_get_404_and_nothing_changes(
        self, client_as, guangdong_staff, shandong_enterprise
    ):
        obligation = ObligationFactory(enterprise=shandong_enterprise, status="missed")
        before = state(obligation)
        response = client_as(guangdong_staff).post(mark_met_url(obligation), {"note": "done"})
        assert response.status_code == 404
        assert state(obligation) == before
        assert not AuditEvent.objects.exists()

    def test_get_is_not_allowed(self, client_as, shandong_staff, shandong_enterprise):
        obligation = ObligationFactory(enterprise=shandong_enterprise)
        assert client_as(shandong_staff).get(mark_met_url(obligation)).status_code == 405


class TestExtensionRequest:
    def test_enterprise_user_asks_and_their_province_staff_are_told(
        self,
        client_as,
        shandong_enterprise_user,
        shandong_staff,
        guangdong_staff,
        shandong_enterprise,
    ):
        obligation = ObligationFactory(enterprise=shandong_enterprise, status="missed")
        response = client_as(shandong_enterprise_user).post(
            extension_url(obligation), {"requested_due_on": "2026-12-15", "reason": " 检修 "}
        )
        assert response.status_code == 302
        assert response["Location"] == obligation.get_absolute_url()
        request = ExtensionRequest.objects.get(obligation=obligation)
        assert (request.status, request.requested_due_on, request.reason) == (
            ExtensionStatus.PENDING,
            date(2026, 12, 15),
            "检修",
        )
        assert request.requested_by == shandong_enterprise_user
        assert AuditEvent.objects.for_target(request).get().action == "create"
        notification = Notification.objects.get()
        assert notification.recipient == shandong_staff
        assert notification.kind == NotificationKind.EXTENSION_REQUESTED
        assert state(obligation)[:2] == ("missed", date(2026, 3, 31))
        staff_page = detail(client_as(shandong_staff), obligation)
        assert staff_page.context["pending"] == request
        assert decide_url(request) in staff_page.content.decode()

    def test_a_date_not_after_the_current_due_date_is_refused(
        self, client_as, shandong_enterprise_user, shandong_staff, shandong_enterprise
    ):
        obligation = ObligationFactory(enterprise=shandong_enterprise)
        response = client_as(shandong_enterprise_user).post(
            extension_url(obligation), {"requested_due_on": "2026-03-31", "reason": "检修"}, **EN
        )
        assert response.status_code == 400
        assert response.context["extension_form"].errors["requested_due_on"] == [
            "The requested date must be after the current due date."
        ]
        assert not ExtensionRequest.objects.exists()
        assert not Notification.objects.exists()
        assert not AuditEvent.objects.exists()

    def test_missing_fields_are_refused(
        self, client_as, shandong_enterprise_user, shandong_enterprise
    ):
        obligation = ObligationFactory(enterprise=shandong_enterprise)
        response = client_as(shandong_enterprise_user).post(
            extension_url(obligation), {"requested_due_on": "someday", "reason": ""}
        )
        assert response.status_code == 400
        assert set(response.context["extension_form"].errors) == {"requested_due_on", "reason"}
        assert not ExtensionRequest.objects.exists()

    def test_a_second_request_while_one_is_pending_is_refused(
        self, client_as, shandong_enterprise_user, shandong_enterprise
    ):
        obligation = ObligationFactory(enterprise=shandong_enterprise)
        ExtensionRequestFactory(obligation=obligation, requested_by=shandong_enterprise_user)
        response = client_as(shandong_enterprise_user).post(
            extension_url(obligation), {"requested_due_on": "2026-12-20", "reason": "再次"}, **EN
        )
        assert response.status_code == 400
        assert "A request for this obligation is already waiting for a decision." in (
            response.content.decode()
        )
        assert ExtensionRequest.objects.count() == 1

    def test_a_met_obligation_cannot_be_extended(
        self, client_as, shandong_enterprise_user, shandong_enterprise
    ):
        obligation = ObligationFactory(
            enterprise=shandong_enterprise, status=ObligationStatus.MET_LATE, met_at=NOW
        )
        response = client_as(shandong_enterprise_user).post(
            extension_url(obligation), {"requested_due_on": "2026-12-20", "reason": "x"}, **EN
        )
        assert response.status_code == 400
        assert "This obligation is already met." in response.content.decode()
        assert not ExtensionRequest.objects.exists()

    def test_another_enterprise_user_gets_404(self, client_as, shandong_enterprise, shandong):
        obligation = ObligationFactory(enterprise=shandong_enterprise)
        neighbour = users.enterprise_user(EnterpriseFactory(province=shandong))
        response = client_as(neighbour).post(
            extension_url(obligation), {"requested_due_on": "2026-12-20", "reason": "x"}
        )
        assert response.status_code == 404
        assert not ExtensionRequest.objects.exists()
        assert not Notification.objects.exists()

    @pytest.mark.parametrize("persona", ["shandong_staff", "ministry_user"])
    def test_staff_and_ministry_get_403(self, request, client_as, persona, shandong_enterprise):
        obligation = ObligationFactory(enterprise=shandong_enterprise)
        client = client_as(request.getfixturevalue(persona))
        response = client.post(
            extension_url(obligation), {"requested_due_on": "2026-12-20", "reason": "x"}
        )
        assert response.status_code == 403
        assert not ExtensionRequest.objects.exists()


@pytest.fixture
def pending(shandong_enterprise, shandong_enterprise_user):
    """A pending request to move an overdue annual report (due 2026-03-31) to 2026-12-15."""
    obligation = ObligationFactory(enterprise=shandong_enterprise, status="missed")
    return ExtensionRequestFactory(
        obligation=obligation,
        requested_by=shandong_enterprise_user,
        requested_due_on=date(2026, 12, 15),
    )


class TestExtensionDecide:
    def test_granting_moves_the_due_date_and_reopens_the_obligation(
        self, client_as, shandong_staff, shandong_enterprise_user, pending
    ):
        response = client_as(shandong_staff).post(
            decide_url(pending), {"decision": "grant", "granted_due_on": "2026-12-10", "note": ""}
        )
        assert response.status_code == 302
        pending.refresh_from_db()
        assert (pending.status, pending.granted_due_on, pending.decided_by) == (
            ExtensionStatus.GRANTED,
            date(2026, 12, 10),
            shandong_staff,
        )
        obligation = pending.obligation
        obligation.refresh_from_db()
        assert (obligation.status, obligation.due_on) == (ObligationStatus.OPEN, date(2026, 12, 10))
        assert obligation.original_due_on == date(2026, 3, 31)
        changes = AuditEvent.objects.for_target(obligation).get().changes
        assert changes["due_on"] == {"before": "2026-03-31", "after": "2026-12-10"}
        assert changes["status"] == {"before": "missed", "after": "open"}
        told = Notification.objects.get(kind=NotificationKind.EXTENSION_DECIDED)
        assert told.recipient == shandong_enterprise_user
        assert told.context["granted_due_on"] == "2026-12-10"
        page = detail(client_as(shandong_enterprise_user), obligation, **EN)
        assert "extended from 2026-03-31" in page.content.decode()

    def test_a_granted_date_still_in_the_past_leaves_it_overdue(
        self, client_as, shandong_staff, pending
    ):
        response = client_as(shandong_staff).post(
            decide_url(pending), {"decision": "grant", "granted_due_on": "2026-10-31"}
        )
        assert response.status_code == 302
        obligation = pending.obligation
        obligation.refresh_from_db()
        assert (obligation.status, obligation.due_on) == (
            ObligationStatus.MISSED,
            date(2026, 10, 31),
        )

    def test_refusing_needs_a_note(self, client_as, shandong_staff, pending):
        before = state(pending.obligation)
        response = client_as(shandong_staff).post(
            decide_url(pending), {"decision": "refuse", "note": " "}, **EN
        )
        assert response.status_code == 400
        assert response.context["decision_form"].errors["note"] == [
            "Give the reason for the refusal."
        ]
        pending.refresh_from_db()
        assert pending.status == ExtensionStatus.PENDING
        assert state(pending.obligation) == before
        assert not AuditEvent.objects.exists()
        assert not Notification.objects.exists()

    def test_refusing_with_a_note_keeps_the_due_date(
        self, client_as, shandong_staff, shandong_enterprise_user, pending
    ):
        before = state(pending.obligation)
        response = client_as(shandong_staff).post(
            decide_url(pending), {"decision": "refuse", "note": "理由不充分"}
        )
        assert response.status_code == 302
        pending.refresh_from_db()
        assert (pending.status, pending.decision_note) == (ExtensionStatus.REFUSED, "理由不充分")
        assert state(pending.obligation) == before
        told = Notification.objects.get()
        assert (told.recipient, told.context["granted_due_on"]) == (shandong_enterprise_user, "")

    @pytest.mark.parametrize(
        ("payload", "field", "message"),
        [
            ({"decision": "grant"}, "granted_due_on", "Give the new due date."),
            (
                {"decision": "grant", "granted_due_on": "2026-03-31"},
                "granted_due_on",
                "A granted date must be after the statutory due date.",
            ),
            (
                {"decision": "maybe"},
                "decision",
                "Select a valid choice. maybe is not one of the available choices.",
            ),
        ],
    )
    def test_bad_decisions_are_refused(
        self, client_as, shandong_staff, pending, payload, field, message
    ):
        before = state(pending.obligation)
        response = client_as(shandong_staff).post(decide_url(pending), payload, **EN)
        assert response.status_code == 400
        errors = response.context["decision_form"].errors[field]
        assert errors == [message]
        pending.refresh_from_db()
        assert pending.status == ExtensionStatus.PENDING
        assert state(pending.obligation) == before
        assert not AuditEvent.objects.exists()

    def test_deciding_twice_is_refused_with_a_message(self, client_as, shandong_staff, pending):
        client = client_as(shandong_staff)
        client.post(decide_url(pending), {"decision": "refuse", "note": "不同意"})
        response = client.post(
            decide_url(pending), {"decision": "grant", "granted_due_on": "2026-12-10"}, **EN
        )
        assert response.status_code == 400
        assert "This request has already been decided." in response.content.decode()
        pending.refresh_from_db()
        assert pending.status == ExtensionStatus.REFUSED
        assert pending.obligation.due_on == date(2026, 3, 31)

    def test_another_province_staff_get_404_and_nothing_changes(
        self, client_as, guangdong_staff, pending
    ):
        before = state(pending.obligation)
        response = client_as(guangdong_staff).post(
            decide_url(pending), {"decision": "grant", "granted_due_on": "2026-12-10"}
        )
        assert response.status_code == 404
        pending.refresh_from_db()
        assert pending.status == ExtensionStatus.PENDING
        assert state(pending.obligation) == before
        assert not AuditEvent.objects.exists()
        assert not Notification.objects.exists()

    def test_the_enterprise_cannot_decide_its_own_request(
        self, client_as, shandong_enterprise_user, pending
    ):
        response = client_as(shandong_enterprise_user).post(
            decide_url(pending), {"decision": "grant", "granted_due_on": "2026-12-10"}
        )
        assert response.status_code == 403
        pending.refresh_from_db()
        assert pending.status == ExtensionStatus.PENDING


class TestOtherProvinceAndUnit:
    """Every page and action on one obligation, by users who must not reach it."""

    def attempts(self, client, obligation, extension):
        yield "detail", client.get(obligation.get_absolute_url())
        yield "mark-met", client.post(mark_met_url(obligation), {"note": "done"})
        yield (
            "extension-request",
            client.post(
                extension_url(obligation), {"requested_due_on": "2027-01-31", "reason": "x"}
            ),
        )
        yield (
            "grant",
            client.post(
                decide_url(extension), {"decision": "grant", "granted_due_on": "2026-12-10"}
            ),
        )
        yield "refuse", client.post(decide_url(extension), {"decision": "refuse", "note": "no"})

    @pytest.mark.parametrize("persona", ["guangdong_staff", "qingdao_staff", "neighbour"])
    def test_every_page_and_action_is_404_and_changes_nothing(
        self, request, client_as, persona, shandong, qingdao, pending
    ):
        outsiders = {
            "guangdong_staff": lambda: request.getfixturevalue("guangdong_staff"),
            "qingdao_staff": lambda: users.staff(shandong, city=qingdao),
            "neighbour": lambda: users.enterprise_user(EnterpriseFactory(province=shandong)),
        }
        obligation = pending.obligation
        before = state(obligation)
        client = client_as(outsiders[persona]())
        for name, response in self.attempts(client, obligation, pending):
            assert response.status_code == 404, name
        assert state(obligation) == before
        pending.refresh_from_db()
        assert (pending.status, pending.granted_due_on) == (ExtensionStatus.PENDING, None)
        assert ExtensionRequest.objects.count() == 1
        assert not AuditEvent.objects.exists()
        assert not Notification.objects.exists()

    def test_other_province_lists_calendar_and_overdue_do_not_show_it(
        self, client_as, guangdong_staff, pending
    ):
        client = client_as(guangdong_staff)
        assert listed(client.get(reverse("deadlines:province-obligations"))) == set()
        assert list(client.get(reverse("deadlines:overdue")).context["page"]) == []
        calendar = client.get(reverse("deadlines:calendar"), {"month": "2026-03"})
        assert calendar_items(calendar) == []


def reminder(recipient, obligation, **kwargs):
    return NotificationFactory(recipient=recipient, obligation=obligation, **kwargs)


class TestInbox:
    url = reverse("deadlines:inbox")

    def test_lists_own_messages_with_links_and_action_titles(
        self, client_as, shandong_enterprise_user, shandong_staff, shandong_enterprise
    ):
        overdue = ObligationFactory(enterprise=shandong_enterprise, status="missed")
        upcoming = ObligationFactory(
            rule=national_rule("settlement"), enterprise=shandong_enterprise
        )
        first = reminder(
            shandong_enterprise_user,
            overdue,
            kind=NotificationKind.OVERDUE,
            context=obligation_context(overdue, step=227),
        )
        second = reminder(shandong_enterprise_user, upcoming)
        someone_elses = reminder(shandong_staff, upcoming)
        response = client_as(shandong_enterprise_user).get(self.url, **EN)
        assert response.status_code == 200
        items = response.context["items"]
        assert [notification for notification, _ in items] == [second, first]
        assert [message.title for _, message in items] == [
            "Action required: Quota settlement 2025, due in 46 days, on 2026-12-31",
            "Action required: Annual emission report 2025, overdue by 229 days (due 2026-03-31)",
        ]
        assert [message.url for _, message in items] == [
            upcoming.get_absolute_url(),
            overdue.get_absolute_url(),
        ]
        body = response.content.decode()
        for notification in (first, second):
            assert reverse("deadlines:inbox-open", args=[notification.public_id]) in body
        assert reverse("deadlines:inbox-open", args=[someone_elses.public_id]) not in body
        assert "<strong>Action required: Quota settlement 2025" in body

    def test_staff_reminders_and_digests_lead_to_the_lists(
        self, client_as, shandong_staff, shandong_enterprise
    ):
        obligation = ObligationFactory(
            rule=national_rule("settlement"), enterprise=shandong_enterprise
        )
        context = obligation_context(obligation, step=-30, open_count=12)
        reminder(shandong_staff, None, context=context)
        NotificationFactory(
            recipient=shandong_staff,
            obligation=None,
            kind=NotificationKind.DIGEST,
            context={"date": "2026-11-15", "overdue": {"annual_report": 3}, "total": 3},
        )
        response = client_as(shandong_staff).get(self.url, **EN)
        messages = [message for _, message in response.context["items"]]
        assert [(m.title, m.url) for m in messages] == [
            (
                "Overdue in your area on 2026-11-15: 3 obligations",
                reverse("deadlines:overdue"),
            ),
            (
                "Action required: Quota settlement 2025, due in 46 days, on 2026-12-31",
                reverse("deadlines:province-obligations")
                + "?kind=settlement&due_on=2026-12-31&status=unmet",
            ),
        ]
        assert messages[1].body == "12 units still to be done."

    def test_header_shows_the_own_unread_count(
        self, client_as, shandong_enterprise_user, shandong_staff, shandong_enterprise
    ):
        obligation = ObligationFactory(enterprise=shandong_enterprise)
        reminder(shandong_enterprise_user, obligation)
        reminder(shandong_enterprise_user, obligation)
        reminder(shandong_enterprise_user, obligation, read_at=NOW)
        for _ in range(3):
            reminder(shandong_staff, obligation)
        client = client_as(shandong_enterprise_user)
        assert unread_badge(client.get(reverse("deadlines:mine"))) == "2"
        assert unread_badge(client_as(shandong_staff).get(reverse("deadlines:overdue"))) == "3"
        Notification.objects.update(read_at=NOW)
        page = client.get(reverse("deadlines:mine"))
        assert unread_badge(page) is None
        assert 'class="inboxlink"' in page.content.decode()

    def test_opening_marks_read_and_redirects_to_what_to_act_on(
        self, client_as, shandong_enterprise_user, shandong_enterprise
    ):
        obligation = ObligationFactory(enterprise=shandong_enterprise)
        opened = reminder(shandong_enterprise_user, obligation)
        other = reminder(shandong_enterprise_user, obligation)
        response = client_as(shandong_enterprise_user).get(
            reverse("deadlines:inbox-open", args=[opened.public_id])
        )
        assert response.status_code == 302
        assert response["Location"] == obligation.get_absolute_url()
        opened.refresh_from_db()
        other.refresh_from_db()
        assert (opened.read_at, other.read_at) == (NOW, None)

    def test_another_user_message_is_404_and_stays_unread(
        self, client_as, shandong_enterprise_user, shandong_staff, shandong_enterprise
    ):
        theirs = reminder(shandong_staff, ObligationFactory(enterprise=shandong_enterprise))
        client = client_as(shandong_enterprise_user)
        assert (
            client.get(reverse("deadlines:inbox-open", args=[theirs.public_id])).status_code == 404
        )
        unknown = reverse("deadlines:inbox-open", args=["00000000-0000-0000-0000-000000000000"])
        assert client.get(unknown).status_code == 404
        theirs.refresh_from_db()
        assert theirs.read_at is None

    def test_mark_all_read_touches_own_messages_only(
        self, client_as, shandong_enterprise_user, shandong_staff, shandong_enterprise
    ):
        obligation = ObligationFactory(enterprise=shandong_enterprise)
        earlier = datetime(2026, 11, 1, tzinfo=ZoneInfo("UTC"))
        already = reminder(shandong_enterprise_user, obligation, read_at=earlier)
        own = [reminder(shandong_enterprise_user, obligation) for _ in range(2)]
        theirs = reminder(shandong_staff, obligation)
        client = client_as(shandong_enterprise_user)
        assert client.get(reverse("deadlines:inbox-read-all")).status_code == 405
        response = client.post(reverse("deadlines:inbox-read-all"))
        assert response.status_code == 302
        assert response["Location"] == self.url
        assert set(
            Notification.objects.filter(pk__in=[n.pk for n in own]).values_list(
                "read_at", flat=True
            )
        ) == {NOW}
        already.refresh_from_db()
        theirs.refresh_from_db()
        assert (already.read_at, theirs.read_at) == (earlier, None)

    def test_query_count_does_not_grow_with_messages(
        self, client_as, shandong_enterprise_user, shandong_enterprise, django_assert_num_queries
    ):
        client = client_as(shandong_enterprise_user)
        client.get(self.url)
        obligations = [
            monthly_certification(shandong_enterprise, month=month) for month in range(1, 11)
        ]
        reminder(shandong_enterprise_user, obligations[0])
        with django_assert_num_queries(9):
            client.get(self.url)
        for obligation in obligations:
            for _ in range(6):
                reminder(shandong_enterprise_user, obligation)
        with django_assert_num_queries(9):
            response = client.get(self.url)
        assert len(response.context["items"]) == 50


class TestExtensionThroughTheInbox:
    def test_request_reaches_staff_inbox_and_decision_reaches_the_enterprise(
        self, client_as, shandong_enterprise_user, shandong_staff, shandong_enterprise
    ):
        obligation = ObligationFactory(enterprise=shandong_enterprise, status="missed")
        client_as(shandong_enterprise_user).post(
            extension_url(obligation), {"requested_due_on": "2026-12-15", "reason": "检修"}
        )
        staff = client_as(shandong_staff)
        ((_notification, message),) = staff.get(reverse("deadlines:inbox"), **EN).context["items"]
        assert message.title == (
            "Action required: extension requested for Annual emission report 2025 by 山东测试电厂"
        )
        assert message.url == obligation.get_absolute_url()
        request = ExtensionRequest.objects.get()
        staff.post(decide_url(request), {"decision": "grant", "granted_due_on": "2026-12-15"})
        enterprise = client_as(shandong_enterprise_user)
        ((_notification, message),) = enterprise.get(reverse("deadlines:inbox"), **EN).context[
            "items"
        ]
        assert message.title == (
            "Extension granted for Annual emission report 2025: new due date 2026-12-15"
        )
        assert message.action_required is False


@pytest.fixture
def qingdao_enterprise(shandong, qingdao):
    return EnterpriseFactory(province=shandong, city=qingdao)


def test_city_staff_do_not_reach_another_city_units(
    client_as, jinan_staff, qingdao_enterprise, shandong
):
    obligation = ObligationFactory(enterprise=qingdao_enterprise)
    province_wide = ObligationFactory(
        rule=national_rule("list_publication"), enterprise=None, province=shandong
    )
    client = client_as(jinan_staff)
    for target in (obligation, province_wide):
        assert detail(client, target).status_code == 404
        assert client.post(mark_met_url(target), {"note": "done"}).status_code == 404
    assert listed(client.get(reverse("deadlines:province-obligations"))) == set()
    assert not AuditEvent.objects.exists()


def test_a_city_created_elsewhere_is_not_offered_to_other_province_staff(
    client_as, guangdong_staff, shandong
):
    CityFactory(province=shandong, name_zh="烟台市", name_en="Yantai")
    response = client_as(guangdong_staff).get(reverse("deadlines:province-obligations"))
    assert "烟台市" not in response.content.decode()
