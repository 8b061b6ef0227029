"""Assigning accepted annual reports to institutions: the refusals (a declared conflict, the
rotation limit held as data, and the others), single and bulk assignment all or nothing, the
deadline and the verifiers' notice, withdrawal, the waiting list and the workload, other
provinces' and other roles' users, and the query counts. The clock is fixed at 2026-05-10 10:00
in Asia/Shanghai: the 2025 power reports are to be verified by 2026-06-30."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.scoping import actor_for
from core.errors import DomainError, NotFound, PermissionDenied
from core.models import AuditEvent
from deadlines.generation import generate_obligations
from deadlines.models import Notification, NotificationKind, Obligation
from reporting.models import SubmissionStatus
from tests.factories import accounts as users
from tests.factories.reporting import AnnualReportFactory
from tests.factories.units import EnterpriseFactory, industry
from tests.factories.verification import (
    AssignmentFactory,
    InstitutionFactory,
    RelationshipFactory,
)
from tests.factories.verification_assignments import accepted_report, open_count, verified
from verification import assignment_rules, assignments
from verification.models import Assignment, AssignmentStatus, VerificationPolicy

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
ASSIGN = reverse("verification:assign")
WORKLOAD = reverse("verification:workload")


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def english():
    """Services word their refusals in the active language; pages choose it per request."""
    with translation.override("en"):
        yield


@pytest.fixture
def report(shandong_enterprise):
    return accepted_report(shandong_enterprise)


@pytest.fixture
def team(verifier_user):
    return [verifier_user]


def body(response) -> str:
    return response.content.decode()


def withdraw_url(assignment):
    return reverse("verification:assignment-withdraw", kwargs={"public_id": assignment.public_id})


def post_assign(client, reports, institution, team):
    return client.post(
        ASSIGN,
        {
            "reports": [str(report.public_id) for report in reports],
            "institution": str(institution.public_id),
            "team": [str(member.public_id) for member in team],
        },
        **EN,
    )


def saved_state():
    return (
        list(Assignment.objects.values_list("pk", "status")),
        Notification.objects.count(),
        AuditEvent.objects.count(),
    )


class TestRefusals:
    def test_a_declared_relationship_covering_the_year_refuses_and_names_its_kind(
        self, institution, report, team
    ):
        RelationshipFactory(
            institution=institution, enterprise=report.enterprise, kind="consultancy"
        )
        reasons = assignment_rules.refusals(report, institution, team)
        assert len(reasons) == 1
        assert "Conflict of interest" in reasons[0]
        assert "Consultancy or report preparation" in reasons[0]
        assert "2025" in reasons[0] and "from 2024" in reasons[0]

    def test_a_relationship_that_ended_before_the_year_does_not_refuse(
        self, institution, report, team
    ):
        RelationshipFactory(
            institution=institution, enterprise=report.enterprise, from_year=2020, to_year=2024
        )
        RelationshipFactory(enterprise=report.enterprise)  # another institution's
        assert assignment_rules.refusals(report, institution, team) == []

    def test_rotation_refused_at_exactly_the_limit(self, institution, report, team):
        assert VerificationPolicy.objects.get(year=2026).max_consecutive_years == 3
        verified(institution, report.enterprise, 2022, 2023, 2024)
        reasons = assignment_rules.refusals(report, institution, team)
        assert len(reasons) == 1
        assert "verified 2022, 2023 and 2024" in reasons[0]
        assert "the limit is 3 consecutive years" in reasons[0]

    def test_rotation_allows_one_year_below_the_limit(self, institution, report, team):
        verified(institution, report.enterprise, 2023, 2024)
        assert assignment_rules.refusals(report, institution, team) == []

    def test_rotation_counts_only_an_unbroken_run_of_confirmed_years_by_that_institution(
        self, institution, report, team
    ):
        enterprise = report.enterprise
        verified(institution, enterprise, 2021, 2022, 2024)  # 2023 by another institution
        verified(InstitutionFactory(provinces=[enterprise.province]), enterprise, 2023)
        assert assignment_rules.refusals(report, institution, team) == []
        other = accepted_report(EnterpriseFactory(province=enterprise.province), 2025)
        verified(institution, other.enterprise, 2022, 2023)
        verified(institution, other.enterprise, 2024, status=AssignmentStatus.CONCLUDED)
        assert assignment_rules.refusals(other, institution, team) == []  # 2024 not confirmed

    def test_the_limit_is_the_latest_policy_of_the_year_or_before_else_the_earliest(
        self, institution, report, team
    ):
        VerificationPolicy.objects.create(
            year=2024, max_consecutive_years=1, objection_window_days=7, review_window_days=10
        )
        verified(institution, report.enterprise, 2024)
        reasons = assignment_rules.refusals(report, institution, team)
        assert len(reasons) == 1 and "the limit is 1 consecutive year." in reasons[0]
        older = accepted_report(report.enterprise, 2023)
        verified(institution, report.enterprise, 2022)
        policy = assignment_rules.policy_for(2023, list(VerificationPolicy.objects.all()))
        assert policy.year == 2024
        assert "the limit is 1 consecutive year" in assignment_rules.refusals(older, institution)[0]

    def test_every_other_reason_is_said(self, institution, shandong_enterprise, guangdong):
        report = AnnualReportFactory(
            enterprise=shandong_enterprise, status=SubmissionStatus.SUPERSEDED
        )
        standing = AnnualReportFactory(enterprise=shandong_enterprise, version=2)
        elsewhere = InstitutionFactory(provinces=[guangdong])
        AssignmentFactory(report=standing, institution=elsewhere)
        outsider = users.UserFactory(username="not-a-verifier")
        reasons = assignment_rules.refusals(report, institution, [outsider])
        assert len(reasons) == 3
        assert "is not accepted" in reasons[0]
        assert f"already assigned to {elsewhere}" in reasons[1]
        assert f"not-a-verifier is not a verifier of {institution}" in reasons[2]
        reasons = assignment_rules.refusals(accepted_report(EnterpriseFactory(), 2024), elsewhere)
        assert reasons == [f"{elsewhere} does not serve 山东省."]


class TestAssign:
    def test_assign_one_report_from_the_page(
        self, client_as, shandong_staff, institution, verifier_user, report
    ):
        generate_obligations(today=NOW.date())
        colleague = users.verifier(institution, username="verifier-two")
        client = client_as(shandong_staff)
        page = client.get(ASSIGN, {"institution": institution.public_id}, **EN)
        assert page.status_code == 200
        assert report.enterprise.name_zh in body(page) and "verifier-two" in body(page)
        assert "2026-06-30" in body(page)  # the sector deadline

        response = client.post(
            f"{ASSIGN}?institution={institution.public_id}",
            {
                "reports": [str(report.public_id)],
                "institution": str(institution.public_id),
                "team": [str(verifier_user.public_id)],
            },
        )
        assert response.status_code == 302
        assignment = Assignment.objects.get()
        assert (assignment.report, assignment.enterprise, assignment.year) == (
            report,
            report.enterprise,
            2025,
        )
        assert assignment.institution == institution
        assert assignment.assigned_by == shandong_staff
        assert assignment.due_date == date(2026, 6, 30)
        assert list(assignment.team.all()) == [verifier_user]
        notices = Notification.objects.filter(kind=NotificationKind.VERIFICATION_ASSIGNED)
        assert {notice.recipient for notice in notices} == {verifier_user, colleague}
        assert notices[0].context == {
            "enterprise": report.enterprise.name_zh,
            "year": 2025,
            "assignment": str(assignment.public_id),
            "due_on": "2026-06-30",
        }
        event = AuditEvent.objects.for_target(assignment).get()
        assert event.actor == shandong_staff and event.tenant_code == "370000"
        assert event.changes["team"] == {"before": None, "after": ["verifier-test"]}
        assert report.enterprise.name_zh not in body(client.get(ASSIGN, **EN))  # no longer waiting

    def test_due_date_follows_an_extended_obligation(
        self, shandong_staff, institution, report, team
    ):
        generate_obligations(today=NOW.date())
        obligation = Obligation.objects.get(
            kind="verification", enterprise=report.enterprise, period_start=date(2025, 1, 1)
        )
        obligation.due_on = date(2026, 7, 15)
        obligation.save()
        assignment = assignments.assign(
            actor=actor_for(shandong_staff), report=report, institution=institution, team=team
        )
        assert assignment.due_date == date(2026, 7, 15)

    def test_due_date_falls_back_to_the_national_rule_for_the_sector(
        self, shandong, shandong_staff, institution, team
    ):
        assert not Obligation.objects.exists()
        steel = accepted_report(
            EnterpriseFactory(province=shandong, industry=industry("3110", "steel"))
        )
        chemical = accepted_report(
            EnterpriseFactory(province=shandong, industry=industry("2614", "chemical"))
        )
        done = assignments.assign_many(
            actor=actor_for(shandong_staff),
            reports=[steel, chemical],
            institution=institution,
            team=team,
        )
        assert {a.enterprise.industry.sector: a.due_date for a in done} == {
            "steel": date(2026, 7, 31),
            "chemical": date(2026, 12, 31),
        }

    def test_bulk_assignment_saves_all(
        self, client_as, shandong, shandong_staff, institution, team
    ):
        reports = [accepted_report(EnterpriseFactory(province=shandong)) for _ in range(3)]
        response = post_assign(client_as(shandong_staff), reports, institution, team)
        assert response.status_code == 302
        assert set(Assignment.objects.values_list("report", flat=True)) == {r.pk for r in reports}
        assert AuditEvent.objects.filter(target_type="verification.assignment").count() == 3
        assert Notification.objects.count() == 3

    def test_bulk_assignment_is_all_or_nothing_and_names_every_refusal(
        self, client_as, shandong, shandong_staff, institution, team
    ):
        free = accepted_report(EnterpriseFactory(province=shandong, name_zh="无冲突电厂"))
        conflicted = accepted_report(EnterpriseFactory(province=shandong, name_zh="咨询客户电厂"))
        rotated = accepted_report(EnterpriseFactory(province=shandong, name_zh="连续核查电厂"))
        RelationshipFactory(
            institution=institution, enterprise=conflicted.enterprise, kind="equity"
        )
        verified(institution, rotated.enterprise, 2022, 2023, 2024)
        before = saved_state()
        response = post_assign(
            client_as(shandong_staff), [free, conflicted, rotated], institution, team
        )
        assert response.status_code == 400
        assert saved_state() == before
        page = body(response)
        assert "Nothing was assigned: 2 reports cannot be assigned." in page
        assert "咨询客户电厂 2025" in page and "Shareholding or investment" in page
        assert "连续核查电厂 2025" in page and "verified 2022, 2023 and 2024" in page
        assert "无冲突电厂 2025" not in page
        with pytest.raises(assignments.AssignmentRefused) as refusal:
            assignments.assign_many(
                actor=actor_for(shandong_staff),
                reports=[free, conflicted, rotated],
                institution=institution,
                team=team,
            )
        assert [item.report for item in refusal.value.refused] == [conflicted, rotated]

    def test_bad_input_is_refused_with_nothing_saved(
        self, client_as, shandong_staff, institution, report, team
    ):
        client = client_as(shandong_staff)
        before = saved_state()
        response = post_assign(client, [], institution, team)
        assert response.status_code == 400 and "Choose at least one report" in body(response)
        response = post_assign(client, [report], institution, [])
        assert response.status_code == 400 and "Choose the team" in body(response)
        stranger = users.verifier(InstitutionFactory(provinces=[institution.provinces.get()]))
        response = post_assign(client, [report], institution, [stranger])
        assert response.status_code == 400  # not one of the institution's verifiers
        response = client.post(ASSIGN, {"reports": ["not-a-uuid"], "institution": "x"})
        assert response.status_code == 404
        assert saved_state() == before

    def test_the_report_cannot_be_assigned_twice(self, shandong_staff, institution, report, team):
        actor = actor_for(shandong_staff)
        assignments.assign(actor=actor, report=report, institution=institution, team=team)
        with pytest.raises(assignments.AssignmentRefused, match="already assigned"):
            assignments.assign(actor=actor, report=report, institution=institution, team=team)
        assert Assignment.objects.count() == 1


class TestWhoMayAssign:
    def test_another_provinces_staff_get_404_and_nothing_changes(
        self, client_as, guangdong, guangdong_staff, institution, report, team
    ):
        institution.provinces.add(guangdong)
        before = saved_state()
        response = post_assign(client_as(guangdong_staff), [report], institution, team)
        assert response.status_code == 404
        assert report.enterprise.name_zh not in body(client_as(guangdong_staff).get(ASSIGN))
        with pytest.raises(NotFound):
            assignments.assign(
                actor=actor_for(guangdong_staff), report=report, institution=institution, team=team
            )
        assert saved_state() == before

    def test_an_institution_not_serving_the_staffs_province_is_404(
        self, client_as, guangdong, guangdong_staff, guangdong_enterprise, team
    ):
        shandong_only = InstitutionFactory(provinces=[])
        before = saved_state()
        report = accepted_report(guangdong_enterprise)
        response = post_assign(client_as(guangdong_staff), [report], shandong_only, team)
        assert response.status_code == 404
        assert saved_state() == before

    def test_a_city_staff_member_assigns_only_their_citys_units(
        self, client_as, jinan_staff, qingdao, shandong, institution, team
    ):
        elsewhere = accepted_report(EnterpriseFactory(province=shandong, city=qingdao))
        assert (
            post_assign(client_as(jinan_staff), [elsewhere], institution, team).status_code == 404
        )
        assert not Assignment.objects.exists()

    @pytest.mark.parametrize(
        "persona", ["verifier_user", "ministry_user", "shandong_enterprise_user"]
    )
    def test_other_roles_cannot_assign(
        self, request, client_as, persona, institution, report, team
    ):
        client = client_as(request.getfixturevalue(persona))
        assert client.get(ASSIGN).status_code == 403
        assert post_assign(client, [report], institution, team).status_code == 403
        with pytest.raises((NotFound, PermissionDenied)):
            assignments.assign(
                actor=actor_for(request.getfixturevalue(persona)),
                report=report,
                institution=institution,
                team=team,
            )
        assert not Assignment.objects.exists()


class TestWithdraw:
    @pytest.fixture
    def assignment(self, shandong_staff, institution, report, team):
        return assignments.assign(
            actor=actor_for(shandong_staff), report=report, institution=institution, team=team
        )

    def test_withdraw_with_a_reason_then_assign_again(
        self, client_as, shandong_staff, assignment, institution, team
    ):
        client = client_as(shandong_staff)
        assert "Withdraw" in body(client.get(withdraw_url(assignment), **EN))
        response = client.post(withdraw_url(assignment), {"reason": "机构人员变动"})
        assert response.status_code == 302
        assignment.refresh_from_db()
        assert assignment.status == AssignmentStatus.WITHDRAWN
        event = AuditEvent.objects.for_target(assignment).order_by("-id").first()
        assert event.note == "机构人员变动"
        assert event.changes["status"] == {"before": "assigned", "after": "withdrawn"}
        again = assignments.assign(
            actor=actor_for(shandong_staff),
            report=assignment.report,
            institution=institution,
            team=team,
        )
        assert again.status == AssignmentStatus.ASSIGNED

    def test_a_conclusion_submitted_can_still_be_withdrawn(self, shandong_staff, assignment):
        Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.CONCLUDED)
        assignments.withdraw(actor=actor_for(shandong_staff), assignment=assignment, reason="x")
        assignment.refresh_from_db()
        assert assignment.status == AssignmentStatus.WITHDRAWN

    def test_refused_once_confirmed_or_without_a_reason(
        self, client_as, shandong_staff, assignment
    ):
        client = client_as(shandong_staff)
        before = saved_state()
        response = client.post(withdraw_url(assignment), {"reason": "  "}, **EN)
        assert response.status_code == 400
        Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.CONFIRMED)
        response = client.post(withdraw_url(assignment), {"reason": "太晚了"}, **EN)
        assert response.status_code == 400 and "cannot be withdrawn" in body(response)
        assignment.refresh_from_db()
        assert assignment.status == AssignmentStatus.CONFIRMED
        assert AuditEvent.objects.count() == before[2]

    def test_another_province_404_and_the_verifier_403(
        self, client_as, guangdong_staff, verifier_user, assignment
    ):
        assert (
            client_as(guangdong_staff).post(withdraw_url(assignment), {"reason": "x"}).status_code
            == 404
        )
        assert (
            client_as(verifier_user).post(withdraw_url(assignment), {"reason": "x"}).status_code
            == 403
        )
        other = users.verifier(InstitutionFactory(), username="other-verifier")
        assert client_as(other).get(withdraw_url(assignment)).status_code == 404
        with pytest.raises(PermissionDenied):
            assignments.withdraw(actor=actor_for(verifier_user), assignment=assignment, reason="x")
        assignment.refresh_from_db()
        assert assignment.status == AssignmentStatus.ASSIGNED


class TestAssignableList:
    def test_filters_by_year_sector_and_city(
        self, client_as, shandong, jinan, qingdao, shandong_staff
    ):
        in_jinan = accepted_report(EnterpriseFactory(province=shandong, city=jinan))
        in_qingdao = accepted_report(EnterpriseFactory(province=shandong, city=qingdao))
        older = accepted_report(in_jinan.enterprise, 2024)
        steel = accepted_report(
            EnterpriseFactory(province=shandong, city=jinan, industry=industry("3110", "steel"))
        )
        client = client_as(shandong_staff)

        def listed(**params):
            return {row["report"] for row in client.get(ASSIGN, params).context["rows"]}

        assert listed() == {in_jinan, in_qingdao, steel}  # last year by default
        assert listed(year=2024) == {older}
        assert listed(city=qingdao.pk) == {in_qingdao}
        assert listed(sector="steel") == {steel}
        assert client.get(ASSIGN, {"year": "abc"}).status_code == 200  # ignored, not an error

    def test_renders_in_english_and_chinese(self, client_as, shandong_staff, institution, report):
        client = client_as(shandong_staff)
        english = client.get(ASSIGN, {"institution": institution.public_id}, **EN)
        chinese = client.get(ASSIGN, {"institution": institution.public_id}, **ZH)
        assert '<html lang="en">' in body(english) and '<html lang="zh-hans">' in body(chinese)
        assert report.enterprise.name_zh in body(chinese)

    def test_query_count_does_not_grow_with_the_rows(
        self, client_as, shandong, shandong_staff, institution, django_assert_num_queries
    ):
        client = client_as(shandong_staff)
        params = {"institution": institution.public_id}
        client.get(ASSIGN, params)  # warm the session

        def make(count):
            for _ in range(count):
                enterprise = EnterpriseFactory(province=shandong)
                accepted_report(enterprise)
                RelationshipFactory(institution=institution, enterprise=enterprise)

        make(2)
        with django_assert_num_queries(21):
            response = client.get(ASSIGN, params)
        assert len(response.context["rows"]) == 2
        make(10)
        with django_assert_num_queries(21):
            response = client.get(ASSIGN, params)
        assert len(response.context["rows"]) == 12
        assert all(row["reasons"] for row in response.context["rows"])


class TestWorkload:
    @pytest.fixture
    def spread(self, shandong, institution):
        """Power (due Jun 30) and steel (due Jul 31) assignments in every status."""
        generate_obligations(today=NOW.date())
        steel = industry("3110", "steel")
        statuses = [
            ("power", AssignmentStatus.ASSIGNED),
            ("power", AssignmentStatus.ASSIGNED),
            ("power", AssignmentStatus.CONCLUDED),
            ("power", AssignmentStatus.CONFIRMED),
            ("power", AssignmentStatus.WITHDRAWN),
            ("steel", AssignmentStatus.RETURNED),
            ("steel", AssignmentStatus.CONFIRMED),
        ]
        made = []
        for sector, status in statuses:
            enterprise = EnterpriseFactory(
                province=shandong, industry=steel if sector == "steel" else industry()
            )
            due = date(2026, 6, 30) if sector == "power" else date(2026, 7, 31)
            made.append(
                AssignmentFactory(
                    report=accepted_report(enterprise),
                    institution=institution,
                    status=status,
                    due_date=due,
                )
            )
        return made

    def test_counts_per_institution_and_deadline(
        self, client_as, shandong_staff, spread, time_machine
    ):
        time_machine.move_to(datetime(2026, 7, 5, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
        open_ = [a for a in spread if a.status != AssignmentStatus.WITHDRAWN]
        response = client_as(shandong_staff).get(WORKLOAD, **EN)
        [load] = response.context["loads"]
        rows = {row.due_date: row for row in load.deadlines}
        for due, row in rows.items():
            mine = [a for a in open_ if a.due_date == due]
            assert row.assigned == len(mine)
            assert row.in_progress == sum(
                a.status in (AssignmentStatus.ASSIGNED, AssignmentStatus.RETURNED) for a in mine
            )
            assert row.concluded == sum(a.status == AssignmentStatus.CONCLUDED for a in mine)
            assert row.confirmed == sum(a.status == AssignmentStatus.CONFIRMED for a in mine)
            assert row.overdue == sum(
                a.status != AssignmentStatus.CONFIRMED and due < date(2026, 7, 5) for a in mine
            )
            assert row.days_left == (due - date(2026, 7, 5)).days
        assert rows[date(2026, 6, 30)].overdue == 3 and rows[date(2026, 7, 31)].overdue == 0
        assert rows[date(2026, 6, 30)].sectors == ["Power generation"]
        assert rows[date(2026, 7, 31)].days_left == 26
        assert load.assigned == 6
        page = body(response)
        assert "2026-06-30" in page and "Power generation" in page

    def test_each_reader_sees_only_their_share(
        self, client_as, guangdong_staff, verifier_user, spread, guangdong, guangdong_enterprise
    ):
        theirs = InstitutionFactory(provinces=[guangdong])
        AssignmentFactory(report=accepted_report(guangdong_enterprise), institution=theirs)
        [load] = client_as(guangdong_staff).get(WORKLOAD).context["loads"]
        assert load.public_id == str(theirs.public_id) and load.assigned == 1
        [load] = client_as(verifier_user).get(WORKLOAD).context["loads"]
        assert load.assigned == 6
        other = users.verifier(theirs, username="gd-verifier")
        [load] = client_as(other).get(WORKLOAD).context["loads"]
        assert load.public_id == str(theirs.public_id)

    def test_enterprise_users_may_not_read_it_and_it_renders_in_chinese(
        self, client_as, shandong_enterprise_user, shandong_staff, spread
    ):
        assert client_as(shandong_enterprise_user).get(WORKLOAD).status_code == 403
        chinese = client_as(shandong_staff).get(WORKLOAD, {"year": 2025}, **ZH)
        assert chinese.status_code == 200 and '<html lang="zh-hans">' in body(chinese)

    def test_query_count_does_not_grow_with_the_rows(
        self, client_as, shandong, shandong_staff, django_assert_num_queries
    ):
        client = client_as(shandong_staff)
        client.get(WORKLOAD)

        def make(count):
            for _ in range(count):
                AssignmentFactory(
                    report=accepted_report(EnterpriseFactory(province=shandong)),
                    institution=InstitutionFactory(provinces=[shandong]),
                    due_date=date(2026, 6, 30),
                )

        make(2)
        with django_assert_num_queries(8):
            assert len(client.get(WORKLOAD).context["loads"]) == 2
        make(10)
        with django_assert_num_queries(8):
            assert len(client.get(WORKLOAD).context["loads"]) == 12
        assert open_count() == 12


def test_domain_error_for_an_empty_bulk(shandong_staff, institution, team):
    with pytest.raises(DomainError, match="Choose at least one report"):
        assignments.assign_many(
            actor=actor_for(shandong_staff), reports=[], institution=institution, team=team
        )
