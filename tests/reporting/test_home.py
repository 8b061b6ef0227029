"""The enterprise home's yearly work: the data quality control plan and the annual emission report
the calendar asks for, as actions with their links and due dates, returned versions with the
province's comment, drafts; never another enterprise's; a fixed number of queries.

The clock is fixed at 2026-03-20 10:00 in Asia/Shanghai: the 2025 report is due 2026-03-31 and
the 2027 plan 2026-12-31 (the 2026 notice's calendar)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.scoping import actor_for
from deadlines.generation import generate_obligations
from deadlines.models import Obligation, ObligationStatus
from reporting import plans, reports
from reporting.models import SubmissionStatus
from tests.factories import accounts as users
from tests.factories.units import EnterpriseFactory, industry

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
CONTENT = {
    "boundary": "厂界内全部燃煤机组及辅助设施。",
    "facilities": "1号机组 600 MW，燃煤，水冷。",
    "parameters": "燃煤消耗量：皮带秤，每月校准；低位发热量：每日采样。",
    "responsibilities": "燃料部记录，计划部核对，档案室归档。",
    "qa_qc": "每月内部核查，年度内审。",
}
YEAR_OF_POWER = {
    "coal_consumption": "1200000",
    "coal_ncv": "21.5",
    "coal_carbon_content": "0.0270",
    "coal_oxidation_rate": "98.5",
    "power_generated": "2900000",
    "power_supplied": "2730000",
    "operating_hours": "7200",
    "load_factor": "72",
}
# The home page's queries: session, user, memberships; the units; the monthly work (rules, open
# versions, submitted months, their obligations); the yearly work (plan and report obligations,
# plan versions, report versions); unread notifications; the deadlines table; the session's save
# (savepoint, update, release).
HOME_QUERIES = 16


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def calendar(unit):
    generate_obligations(today=NOW.date())


def body(response) -> str:
    return response.content.decode()


def plan_draft(user, enterprise, *, year=2027, content=CONTENT):
    actor = actor_for(user)
    plan = plans.start(actor=actor, enterprise=enterprise, year=year)
    plans.save(actor=actor, plan=plan, content=content)
    plan.refresh_from_db()
    return plan


def plan_submitted(user, enterprise, *, year=2027):
    plan = plan_draft(user, enterprise, year=year)
    plans.submit(actor=actor_for(user), plan=plan)
    plan.refresh_from_db()
    return plan


def report_draft(user, enterprise, *, year=2025, values=None):
    actor = actor_for(user)
    report = reports.start(actor=actor, enterprise=enterprise, year=year)
    if values is not None:
        reports.save_values(actor=actor, report=report, values=values)
        report.refresh_from_db()
        explanations = {
            f"{f['rule']}:{f['item_code']}": "未开展月度存证。" for f in report.findings
        }
        reports.save_values(actor=actor, report=report, values=values, explanations=explanations)
    report.refresh_from_db()
    return report


def report_submitted(user, enterprise, *, year=2025):
    report = report_draft(user, enterprise, year=year, values=YEAR_OF_POWER)
    reports.submit(actor=actor_for(user), report=report)
    report.refresh_from_db()
    return report


def obligation(enterprise, kind, year) -> Obligation:
    return Obligation.objects.get(enterprise=enterprise, kind=kind, period_start=date(year, 1, 1))


def yearly(client):
    return client.get("/").context["yearly"]


class TestDue:
    def test_the_coming_plan_and_last_years_report_are_asked_for_with_due_dates_and_links(
        self, client_as, owner, unit, calendar
    ):
        response = client_as(owner).get("/", **EN)
        work = response.context["yearly"]
        (plan,) = work.plans.due
        (report,) = work.reports.due
        assert (plan.enterprise, plan.year, plan.draft) == (unit, 2027, None)
        assert plan.obligation == obligation(unit, "quality_control_plan", 2027)
        assert (report.enterprise, report.year, report.draft) == (unit, 2025, None)
        assert report.obligation == obligation(unit, "annual_report", 2025)
        page = body(response)
        assert (
            "Action required: submit the 2027 data quality control plan for 山东测试电厂</strong>"
            " · due 2026-12-31" in page
        )
        assert (
            "Action required: submit the 2025 annual emission report for 山东测试电厂</strong>"
            " · due 2026-03-31" in page
        )
        assert f'href="{reverse("reporting:plans")}">Start it on the plans page' in page
        assert f'href="{reverse("reporting:reports")}">Start it on the annual reports page' in page

    def test_a_draft_is_continued_from_its_own_page(self, client_as, owner, unit, calendar):
        plan = plan_draft(owner, unit)
        report = report_draft(owner, unit)
        response = client_as(owner).get("/", **EN)
        work = response.context["yearly"]
        assert [item.draft for item in work.plans.due] == [plan]
        assert [item.draft for item in work.reports.due] == [report]
        assert work.plans.drafts == work.reports.drafts == []
        page = body(response)
        assert "Action required: finish and submit the 2027 data quality control plan" in page
        assert "Action required: finish and submit the 2025 annual emission report" in page
        assert f'href="{plan.get_absolute_url()}">Continue the draft' in page
        assert f'href="{report.get_absolute_url()}">Continue the draft' in page

    def test_submitted_ones_are_no_longer_asked_for(self, client_as, owner, unit, calendar):
        plan_submitted(owner, unit)
        report_submitted(owner, unit)
        assert obligation(unit, "quality_control_plan", 2027).status == ObligationStatus.MET_ON_TIME
        response = client_as(owner).get("/", **EN)
        work = response.context["yearly"]
        assert not work.plans and not work.reports
        page = body(response)
        assert "No data quality control plan waits for you." in page
        assert "No annual emission report waits for you." in page

    def test_an_overdue_report_says_so(self, client_as, owner, unit, calendar, time_machine):
        time_machine.move_to(datetime(2026, 4, 8, 9, tzinfo=ZoneInfo("Asia/Shanghai")))
        page = body(client_as(owner).get("/", **EN))
        assert (
            "submit the 2025 annual emission report for 山东测试电厂</strong> · due 2026-03-31"
            ' <span class="overdue">overdue</span>' in page
        )

    def test_a_unit_the_calendar_does_not_cover_is_not_asked(self, client_as, shandong):
        # Paper: the annual report and its supplementary report, but no quality control plan.
        paper = EnterpriseFactory(province=shandong, industry=industry("2221", "paper"))
        user = users.enterprise_user(paper, username="paper-user")
        generate_obligations(today=NOW.date())
        work = yearly(client_as(user))
        assert work.plans.due == []
        assert [item.year for item in work.reports.due] == [2025]

    def test_nothing_is_asked_without_an_obligation(self, client_as, owner, unit):
        # No calendar generated: nothing is due, whatever the years.
        work = yearly(client_as(owner))
        assert work.plans.due == work.reports.due == []


class TestReturned:
    def test_returned_versions_show_the_comment_and_link_to_their_page(
        self, client_as, owner, unit, calendar, shandong_staff
    ):
        plan = plan_submitted(owner, unit)
        plans.return_for_correction(
            actor=actor_for(shandong_staff), plan=plan, comment="请补充煤质化验频次。"
        )
        report = report_submitted(owner, unit)
        reports.return_for_correction(
            actor=actor_for(shandong_staff), report=report, comment="供电量与关口表不一致。"
        )
        response = client_as(owner).get("/", **EN)
        work = response.context["yearly"]
        assert [item.record for item in work.plans.returned] == [plan]
        assert [item.record for item in work.reports.returned] == [report]
        assert work.plans.due == work.reports.due == []
        page = body(response)
        assert (
            "Action required: correct the 2027 data quality control plan for 山东测试电厂, "
            "returned by the provincial department" in page
        )
        assert (
            "Action required: correct the 2025 annual emission report for 山东测试电厂, "
            "returned by the provincial department" in page
        )
        assert "“请补充煤质化验频次。”" in page and "“供电量与关口表不一致。”" in page
        assert f'href="{plan.get_absolute_url()}">Open it to correct' in page
        assert f'href="{report.get_absolute_url()}">Open it to correct' in page

    def test_a_correction_under_way_shows_as_its_draft(
        self, client_as, owner, unit, calendar, shandong_staff
    ):
        plan = plan_submitted(owner, unit)
        plans.return_for_correction(actor=actor_for(shandong_staff), plan=plan, comment="补充。")
        correction = plans.start(actor=actor_for(owner), enterprise=unit, year=2027)
        response = client_as(owner).get("/", **EN)
        work = response.context["yearly"]
        assert work.plans.returned == []
        assert [item.record for item in work.plans.drafts] == [correction]
        assert (
            "Action required: finish and submit the draft 2027 data quality control plan "
            "(version 2) for 山东测试电厂" in body(response)
        )

    def test_accepted_ones_ask_nothing(self, client_as, owner, unit, calendar, shandong_staff):
        plans.accept(actor=actor_for(shandong_staff), plan=plan_submitted(owner, unit))
        reports.accept(actor=actor_for(shandong_staff), report=report_submitted(owner, unit))
        work = yearly(client_as(owner))
        assert not work.plans and not work.reports


class TestOtherEnterprises:
    def test_another_enterprises_plans_and_reports_never_appear(
        self, client_as, owner, unit, shandong, guangdong_enterprise, shandong_staff
    ):
        neighbour = EnterpriseFactory(province=shandong, name_zh="邻厂")
        neighbour_user = users.enterprise_user(neighbour, username="neighbour")
        generate_obligations(today=NOW.date())
        plan_draft(neighbour_user, neighbour)
        back = plan_submitted(neighbour_user, neighbour, year=2026)
        plans.return_for_correction(actor=actor_for(shandong_staff), plan=back, comment="邻厂。")
        report_draft(neighbour_user, neighbour)
        response = client_as(owner).get("/", **EN)
        work = response.context["yearly"]
        units = {
            item.enterprise
            for part in (work.plans, work.reports)
            for item in (*part.due, *part.returned, *part.drafts)
        }
        assert units == {unit}
        assert "邻厂" not in body(response)


class TestQueries:
    def test_query_count_does_not_grow_with_units_plans_and_reports(
        self, client_as, shandong, unit, owner, shandong_staff, django_assert_num_queries
    ):
        generate_obligations(today=NOW.date())
        client = client_as(owner)
        client.get("/")  # warm the session
        with django_assert_num_queries(HOME_QUERIES):
            client.get("/")
        more = EnterpriseFactory.create_batch(4, province=shandong)
        for enterprise in more:
            users.Membership.objects.create(
                user=owner, role="enterprise_user", enterprise=enterprise
            )
        owner = type(owner).objects.get(pk=owner.pk)  # its memberships changed
        generate_obligations(today=NOW.date())
        staff = actor_for(shandong_staff)
        for enterprise in more[:2]:
            plan_draft(owner, enterprise)
            report_draft(owner, enterprise)
        plans.return_for_correction(
            actor=staff, plan=plan_submitted(owner, more[2]), comment="补充。"
        )
        reports.return_for_correction(
            actor=staff, report=report_submitted(owner, more[2]), comment="更正。"
        )
        plan_draft(owner, more[3], year=2026)
        with django_assert_num_queries(HOME_QUERIES):
            response = client.get("/")
        work = response.context["yearly"]
        assert len(work.plans.due) == 4 and len(work.reports.due) == 4
        assert sum(1 for item in work.plans.due if item.draft) == 2
        assert len(work.plans.returned) == len(work.reports.returned) == 1
        assert [item.record.year for item in work.plans.drafts] == [2026]
        assert {item.record.status for item in work.plans.drafts} == {SubmissionStatus.DRAFT}
