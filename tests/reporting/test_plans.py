"""Data quality control plans: the pages from start to acceptance, the calendar's obligation,
bad input, other provinces' and enterprises' users, the ministry, the staff list's query count.
The clock is fixed at 2026-11-15 10:00 in Asia/Shanghai: the 2027 plan is due 2026-12-31."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.scoping import actor_for
from core.errors import NotFound
from core.models import AuditEvent
from deadlines.generation import generate_obligations
from deadlines.models import Obligation, ObligationStatus
from reporting import plans
from reporting.models import QualityControlPlan, SubmissionStatus
from tests.factories import accounts as users
from tests.factories.units import EnterpriseFactory, FacilityFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
CONTENT = {
    "boundary": "厂界内全部燃煤机组及辅助设施。",
    "facilities": "1号机组 600 MW，燃煤，水冷。",
    "parameters": "燃煤消耗量：皮带秤，精度0.5级，每月校准；低位发热量：每日采样，GB/T 213。",
    "responsibilities": "燃料部记录，计划部核对，档案室归档；缺失数据按保守值处理。",
    "qa_qc": "每月内部核查，年度内审。",
}


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def url(name, plan=None):
    if plan is None:
        return reverse(f"reporting:{name}")
    return reverse(f"reporting:{name}", kwargs={"public_id": plan.public_id})


def body(response) -> str:
    return response.content.decode()


def submitted(user, enterprise, *, year=2027, content=CONTENT):
    actor = actor_for(user)
    plan = plans.start(actor=actor, enterprise=enterprise, year=year)
    plans.save(actor=actor, plan=plan, content=content)
    plans.submit(actor=actor, plan=plan)
    plan.refresh_from_db()
    return plan


def state(plan):
    plan.refresh_from_db()
    return (
        plan.status,
        plan.content,
        plan.review_comment,
        QualityControlPlan.objects.count(),
        AuditEvent.objects.count(),
    )


class TestHappyPath:
    def test_start_save_submit_return_revise_submit_accept(
        self, client_as, owner, unit, shandong_staff
    ):
        generate_obligations(today=NOW.date())
        FacilityFactory(enterprise=unit, name="1号机组")
        client = client_as(owner)
        page = body(client.get(url("plans"), **EN))
        assert "2027" in page and "Start" in page
        response = client.post(url("plan-start"), {"enterprise": unit.public_id, "year": 2027})
        assert response.status_code == 302
        plan = QualityControlPlan.objects.get(enterprise=unit, year=2027)
        assert "1号机组" in plan.content["facilities"]  # prefilled from the registry
        response = client.post(url("plan-save", plan), CONTENT)
        assert response.status_code == 302
        plan.refresh_from_db()
        assert plan.content == CONTENT
        assert client.post(url("plan-submit", plan)).status_code == 302
        plan.refresh_from_db()
        assert plan.status == SubmissionStatus.SUBMITTED
        obligation = Obligation.objects.get(
            enterprise=unit, kind="quality_control_plan", period_start=date(2027, 1, 1)
        )
        assert obligation.status == ObligationStatus.MET_ON_TIME
        assert obligation.fulfilment == f"reporting.qualitycontrolplan:{plan.pk}"

        staff = client_as(shandong_staff)
        assert body(staff.get(plan.get_absolute_url(), **EN)).count("Return for correction")
        response = staff.post(url("plan-return", plan), {"comment": "补充计量器具校准信息。"})
        assert response.status_code == 302
        plan.refresh_from_db()
        assert plan.status == SubmissionStatus.RETURNED

        client = client_as(owner)
        assert "补充计量器具校准信息。" in body(client.get(plan.get_absolute_url(), **EN))
        client.post(url("plan-start"), {"enterprise": unit.public_id, "year": 2027})
        revision = QualityControlPlan.objects.get(enterprise=unit, year=2027, version=2)
        assert revision.supersedes == plan and revision.content == CONTENT
        client.post(url("plan-save", revision), {**CONTENT, "qa_qc": "每季度外部核查。"})
        page = body(client.get(revision.get_absolute_url(), **EN))
        assert "Changes against version 1" in page
        assert "每月内部核查，年度内审。" in page and "每季度外部核查。" in page
        assert client.post(url("plan-submit", revision)).status_code == 302
        plan.refresh_from_db()
        assert plan.status == SubmissionStatus.SUPERSEDED

        staff = client_as(shandong_staff)
        response = staff.post(url("plan-accept", revision), {"comment": ""})
        assert response.status_code == 302
        revision.refresh_from_db()
        assert revision.status == SubmissionStatus.ACCEPTED
        assert revision.reviewed_by == shandong_staff
        assert AuditEvent.objects.filter(target_id=str(revision.pk)).count() == 4


class TestObligation:
    def test_submitted_after_december_31_is_late(self, owner, unit, time_machine):
        generate_obligations(today=NOW.date())
        time_machine.move_to(datetime(2027, 1, 5, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
        plan = submitted(owner, unit)
        obligation = Obligation.objects.get(
            enterprise=unit, kind="quality_control_plan", period_start=date(2027, 1, 1)
        )
        assert obligation.status == ObligationStatus.MET_LATE
        assert obligation.met_at == plan.submitted_at


class TestBadInput:
    def test_an_empty_required_section_is_refused_and_nothing_changes(self, client_as, owner, unit):
        actor = actor_for(owner)
        plan = plans.start(actor=actor, enterprise=unit, year=2027)
        plans.save(actor=actor, plan=plan, content={**CONTENT, "parameters": ""})
        before = state(plan)
        response = client_as(owner).post(url("plan-submit", plan), **EN)
        assert response.status_code == 400
        assert "Parameter monitoring methods" in body(response)
        assert state(plan) == before

    def test_a_year_too_far_ahead_is_refused(self, client_as, owner, unit):
        response = client_as(owner).post(
            url("plan-start"), {"enterprise": unit.public_id, "year": 2029}, **EN
        )
        assert response.status_code == 400
        assert not QualityControlPlan.objects.exists()

    def test_return_needs_a_comment(self, client_as, owner, unit, shandong_staff):
        plan = submitted(owner, unit)
        before = state(plan)
        response = client_as(shandong_staff).post(url("plan-return", plan), {"comment": ""})
        assert response.status_code == 400
        assert state(plan) == before

    def test_a_submitted_plan_is_never_saved(self, client_as, owner, unit):
        plan = submitted(owner, unit)
        before = state(plan)
        response = client_as(owner).post(url("plan-save", plan), {**CONTENT, "qa_qc": "改"})
        assert response.status_code == 400
        assert state(plan) == before


class TestScoping:
    def test_staff_of_another_province_get_404(self, client_as, owner, unit, guangdong_staff):
        plan = submitted(owner, unit)
        before = state(plan)
        client = client_as(guangdong_staff)
        assert client.get(plan.get_absolute_url()).status_code == 404
        assert client.post(url("plan-accept", plan), {"comment": ""}).status_code == 404
        assert client.post(url("plan-return", plan), {"comment": "x"}).status_code == 404
        assert state(plan) == before
        with pytest.raises(NotFound):
            plans.accept(actor=actor_for(guangdong_staff), plan=plan)

    def test_another_enterprises_user_gets_404(self, client_as, owner, unit, shandong):
        plan = plans.start(actor=actor_for(owner), enterprise=unit, year=2027)
        neighbour = users.enterprise_user(EnterpriseFactory(province=shandong), username="nb")
        client = client_as(neighbour)
        before = state(plan)
        assert client.get(plan.get_absolute_url()).status_code == 404
        assert client.post(url("plan-save", plan), CONTENT).status_code == 404
        assert client.post(url("plan-submit", plan)).status_code == 404
        response = client.post(url("plan-start"), {"enterprise": unit.public_id, "year": 2027})
        assert response.status_code == 404
        assert state(plan) == before

    def test_ministry_reads_but_may_not_act(self, client_as, owner, unit, ministry_user):
        plan = submitted(owner, unit)
        before = state(plan)
        client = client_as(ministry_user)
        page = body(client.get(plan.get_absolute_url(), **EN))
        assert CONTENT["qa_qc"] in page and "Return for correction" not in page
        assert client.get(url("plans")).status_code == 200
        assert client.post(url("plan-accept", plan), {"comment": ""}).status_code == 403
        assert client.post(url("plan-return", plan), {"comment": "x"}).status_code == 403
        assert client.post(url("plan-save", plan), CONTENT).status_code == 403
        assert client.post(url("plan-submit", plan)).status_code == 403
        assert state(plan) == before

    def test_city_staff_review_their_city_only(self, client_as, owner, unit, qingdao, shandong):
        plan = submitted(owner, unit)
        other_city = users.staff(shandong, city=qingdao, username="qingdao-staff")
        assert client_as(other_city).get(plan.get_absolute_url()).status_code == 404


class TestStaffList:
    def test_filters_by_status(self, client_as, owner, unit, shandong_staff, guangdong_enterprise):
        waiting = submitted(owner, unit)
        submitted(users.enterprise_user(guangdong_enterprise, username="gd"), guangdong_enterprise)
        plans.start(actor=actor_for(owner), enterprise=unit, year=2026)  # a draft: not listed
        client = client_as(shandong_staff)
        assert list(client.get(url("plans")).context["page"]) == [waiting]
        listed = client.get(url("plans"), {"status": "accepted"}).context["page"]
        assert list(listed) == []

    def test_paginates_by_50_and_query_count_does_not_grow(
        self, client_as, shandong_staff, shandong, jinan, django_assert_num_queries
    ):
        client = client_as(shandong_staff)
        client.get(url("plans"))  # warm the session

        def make():
            enterprise = EnterpriseFactory(province=shandong, city=jinan)
            user = users.enterprise_user(enterprise, username=f"u{enterprise.pk}")
            submitted(user, enterprise)

        for _ in range(3):
            make()
        with django_assert_num_queries(9):
            client.get(url("plans"))
        for _ in range(52):
            make()
        with django_assert_num_queries(9):
            response = client.get(url("plans"))
        assert len(response.context["page"]) == 50
        assert len(client.get(url("plans"), {"page": 2}).context["page"]) == 5
