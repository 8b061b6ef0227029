"""The province confirms or returns a verification conclusion. Confirmation writes the verified
figures exactly once, the unit's verified emissions for the year, meets the verification
obligation (on time or late) and tells the enterprise, with the last day to object counted in
working days across the National Day holiday; the notice of the result is a Chinese PDF.
Returning sends the work back to the verifiers. Other provinces get 404, nothing changes."""

import subprocess
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from accounts.scoping import actor_for
from core.errors import DomainError
from core.models import AuditEvent
from deadlines import mail as mailer
from deadlines.models import Notification, NotificationKind, Obligation, ObligationStatus
from tests.factories import accounts as users
from tests.factories.units import AnnualEmissionsFactory
from tests.factories.verification import AssignmentFactory, InstitutionFactory
from tests.factories.verification_work import VERIFIED_EMISSIONS, concluded, power_assignment
from units.models import AnnualEmissions, EmissionsSource
from verification import confirmation
from verification.models import AssignmentStatus, VerificationPolicy, VerifiedFigures

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English (the site's default language is Chinese); pages follow
    the request's language."""
    with translation.override("en"):
        yield


SHANGHAI = ZoneInfo("Asia/Shanghai")
ON_TIME = datetime(2026, 6, 20, 10, 0, tzinfo=SHANGHAI)  # power verification is due Jun 30
LATE = datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(ON_TIME, tick=False)


@pytest.fixture
def assignment(shandong_enterprise, institution, verifier_user):
    return concluded(
        power_assignment(shandong_enterprise, institution, team=[verifier_user]), by=verifier_user
    )


@pytest.fixture
def other_verifier(shandong):
    return users.verifier(InstitutionFactory(provinces=[shandong]), username="other-verifier")


@pytest.fixture
def qingdao_staff(shandong, qingdao):
    return users.staff(shandong, city=qingdao, username="qingdao-staff")


def withdrawn_earlier(assignment):
    """An earlier, withdrawn assignment of the same report (the one-open rule allows it)."""
    return AssignmentFactory(report=assignment.report, status=AssignmentStatus.WITHDRAWN)


def url(name, assignment):
    return reverse(f"verification:{name}", kwargs={"public_id": assignment.public_id})


def body(response) -> str:
    return response.content.decode()


def pdf_text(content: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return done.stdout.decode()


def state(assignment):
    assignment.refresh_from_db()
    return (
        assignment.status,
        assignment.times_returned,
        assignment.review_comment,
        VerifiedFigures.objects.count(),
        AnnualEmissions.objects.filter(source=EmissionsSource.VERIFIED).count(),
        Notification.objects.count(),
        AuditEvent.objects.count(),
    )


def verification_obligation(enterprise) -> Obligation:
    return Obligation.objects.get(
        enterprise=enterprise, kind="verification", period_start=date(2025, 1, 1)
    )


class TestConfirm:
    def test_confirmation_makes_the_figures_final_and_tells_the_enterprise(
        self, client_as, shandong_staff, shandong_enterprise_user, assignment
    ):
        shandong_enterprise_user.email = "energy@example.cn"
        shandong_enterprise_user.save()
        client = client_as(shandong_staff)
        assert "Confirm or return the conclusion" in body(
            client.get(assignment.get_absolute_url(), **EN)
        )
        response = client.post(url("assignment-confirm", assignment))
        assert response.status_code == 302

        assignment.refresh_from_db()
        assert assignment.status == AssignmentStatus.CONFIRMED
        assert assignment.confirmed_by == shandong_staff
        figures = VerifiedFigures.objects.get()
        assert (figures.assignment, figures.enterprise, figures.year) == (
            assignment,
            assignment.enterprise,
            2025,
        )
        assert figures.emissions == VERIFIED_EMISSIONS
        assert figures.confirmed_on == date(2026, 6, 20)
        assert sorted((row["facility_name"], row["item"], row["value"], row["unit"])
                      for row in figures.activity) == [
            ("1号机组", "heat_supplied", "0.0000", "GJ"),
            ("1号机组", "power_generated", "1500000.0000", "MWh"),
            ("2号机组", "heat_supplied", "0.0000", "GJ"),
            ("2号机组", "power_generated", "1500000.0000", "MWh"),
        ]  # fmt: skip
        verified = AnnualEmissions.objects.get(
            enterprise=assignment.enterprise, year=2025, source=EmissionsSource.VERIFIED
        )
        assert verified.direct_emissions == VERIFIED_EMISSIONS
        obligation = verification_obligation(assignment.enterprise)
        assert obligation.status == ObligationStatus.MET_ON_TIME
        assert obligation.fulfilment == f"verification.assignment:{assignment.pk}"

        notice = Notification.objects.get(kind=NotificationKind.VERIFICATION_RESULT)
        assert notice.recipient == shandong_enterprise_user
        # Confirmed Sat 2026-06-20: 7 working days are Jun 22-26 (Mon-Fri) and Jun 29-30.
        assert notice.context == {
            "enterprise": "山东测试电厂",
            "year": 2025,
            "assignment": str(assignment.public_id),
            "emissions": "2431234.56",
            "objection_until": "2026-06-30",
            "window_days": 7,
        }
        mailer.send_pending(today=ON_TIME.date())
        assert [message.to for message in mail.outbox] == [["energy@example.cn"]]
        assert AuditEvent.objects.filter(actor=shandong_staff).count() == 4  # +obligation

        page = body(client_as(shandong_enterprise_user).get(assignment.get_absolute_url(), **EN))
        assert "2431234.56" in page and "Notice of the verification result (PDF)" in page
        assert "in progress" not in page

    def test_confirmed_late_after_the_due_date_and_objection_window_across_national_day(
        self, client_as, time_machine, shandong_staff, shandong_enterprise_user, assignment
    ):
        time_machine.move_to(LATE, tick=False)
        client_as(shandong_staff).post(url("assignment-confirm", assignment))

        obligation = verification_obligation(assignment.enterprise)
        assert obligation.status == ObligationStatus.MET_LATE
        notice = Notification.objects.get(kind=NotificationKind.VERIFICATION_RESULT)
        # Confirmed Wed 2026-09-30. The State Council's 2026 schedule: Oct 1-7 off (National
        # Day and its bridge days), Sat Oct 10 a make-up working day
        # (chinese_calendar.is_workday(date(2026, 10, 10)) is True). The 7 working days after
        # the confirmation: Oct 8 (1), Oct 9 (2), Sat Oct 10 (3), Oct 12 (4), Oct 13 (5),
        # Oct 14 (6), Oct 15 (7); Sun Oct 11 is off.
        assert notice.context["objection_until"] == "2026-10-15"

        response = client_as(shandong_enterprise_user).get(url("assignment-notice-pdf", assignment))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        text = pdf_text(response.content)
        for expected in (
            "山东省生态环境厅",
            "核查结果告知书",
            "山东测试电厂",
            assignment.enterprise.uscc,
            "2025年度",
            "2,431,234.56",
            assignment.institution.name_zh,
            "7个工作日",
            "2026年10月15日",
            "2026年9月30日",
            "1,500,000",
            "发电量",
            "印章",
        ):
            assert expected in text, expected

    def test_an_earlier_verified_figure_is_replaced_not_duplicated(
        self, actor, shandong_staff, assignment
    ):
        AnnualEmissionsFactory(
            enterprise=assignment.enterprise, year=2025, source="verified", direct_emissions=1
        )
        confirmation.confirm(actor=actor(shandong_staff), assignment=assignment)
        rows = AnnualEmissions.objects.filter(
            enterprise=assignment.enterprise, year=2025, source=EmissionsSource.VERIFIED
        )
        assert [row.direct_emissions for row in rows] == [VERIFIED_EMISSIONS]

    def test_confirmed_exactly_once(self, client_as, actor, shandong_staff, assignment):
        confirmation.confirm(actor=actor(shandong_staff), assignment=assignment)
        before = state(assignment)
        with pytest.raises(DomainError, match="already confirmed"):
            confirmation.confirm(actor=actor(shandong_staff), assignment=assignment)
        response = client_as(shandong_staff).post(url("assignment-confirm", assignment), **EN)
        assert response.status_code == 400
        assert "This verification is already confirmed." in body(response)
        assert state(assignment) == before
        # The database refuses a second set of figures for the unit and year, whatever path.
        with pytest.raises(IntegrityError), transaction.atomic():
            VerifiedFigures.objects.create(
                assignment=withdrawn_earlier(assignment),
                enterprise=assignment.enterprise,
                year=2025,
                emissions=Decimal(1),
                confirmed_on=date(2026, 6, 21),
            )
        assert state(assignment) == before

    def test_figures_already_written_for_the_year_refuse_the_confirmation(
        self, actor, shandong_staff, assignment
    ):
        earlier = withdrawn_earlier(assignment)
        VerifiedFigures.objects.create(
            assignment=earlier,
            enterprise=assignment.enterprise,
            year=2025,
            emissions=Decimal(1),
            confirmed_on=date(2026, 6, 1),
        )
        before = state(assignment)
        with pytest.raises(DomainError, match="written once"):
            confirmation.confirm(actor=actor(shandong_staff), assignment=assignment)
        assert state(assignment) == before

    def test_only_a_submitted_conclusion_is_confirmed(self, client_as, shandong_staff, assignment):
        assignment.status = AssignmentStatus.ASSIGNED
        assignment.save()
        before = state(assignment)
        response = client_as(shandong_staff).post(url("assignment-confirm", assignment), **EN)
        assert response.status_code == 400
        assert "Only a submitted conclusion" in body(response)
        assert state(assignment) == before

    def test_without_a_policy_nothing_is_written(self, actor, shandong_staff, assignment):
        VerificationPolicy.objects.all().delete()
        before = state(assignment)
        with pytest.raises(DomainError, match="policy"):
            confirmation.confirm(actor=actor(shandong_staff), assignment=assignment)
        assert state(assignment) == before
        assert not Obligation.objects.filter(kind="verification", met_at__isnull=False).exists()


class TestReturn:
    def test_returned_with_a_comment_the_verifiers_correct_and_submit_again(
        self, client_as, actor, shandong_staff, verifier_user, assignment
    ):
        outsider = users.verifier(assignment.institution, username="not-on-the-team")
        response = client_as(shandong_staff).post(
            url("assignment-return", assignment), {"comment": "请补充2号机组供热量的依据。"}
        )
        assert response.status_code == 302
        assignment.refresh_from_db()
        assert assignment.status == AssignmentStatus.RETURNED
        assert assignment.times_returned == 1
        assert assignment.review_comment == "请补充2号机组供热量的依据。"
        notice = Notification.objects.get(kind=NotificationKind.VERIFICATION_RETURNED)
        assert notice.recipient == verifier_user and notice.recipient != outsider
        assert notice.context["comment"] == "请补充2号机组供热量的依据。"

        client = client_as(verifier_user)
        page = body(client.get(assignment.get_absolute_url(), **EN))
        assert "请补充2号机组供热量的依据。" in page
        assert (
            client.post(
                url("assignment-emissions", assignment), {"emissions": "2431300"}
            ).status_code
            == 302
        )
        response = client.post(url("assignment-conclude", assignment), {"conclusion": "已修正。"})
        assert response.status_code == 302
        confirmation.return_conclusion(
            actor=actor(shandong_staff), assignment=assignment, comment="仍需说明。"
        )
        assignment.refresh_from_db()
        assert assignment.times_returned == 2
        assert Notification.objects.filter(kind=NotificationKind.VERIFICATION_RETURNED).count() == 2

    def test_a_return_needs_a_comment(self, client_as, shandong_staff, assignment):
        before = state(assignment)
        response = client_as(shandong_staff).post(
            url("assignment-return", assignment), {"comment": " "}, **EN
        )
        assert response.status_code == 400
        assert "comment" in response.context["return_form"].errors
        assert state(assignment) == before
        with pytest.raises(DomainError) as refused:
            confirmation.return_conclusion(
                actor=actor_for(shandong_staff),
                assignment=assignment,
                comment="",
            )
        assert refused.value.field == "comment"


class TestWhoDecides:
    @pytest.mark.parametrize("persona", ["guangdong_staff", "other_verifier", "qingdao_staff"])
    def test_outside_the_scope_404_and_nothing_changes(
        self, client_as, request, assignment, persona
    ):
        client = client_as(request.getfixturevalue(persona))
        before = state(assignment)
        assert client.get(assignment.get_absolute_url()).status_code == 404
        assert client.post(url("assignment-confirm", assignment)).status_code == 404
        assert (
            client.post(url("assignment-return", assignment), {"comment": "x"}).status_code == 404
        )
        assert client.get(url("assignment-notice-pdf", assignment)).status_code == 404
        assert state(assignment) == before

    @pytest.mark.parametrize(
        "persona", ["verifier_user", "shandong_enterprise_user", "ministry_user"]
    )
    def test_the_verifier_the_enterprise_and_the_ministry_may_not_decide(
        self, client_as, request, assignment, persona
    ):
        client = client_as(request.getfixturevalue(persona))
        before = state(assignment)
        assert client.post(url("assignment-confirm", assignment)).status_code == 403
        assert (
            client.post(url("assignment-return", assignment), {"comment": "x"}).status_code == 403
        )
        assert state(assignment) == before

    def test_city_staff_of_the_units_city_decide(self, client_as, jinan_staff, assignment):
        assert client_as(jinan_staff).post(url("assignment-confirm", assignment)).status_code == 302
        assert VerifiedFigures.objects.filter(assignment=assignment).exists()


class TestNotice:
    def test_the_notice_exists_only_once_confirmed(
        self, client_as, shandong_enterprise_user, assignment
    ):
        client = client_as(shandong_enterprise_user)
        assert client.get(url("assignment-notice-pdf", assignment)).status_code == 404
        page = body(client.get(assignment.get_absolute_url(), **EN))
        assert "in progress" in page and "2431234.56" not in page

    @pytest.mark.parametrize(
        ("persona", "status"),
        [
            ("shandong_enterprise_user", 200),
            ("shandong_staff", 200),
            ("ministry_user", 200),
            ("verifier_user", 403),
        ],
    )
    def test_who_gets_the_notice(
        self, client_as, actor, request, shandong_staff, assignment, persona, status
    ):
        confirmation.confirm(actor=actor(shandong_staff), assignment=assignment)
        response = client_as(request.getfixturevalue(persona)).get(
            url("assignment-notice-pdf", assignment)
        )
        assert response.status_code == status

    @pytest.mark.parametrize("headers", [EN, ZH])
    def test_the_confirmed_page_renders_in_both_languages(
        self, client_as, actor, shandong_staff, shandong_enterprise_user, assignment, headers
    ):
        confirmation.confirm(actor=actor(shandong_staff), assignment=assignment)
        for user in (shandong_staff, shandong_enterprise_user):
            page = body(client_as(user).get(assignment.get_absolute_url(), **headers))
            assert "2431234.56" in page and "1号机组" in page
            assert ('lang="zh-hans"' in page) == (headers is ZH)
