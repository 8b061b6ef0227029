"""Objection pages: filing and deciding (POST, back to the assignment's page; refused: a page of
their own with 400 and the reason), the objection panel for each reader, the staff's list of
objections, and the holidays page. Happy paths, bad input, other provinces' and institutions'
users, pinned query counts, both languages.

The 2025 result is confirmed on Mon 2026-09-28: objections until Tue 2026-10-13 (7 working
days across National Day); filed on Fri Oct 9, the decision is due by Thu Oct 22 (10 working
days: Oct 10 Sat make-up (1), 12 (2), 13 (3), 14 (4), 15 (5), 16 (6), 19 (7), 20 (8), 21 (9),
22 (10))."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from accounts.scoping import actor_for
from core.models import AuditEvent
from tests.factories import accounts as users
from tests.factories.units import EnterpriseFactory
from tests.factories.verification import InstitutionFactory
from tests.factories.verification_objections import REPORTED, VERIFIED, confirmed_assignment
from units.models import AnnualEmissions, EmissionsSource
from verification import objections
from verification.models import HolidayDate, Objection, ObjectionStatus, VerifiedFigures

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
GROUNDS = "燃煤低位发热量采用了缺省值，但我厂有每日实测数据，请复核。"
DECISION = "经复核，采用实测低位发热量，核定排放量调整。"


def at(year, month, day, hour=10, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def clock(time_machine):
    def move(moment):
        time_machine.move_to(moment, tick=False)

    move(at(2026, 10, 9))
    return move


@pytest.fixture
def assignment(clock, shandong_enterprise, institution):
    return confirmed_assignment(
        shandong_enterprise, confirmed_at=at(2026, 9, 28), institution=institution
    )


@pytest.fixture
def owner(shandong_enterprise_user):
    return shandong_enterprise_user


@pytest.fixture
def objection(assignment, owner):
    return objections.file_objection(actor=actor_for(owner), assignment=assignment, grounds=GROUNDS)


def url(name, obj=None, **kwargs):
    if obj is not None:
        kwargs["public_id"] = obj.public_id
    return reverse(f"verification:{name}", kwargs=kwargs or None)


def body(response) -> str:
    return response.content.decode()


def verified(assignment):
    return (
        VerifiedFigures.objects.get(assignment=assignment).emissions,
        AnnualEmissions.objects.get(
            enterprise=assignment.enterprise, year=2025, source=EmissionsSource.VERIFIED
        ).direct_emissions,
        AnnualEmissions.objects.get(
            enterprise=assignment.enterprise, year=2025, source=EmissionsSource.REPORTED
        ).direct_emissions,
    )


def other_institutions_verifier():
    return users.verifier(InstitutionFactory(), username="verifier-other")


class TestFiling:
    def test_files_and_returns_to_the_assignment(self, client_as, assignment, owner):
        response = client_as(owner).post(url("objection-file", assignment), {"grounds": GROUNDS})
        assert response.status_code == 302
        assert response["Location"] == assignment.get_absolute_url()
        objection = Objection.objects.get(assignment=assignment)
        assert (objection.grounds, objection.filed_on, objection.decide_by) == (
            GROUNDS,
            date(2026, 10, 9),
            date(2026, 10, 22),
        )

    def test_empty_grounds_400_with_the_field_named(self, client_as, assignment, owner):
        response = client_as(owner).post(url("objection-file", assignment), {"grounds": ""}, **EN)
        assert response.status_code == 400
        assert "Grounds of the objection: This field is required." in body(response)
        assert "Nothing was saved." in body(response)
        assert not Objection.objects.exists()

    def test_the_day_after_the_window_400_with_the_last_day(
        self, clock, client_as, assignment, owner
    ):
        clock(at(2026, 10, 14, 8))
        response = client_as(owner).post(
            url("objection-file", assignment), {"grounds": GROUNDS}, **EN
        )
        assert response.status_code == 400
        assert "The objection window closed on 2026-10-13" in body(response)
        assert not Objection.objects.exists()

    def test_a_second_objection_400(self, client_as, objection, assignment, owner):
        response = client_as(owner).post(
            url("objection-file", assignment), {"grounds": "再次提出。"}, **EN
        )
        assert response.status_code == 400
        assert "already filed on 2026-10-09" in body(response)
        assert Objection.objects.get().grounds == GROUNDS

    def test_renders_in_chinese(self, client_as, assignment, owner):
        response = client_as(owner).post(url("objection-file", assignment), {"grounds": ""}, **ZH)
        assert response.status_code == 400
        assert '<html lang="zh-hans">' in body(response)

    @pytest.mark.parametrize("persona", ["guangdong_staff", "no_role_user"])
    def test_users_of_another_province_get_404(self, request, client_as, assignment, persona):
        client = client_as(request.getfixturevalue(persona))
        response = client.post(url("objection-file", assignment), {"grounds": GROUNDS})
        assert response.status_code == 404
        assert not Objection.objects.exists()

    def test_another_provinces_enterprise_user_gets_404(
        self, client_as, assignment, guangdong_enterprise
    ):
        stranger = users.enterprise_user(guangdong_enterprise, username="ent-gd")
        response = client_as(stranger).post(url("objection-file", assignment), {"grounds": GROUNDS})
        assert response.status_code == 404
        assert not Objection.objects.exists()

    def test_another_enterprise_of_the_province_gets_404(self, client_as, assignment, shandong):
        neighbour = users.enterprise_user(EnterpriseFactory(province=shandong), username="nb")
        response = client_as(neighbour).post(
            url("objection-file", assignment), {"grounds": GROUNDS}
        )
        assert response.status_code == 404
        assert not Objection.objects.exists()

    def test_another_institutions_verifier_gets_404(self, client_as, assignment):
        response = client_as(other_institutions_verifier()).post(
            url("objection-file", assignment), {"grounds": GROUNDS}
        )
        assert response.status_code == 404

    @pytest.mark.parametrize("persona", ["shandong_staff", "verifier_user"])
    def test_who_sees_it_but_is_not_the_enterprise_gets_403(
        self, request, client_as, assignment, persona
    ):
        client = client_as(request.getfixturevalue(persona))
        response = client.post(url("objection-file", assignment), {"grounds": GROUNDS})
        assert response.status_code == 403
        assert not Objection.objects.exists()

    def test_get_is_not_allowed(self, client_as, assignment, owner):
        assert client_as(owner).get(url("objection-file", assignment)).status_code == 405


DECIDE = {"outcome": "upheld", "decision": DECISION, "revised_emissions": "2351234.56"}


class TestDeciding:
    def test_upheld_with_a_revised_figure(self, client_as, objection, assignment, shandong_staff):
        response = client_as(shandong_staff).post(url("objection-decide", objection), DECIDE)
        assert response.status_code == 302
        assert response["Location"] == assignment.get_absolute_url()
        objection.refresh_from_db()
        assert (objection.status, objection.decision) == (ObjectionStatus.UPHELD, DECISION)
        revised = Decimal("2351234.56")
        assert verified(assignment) == (revised, revised, REPORTED)

    def test_rejected(self, client_as, objection, assignment, shandong_staff):
        data = {"outcome": "rejected", "decision": "理由不成立。"}
        response = client_as(shandong_staff).post(url("objection-decide", objection), data)
        assert response.status_code == 302
        objection.refresh_from_db()
        assert objection.status == ObjectionStatus.REJECTED
        assert verified(assignment) == (VERIFIED, VERIFIED, REPORTED)

    @pytest.mark.parametrize(
        "data, message",
        [
            ({**DECIDE, "decision": ""}, "Decision and reasons: This field is required."),
            ({**DECIDE, "outcome": "maybe"}, "Outcome: Select a valid choice."),
            ({**DECIDE, "revised_emissions": "-5"}, "Revised verified emissions (tCO2e): "),
            ({**DECIDE, "revised_emissions": "1.234"}, "Revised verified emissions (tCO2e): "),
            (
                {**DECIDE, "outcome": "rejected"},
                "A revised figure goes only with an upheld objection.",
            ),
        ],
    )
    def test_bad_input_400_nothing_changed(
        self, client_as, objection, assignment, shandong_staff, data, message
    ):
        response = client_as(shandong_staff).post(url("objection-decide", objection), data, **EN)
        assert response.status_code == 400
        assert message in body(response)
        objection.refresh_from_db()
        assert objection.status == ObjectionStatus.FILED
        assert verified(assignment) == (VERIFIED, VERIFIED, REPORTED)

    def test_a_second_decision_400(self, client_as, objection, assignment, shandong_staff):
        client = client_as(shandong_staff)
        client.post(url("objection-decide", objection), {"outcome": "rejected", "decision": "否"})
        response = client.post(url("objection-decide", objection), DECIDE, **EN)
        assert response.status_code == 400
        assert "already been decided; the decision is final" in body(response)
        assert verified(assignment) == (VERIFIED, VERIFIED, REPORTED)

    @pytest.mark.parametrize("persona", ["guangdong_staff", "no_role_user"])
    def test_another_province_gets_404(self, request, client_as, objection, assignment, persona):
        client = client_as(request.getfixturevalue(persona))
        assert client.post(url("objection-decide", objection), DECIDE).status_code == 404
        objection.refresh_from_db()
        assert objection.status == ObjectionStatus.FILED
        assert verified(assignment) == (VERIFIED, VERIFIED, REPORTED)

    def test_another_institutions_verifier_gets_404(self, client_as, objection):
        client = client_as(other_institutions_verifier())
        assert client.post(url("objection-decide", objection), DECIDE).status_code == 404

    @pytest.mark.parametrize("persona", ["owner", "verifier_user", "ministry_user"])
    def test_readers_who_are_not_the_provinces_staff_get_403(
        self, request, client_as, objection, persona
    ):
        client = client_as(request.getfixturevalue(persona))
        assert client.post(url("objection-decide", objection), DECIDE).status_code == 403
        objection.refresh_from_db()
        assert objection.status == ObjectionStatus.FILED


def panel(user, assignment, language="en") -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load objection_tags %}{% objection_panel assignment %}")
    with translation.override(language):
        return template.render(Context({"request": request, "assignment": assignment}))


class TestPanel:
    def test_the_enterprise_sees_the_window_and_the_form_while_open(self, assignment, owner):
        shown = panel(owner, assignment)
        assert "Objections accepted until" in shown and "2026-10-13" in shown
        assert url("objection-file", assignment) in shown
        assert "objection-decide" not in shown and "/decide/" not in shown

    def test_after_the_window_no_form(self, clock, assignment, owner):
        clock(at(2026, 10, 14))
        shown = panel(owner, assignment)
        assert "The window for objections closed on 2026-10-13." in shown
        assert url("objection-file", assignment) not in shown

    def test_staff_see_the_objection_and_the_decision_form(
        self, objection, assignment, shandong_staff
    ):
        shown = panel(shandong_staff, assignment)
        assert GROUNDS in shown and "2026-10-22" in shown
        assert url("objection-decide", objection) in shown
        assert url("objection-file", assignment) not in shown

    def test_staff_before_any_objection_see_only_the_window(self, assignment, shandong_staff):
        shown = panel(shandong_staff, assignment)
        assert "2026-10-13" in shown and "<form" not in shown

    def test_everyone_allowed_sees_the_decision_and_no_form(
        self, objection, assignment, shandong_staff, owner, verifier_user, ministry_user
    ):
        objections.decide(
            actor=actor_for(shandong_staff),
            objection=objection,
            upheld=True,
            decision=DECISION,
            revised_emissions=Decimal("2351234.56"),
        )
        for reader in (owner, shandong_staff, verifier_user, ministry_user):
            shown = panel(reader, assignment)
            assert DECISION in shown and "2351234.56" in shown and "Upheld" in shown
            assert "The decision is final." in shown
            assert "<form" not in shown
            assert "decided after the due date" not in shown

    def test_a_late_decision_is_shown_as_late(self, clock, objection, assignment, shandong_staff):
        clock(at(2026, 10, 26))
        assert "overdue" in panel(shandong_staff, assignment)
        objections.decide(
            actor=actor_for(shandong_staff), objection=objection, upheld=False, decision="否。"
        )
        assert "decided after the due date" in panel(shandong_staff, assignment)

    def test_a_provisional_window_says_so(self, clock, shandong_enterprise, owner):
        clock(at(2027, 9, 29))
        later = confirmed_assignment(shandong_enterprise, year=2026, confirmed_at=at(2027, 9, 28))
        shown = panel(owner, later)
        assert "2027-10-07" in shown
        assert "The holidays of 2027 are not entered yet" in shown

    def test_nothing_before_confirmation(self, assignment, owner):
        assignment.status = "concluded"
        assignment.save()
        assert panel(owner, assignment).strip() == ""

    def test_renders_in_chinese(self, objection, assignment, shandong_staff):
        shown = panel(shandong_staff, assignment, language="zh-hans")
        assert GROUNDS in shown and "2026-10-22" in shown

    def test_on_the_assignment_page(self, client_as, objection, assignment, owner):
        response = client_as(owner).get(assignment.get_absolute_url(), **EN)
        assert response.status_code == 200
        assert 'id="objection"' in body(response) and GROUNDS in body(response)


def objection_of(province_enterprise, *, filed=True):
    unit = EnterpriseFactory(province=province_enterprise.province, city=province_enterprise.city)
    done = confirmed_assignment(unit, confirmed_at=at(2026, 9, 28))
    if filed:
        user = users.enterprise_user(unit, username=f"ent-{unit.pk}")
        return objections.file_objection(actor=actor_for(user), assignment=done, grounds="异议")
    return done


class TestObjectionList:
    def test_staff_see_their_provinces_objections(
        self, client_as, objection, guangdong_enterprise, shandong_staff
    ):
        theirs = objection_of(guangdong_enterprise)
        response = client_as(shandong_staff).get(url("objections"), **EN)
        assert response.status_code == 200
        assert list(response.context["page"]) == [objection]
        assert "山东测试电厂" in body(response) and "2026-10-22" in body(response)
        assert theirs.assignment.enterprise.name_zh not in body(response)
        chinese = client_as(shandong_staff).get(url("objections"), **ZH)
        assert '<html lang="zh-hans">' in body(chinese) and "山东测试电厂" in body(chinese)

    def test_filter_by_status(self, client_as, objection, shandong_enterprise, shandong_staff):
        other = objection_of(shandong_enterprise)
        objections.decide(
            actor=actor_for(shandong_staff), objection=other, upheld=False, decision="否。"
        )
        client = client_as(shandong_staff)
        assert list(client.get(url("objections"), {"status": "filed"}).context["page"]) == [
            objection
        ]
        assert list(client.get(url("objections"), {"status": "rejected"}).context["page"]) == [
            other
        ]
        everything = client.get(url("objections")).context["page"]
        assert list(everything) == [objection, other]  # awaiting a decision first

    def test_overdue_and_late_are_flagged(self, clock, client_as, objection, shandong_staff):
        clock(at(2026, 10, 26))
        page = body(client_as(shandong_staff).get(url("objections"), **EN))
        assert '<span class="overdue">overdue</span>' in page
        objections.decide(
            actor=actor_for(shandong_staff), objection=objection, upheld=False, decision="否。"
        )
        page = body(client_as(shandong_staff).get(url("objections"), **EN))
        assert '<span class="overdue">late</span>' in page

    def test_a_bad_status_400_with_the_error(self, client_as, objection, shandong_staff):
        response = client_as(shandong_staff).get(url("objections"), {"status": "lost"}, **EN)
        assert response.status_code == 400
        assert "Select a valid choice." in body(response)

    def test_another_province_sees_none_of_them(self, client_as, objection, guangdong_staff):
        response = client_as(guangdong_staff).get(url("objections"))
        assert response.status_code == 200
        assert list(response.context["page"]) == []

    def test_the_ministry_sees_every_province(
        self, client_as, objection, guangdong_enterprise, ministry_user
    ):
        objection_of(guangdong_enterprise)
        response = client_as(ministry_user).get(url("objections"))
        assert len(response.context["page"]) == 2 and response.context["show_province"]

    @pytest.mark.parametrize("persona", ["owner", "verifier_user", "no_role_user"])
    def test_other_roles_get_403(self, request, client_as, persona):
        client = client_as(request.getfixturevalue(persona))
        assert client.get(url("objections")).status_code == 403

    def test_query_count_does_not_grow_with_rows(
        self, client_as, clock, shandong_enterprise, shandong_staff, django_assert_num_queries
    ):
        client = client_as(shandong_staff)
        client.get(url("objections"))  # warm the session
        for _ in range(2):
            objection_of(shandong_enterprise)
        with django_assert_num_queries(9):
            client.get(url("objections"))
        for _ in range(5):
            objection_of(shandong_enterprise)
        with django_assert_num_queries(9):
            response = client.get(url("objections"))
        assert len(response.context["page"]) == 7


def holiday_state():
    return (
        list(HolidayDate.objects.values_list("date", "is_working_day", "name")),
        AuditEvent.objects.filter(target_type="verification.holidaydate").count(),
    )


class TestHolidaysPage:
    @pytest.mark.parametrize("persona", ["shandong_staff", "jinan_staff", "admin_user"])
    def test_says_which_years_the_library_covers(self, request, client_as, clock, persona):
        response = client_as(request.getfixturevalue(persona)).get(url("holidays"), **EN)
        assert response.status_code == 200
        coverage = {row.year: row for row in response.context["coverage"]}
        assert set(coverage) == {2025, 2026, 2027, 2028}
        assert coverage[2026].library and not coverage[2026].provisional
        assert not coverage[2027].library and coverage[2027].provisional
        assert "provisional: weekends only, enter this year's holidays" in body(response)
        assert "2026-10-10" in body(response)  # the library's make-up Saturday, for reference

    def test_an_uncovered_year_with_nothing_entered(self, client_as, clock, shandong_staff):
        response = client_as(shandong_staff).get(url("holidays"), {"year": 2027}, **EN)
        assert response.status_code == 200
        assert response.context["provisional"] is True
        assert "working days in 2027 are weekdays only" in body(response)

    def test_renders_in_chinese(self, client_as, clock, shandong_staff):
        response = client_as(shandong_staff).get(url("holidays"), {"year": 2026}, **ZH)
        assert response.status_code == 200
        assert '<html lang="zh-hans">' in body(response) and "国庆节" in body(response)

    def test_a_bad_year_400(self, client_as, clock, shandong_staff):
        response = client_as(shandong_staff).get(url("holidays"), {"year": "20x7"}, **EN)
        assert response.status_code == 400
        assert "Enter a whole number." in body(response)

    @pytest.mark.parametrize("persona", ["owner", "verifier_user", "ministry_user", "no_role_user"])
    def test_other_roles_get_403(self, request, client_as, clock, persona):
        client = client_as(request.getfixturevalue(persona))
        assert client.get(url("holidays")).status_code == 403
        data = {"date": "2027-10-01", "name": "国庆节"}
        assert client.post(url("holiday-add"), data).status_code == 403
        HolidayDate.objects.create(date=date(2027, 10, 4), name="国庆节")
        assert client.post(url("holiday-delete", day="2027-10-04")).status_code == 403
        assert HolidayDate.objects.get().date == date(2027, 10, 4)

    def test_enter_a_holiday_and_a_make_up_day(self, client_as, clock, shandong_staff):
        client = client_as(shandong_staff)
        response = client.post(url("holiday-add"), {"date": "2027-10-01", "name": "国庆节"})
        assert response.status_code == 302
        assert response["Location"] == url("holidays") + "?year=2027"
        data = {"date": "2027-10-09", "is_working_day": "on", "name": "国庆节调休"}
        assert client.post(url("holiday-add"), data).status_code == 302
        assert holiday_state() == (
            [
                (date(2027, 10, 1), False, "国庆节"),
                (date(2027, 10, 9), True, "国庆节调休"),
            ],
            2,
        )
        page = client.get(url("holidays"), {"year": 2027}, **EN)
        assert not {row.year: row for row in page.context["coverage"]}[2027].provisional
        assert "from the entered rows" in body(page)

    def test_staff_of_any_province_keep_the_national_holidays(
        self, client_as, clock, guangdong_staff
    ):
        client = client_as(guangdong_staff)
        response = client.post(url("holiday-add"), {"date": "2027-10-01", "name": "国庆节"})
        assert response.status_code == 302
        assert HolidayDate.objects.filter(date=date(2027, 10, 1)).exists()

    @pytest.mark.parametrize(
        "data, message",
        [
            ({"date": "2027-02-30"}, "Enter a valid date."),
            ({"date": ""}, "This field is required."),
            ({"date": "2027-10-02"}, "2027-10-02 is a day off already"),  # a Saturday
            ({"date": "2027-10-08", "is_working_day": "on"}, "2027-10-08 is a working day"),
            ({"date": "2026-10-05"}, "2026-10-05 is a day off already"),  # the library's
            ({"date": "2027-10-04", "name": "x" * 101}, "at most 100 characters"),
        ],
    )
    def test_bad_input_400_nothing_saved(self, client_as, clock, shandong_staff, data, message):
        response = client_as(shandong_staff).post(url("holiday-add"), data, **EN)
        assert response.status_code == 400
        assert message in body(response)
        assert "Nothing was saved." in body(response)
        assert holiday_state() == ([], 0)

    def test_a_date_already_entered_400(self, client_as, clock, shandong_staff):
        HolidayDate.objects.create(date=date(2027, 10, 1), name="国庆节")
        response = client_as(shandong_staff).post(
            url("holiday-add"), {"date": "2027-10-01", "name": "又一次"}, **EN
        )
        assert response.status_code == 400
        assert "2027-10-01 is already entered" in body(response)
        assert holiday_state() == ([(date(2027, 10, 1), False, "国庆节")], 0)

    def test_delete(self, client_as, clock, shandong_staff):
        HolidayDate.objects.create(date=date(2027, 10, 1), name="国庆节")
        response = client_as(shandong_staff).post(url("holiday-delete", day="2027-10-01"))
        assert response.status_code == 302
        assert response["Location"] == url("holidays") + "?year=2027"
        assert holiday_state() == ([], 1)

    @pytest.mark.parametrize("day", ["2027-10-02", "tomorrow"])
    def test_delete_a_missing_or_bad_date_404(self, client_as, clock, shandong_staff, day):
        HolidayDate.objects.create(date=date(2027, 10, 1), name="国庆节")
        response = client_as(shandong_staff).post(url("holiday-delete", day=day))
        assert response.status_code == 404
        assert holiday_state() == ([(date(2027, 10, 1), False, "国庆节")], 0)

    def test_entering_the_holidays_moves_an_open_window(
        self, client_as, clock, shandong_enterprise, owner, shandong_staff
    ):
        clock(at(2027, 9, 29))
        later = confirmed_assignment(shandong_enterprise, year=2026, confirmed_at=at(2027, 9, 28))
        assert objections.objection_window(later).closes == date(2027, 10, 7)
        client = client_as(shandong_staff)
        for day in ("2027-10-01", "2027-10-04", "2027-10-05", "2027-10-06", "2027-10-07"):
            client.post(url("holiday-add"), {"date": day, "name": "国庆节"})
        client.post(url("holiday-add"), {"date": "2027-10-09", "is_working_day": "on"})
        # Sep 29 (1), 30 (2), Oct 1–7 off, Oct 8 (3), Oct 9 Sat (4), 11 (5), 12 (6), 13 (7).
        assert objections.objection_window(later).closes == date(2027, 10, 13)
        assert "2027-10-13" in panel(owner, later)

    def test_query_count_does_not_grow_with_rows(
        self, client_as, clock, shandong_staff, django_assert_num_queries
    ):
        client = client_as(shandong_staff)
        client.get(url("holidays"))  # warm the session
        HolidayDate.objects.create(date=date(2027, 10, 1))
        with django_assert_num_queries(10):
            client.get(url("holidays"), {"year": 2027})
        HolidayDate.objects.bulk_create(
            HolidayDate(date=date(2027, month, 15)) for month in range(1, 13) if month != 10
        )
        with django_assert_num_queries(10):
            response = client.get(url("holidays"), {"year": 2027})
        assert len(response.context["rows"]) == 12
