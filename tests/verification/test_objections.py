"""Objections (services): filed by the enterprise's own users within the window of working days
(the last day accepted, the next refused), once; decided once, finally, by the province's staff;
an upheld decision with a revised figure changes the verified emissions exactly, a rejection
changes nothing; notifications; a late decision is taken and recorded as late.

The result of 2025 is confirmed on Mon 2026-09-28 in Shanghai: the 7 working days run across
National Day to Tue 2026-10-13 (see test_workdays.py); filed on Oct 13, the 10 re-review days
run to Tue 2026-10-27."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from core.errors import DomainError, NotFound, PermissionDenied
from core.models import AuditEvent
from deadlines.messages import describe
from deadlines.models import Notification, NotificationKind
from tests.factories import accounts as users
from tests.factories.units import CityFactory, EnterpriseFactory
from tests.factories.verification_objections import REPORTED, VERIFIED, confirmed_assignment
from units.models import AnnualEmissions, EmissionsSource
from verification import objections
from verification.models import AssignmentStatus, Objection, ObjectionStatus, VerifiedFigures

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Refusals are checked in English (the site's default language is Chinese)."""
    with translation.override("en"):
        yield


SHANGHAI = ZoneInfo("Asia/Shanghai")
CONFIRMED_AT = datetime(2026, 9, 28, 10, 0, tzinfo=SHANGHAI)
GROUNDS = "燃煤低位发热量采用了缺省值，但我厂有每日实测数据，请复核。"


def at(year, month, day, hour=10, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def clock(time_machine):
    def move(moment):
        time_machine.move_to(moment, tick=False)

    move(at(2026, 10, 9))
    return move


@pytest.fixture
def assignment(shandong_enterprise):
    return confirmed_assignment(shandong_enterprise, confirmed_at=CONFIRMED_AT)


@pytest.fixture
def owner(shandong_enterprise_user):
    return shandong_enterprise_user


def filed(owner, assignment, actor, grounds=GROUNDS):
    return objections.file_objection(actor=actor(owner), assignment=assignment, grounds=grounds)


def figures(assignment):
    verified = AnnualEmissions.objects.get(
        enterprise=assignment.enterprise, year=assignment.year, source=EmissionsSource.VERIFIED
    )
    reported = AnnualEmissions.objects.get(
        enterprise=assignment.enterprise, year=assignment.year, source=EmissionsSource.REPORTED
    )
    return (
        VerifiedFigures.objects.get(assignment=assignment).emissions,
        verified.direct_emissions,
        reported.direct_emissions,
    )


class TestFiling:
    def test_on_the_last_day_of_the_window_late_in_the_evening(
        self, clock, assignment, owner, actor
    ):
        clock(at(2026, 10, 13, 23, 30))
        objection = filed(owner, assignment, actor)
        assert (objection.filed_on, objection.decide_by) == (date(2026, 10, 13), date(2026, 10, 27))
        assert (objection.status, objection.grounds, objection.filed_by) == (
            ObjectionStatus.FILED,
            GROUNDS,
            owner,
        )
        event = AuditEvent.objects.get(target_type="verification.objection")
        assert event.changes["decide_by"]["after"] == "2026-10-27"
        assert event.tenant_code == "370000"

    def test_on_a_holiday_inside_the_window(self, clock, assignment, owner, actor):
        # Filed on Oct 3 (holiday): Oct 8 (1), 9 (2), 10 Sat (3), 12 (4), ... 20 Tue (10).
        clock(at(2026, 10, 3))
        assert filed(owner, assignment, actor).decide_by == date(2026, 10, 20)

    def test_the_day_after_the_window_is_refused(self, clock, assignment, owner, actor):
        clock(at(2026, 10, 14, 0, 5))
        with pytest.raises(DomainError) as refused:
            filed(owner, assignment, actor)
        assert "2026-10-13" in refused.value.message
        assert not Objection.objects.exists()
        assert not AuditEvent.objects.filter(target_type="verification.objection").exists()

    def test_only_once(self, clock, assignment, owner, actor):
        filed(owner, assignment, actor)
        with pytest.raises(DomainError) as refused:
            filed(owner, assignment, actor, grounds="再次提出。")
        assert "2026-10-09" in refused.value.message
        assert Objection.objects.get().grounds == GROUNDS

    def test_grounds_are_required(self, clock, assignment, owner, actor):
        with pytest.raises(DomainError) as refused:
            filed(owner, assignment, actor, grounds="   ")
        assert refused.value.field == "grounds"
        assert not Objection.objects.exists()

    def test_only_a_confirmed_result(self, clock, assignment, owner, actor):
        assignment.status = AssignmentStatus.CONCLUDED
        assignment.save()
        with pytest.raises(DomainError, match="confirmed"):
            filed(owner, assignment, actor)
        assert not Objection.objects.exists()

    def test_another_enterprises_user_cannot_see_it(self, clock, assignment, shandong, actor):
        neighbour = EnterpriseFactory(province=shandong, city=assignment.enterprise.city)
        stranger = users.enterprise_user(neighbour, username="ent-neighbour")
        with pytest.raises(NotFound):
            filed(stranger, assignment, actor)
        assert not Objection.objects.exists()

    @pytest.mark.parametrize("persona", ["shandong_staff", "verifier_user", "admin_user"])
    def test_only_the_enterprises_own_users_object(
        self, request, clock, assignment, actor, persona, institution
    ):
        assignment.institution = institution
        assignment.save()
        with pytest.raises(PermissionDenied):
            filed(request.getfixturevalue(persona), assignment, actor)
        assert not Objection.objects.exists()

    def test_the_provinces_staff_are_notified(
        self, clock, assignment, owner, actor, shandong, shandong_staff, jinan_staff,
        guangdong_staff,
    ):  # fmt: skip
        qingdao_staff = users.staff(shandong, city=CityFactory(province=shandong), username="qd")
        objection = filed(owner, assignment, actor)
        notices = Notification.objects.filter(kind=NotificationKind.OBJECTION_FILED)
        assert {n.recipient for n in notices} == {shandong_staff, jinan_staff}
        assert qingdao_staff not in {n.recipient for n in notices}
        assert notices.first().context == {
            "enterprise": "山东测试电厂",
            "year": 2025,
            "assignment": str(assignment.public_id),
            "decide_by": objection.decide_by.isoformat(),
        }
        message = describe(notices.first(), today=date(2026, 10, 9))
        assert message.url == assignment.get_absolute_url() and message.action_required
        assert "山东测试电厂" in message.title and "2026-10-22" in message.body


@pytest.fixture
def objection(clock, assignment, owner, actor):
    clock(at(2026, 10, 13))
    objection = filed(owner, assignment, actor)
    clock(at(2026, 10, 20))
    return objection


def decide(user, objection, actor, **kwargs):
    arguments = {"upheld": True, "decision": "经复核，采用实测低位发热量。", **kwargs}
    return objections.decide(actor=actor(user), objection=objection, **arguments)


class TestDeciding:
    def test_upheld_with_a_revised_figure_changes_the_verified_emissions_exactly(
        self, objection, assignment, shandong_staff, actor
    ):
        revised = Decimal("2351234.56")
        decided = decide(shandong_staff, objection, actor, revised_emissions=revised)
        assert (decided.status, decided.revised_emissions, decided.decided_by) == (
            ObjectionStatus.UPHELD,
            revised,
            shandong_staff,
        )
        assert figures(assignment) == (revised, revised, REPORTED)
        assert not objections.decided_late(decided)
        changes = {
            event.target_type: event.changes
            for event in AuditEvent.objects.filter(note=f"verification.objection:{objection.pk}")
        }
        assert changes == {
            "verification.verifiedfigures": {
                "emissions": {"before": "2400000.00", "after": "2351234.56"}
            },
            "units.annualemissions": {
                "direct_emissions": {"before": "2400000.00", "after": "2351234.56"}
            },
        }
        assignment.refresh_from_db()
        assert assignment.verified_emissions == VERIFIED  # the verifier's conclusion stays

    def test_upheld_without_a_figure_changes_no_figure(
        self, objection, assignment, shandong_staff, actor
    ):
        assert decide(shandong_staff, objection, actor).status == ObjectionStatus.UPHELD
        assert figures(assignment) == (VERIFIED, VERIFIED, REPORTED)

    def test_rejected_changes_nothing(self, objection, assignment, shandong_staff, actor):
        decided = decide(shandong_staff, objection, actor, upheld=False, decision="理由不成立。")
        assert (decided.status, decided.decision) == (ObjectionStatus.REJECTED, "理由不成立。")
        assert figures(assignment) == (VERIFIED, VERIFIED, REPORTED)
        assert not AuditEvent.objects.filter(note__startswith="verification.objection").exists()

    def test_a_revised_figure_with_a_rejection_is_refused(
        self, objection, assignment, shandong_staff, actor
    ):
        with pytest.raises(DomainError) as refused:
            decide(shandong_staff, objection, actor, upheld=False, revised_emissions=Decimal(1))
        assert refused.value.field == "revised_emissions"
        objection.refresh_from_db()
        assert objection.status == ObjectionStatus.FILED
        assert figures(assignment) == (VERIFIED, VERIFIED, REPORTED)

    @pytest.mark.parametrize("bad", [Decimal("-1"), Decimal("1.005"), Decimal("1e12")])
    def test_a_bad_revised_figure_is_refused(
        self, objection, assignment, shandong_staff, actor, bad
    ):
        with pytest.raises(DomainError) as refused:
            decide(shandong_staff, objection, actor, revised_emissions=bad)
        assert refused.value.field == "revised_emissions"
        assert figures(assignment) == (VERIFIED, VERIFIED, REPORTED)

    def test_the_decision_text_is_required(self, objection, shandong_staff, actor):
        with pytest.raises(DomainError) as refused:
            decide(shandong_staff, objection, actor, decision=" ")
        assert refused.value.field == "decision"
        objection.refresh_from_db()
        assert objection.status == ObjectionStatus.FILED

    def test_the_decision_is_final(self, objection, assignment, shandong_staff, actor):
        decide(shandong_staff, objection, actor, upheld=False, decision="理由不成立。")
        with pytest.raises(DomainError, match="final"):
            decide(shandong_staff, objection, actor, revised_emissions=Decimal("1.00"))
        objection.refresh_from_db()
        assert (objection.status, objection.decision) == (ObjectionStatus.REJECTED, "理由不成立。")
        assert figures(assignment) == (VERIFIED, VERIFIED, REPORTED)

    def test_the_units_city_staff_may_decide(self, objection, jinan_staff, actor):
        assert decide(jinan_staff, objection, actor).decided_by == jinan_staff

    def test_staff_of_another_province_or_city_cannot_see_it(
        self, objection, guangdong_staff, shandong, actor
    ):
        qingdao_staff = users.staff(shandong, city=CityFactory(province=shandong), username="qd")
        for outsider in (guangdong_staff, qingdao_staff):
            with pytest.raises(NotFound):
                decide(outsider, objection, actor)
        objection.refresh_from_db()
        assert objection.status == ObjectionStatus.FILED

    @pytest.mark.parametrize("persona", ["owner", "ministry_user", "admin_user"])
    def test_only_the_provinces_staff_decide(self, request, objection, actor, persona):
        with pytest.raises(PermissionDenied):
            decide(request.getfixturevalue(persona), objection, actor)
        objection.refresh_from_db()
        assert objection.status == ObjectionStatus.FILED

    def test_a_late_decision_is_taken_and_recorded_as_late(
        self, clock, objection, assignment, shandong_staff, actor
    ):
        clock(at(2026, 10, 28, 9))  # due by Oct 27
        assert objections.is_overdue(objection, date(2026, 10, 28))
        decided = decide(shandong_staff, objection, actor, revised_emissions=Decimal("2390000"))
        assert objections.decided_late(decided)
        assert figures(assignment)[0] == Decimal("2390000.00")
        event = AuditEvent.objects.get(target_type="verification.objection", action="status")
        assert "2026-10-27" in event.note

    def test_on_the_due_day_is_on_time(self, clock, objection, shandong_staff, actor):
        clock(at(2026, 10, 27, 23, 50))
        assert not objections.decided_late(decide(shandong_staff, objection, actor))

    def test_the_enterprise_is_notified_in_each_users_language(
        self, objection, assignment, owner, shandong_enterprise, shandong_staff, actor
    ):
        english = users.enterprise_user(shandong_enterprise, username="ent-en")
        english.language = "en"
        english.save()
        decide(shandong_staff, objection, actor, revised_emissions=Decimal("2351234.56"))
        notices = {
            n.recipient: n.context
            for n in Notification.objects.filter(kind=NotificationKind.OBJECTION_DECIDED)
        }
        assert set(notices) == {owner, english}
        assert notices[english]["outcome"] == "Upheld"
        with translation.override("zh-hans"):
            assert notices[owner]["outcome"] == str(ObjectionStatus.UPHELD.label)
        assert notices[english] | {"outcome": ""} == {
            "enterprise": "山东测试电厂",
            "year": 2025,
            "assignment": str(assignment.public_id),
            "outcome": "",
            "decision": "经复核，采用实测低位发热量。",
            "emissions": "2351234.56",
        }
        with translation.override("en"):
            message = describe(
                Notification.objects.get(recipient=english), today=date(2026, 10, 20)
            )
        assert message.url == assignment.get_absolute_url()
        assert "Upheld" in message.title and message.body == "经复核，采用实测低位发热量。"


class TestReads:
    def test_staff_list_filters_by_status_and_stays_in_the_province(
        self, objection, guangdong_enterprise, guangdong_staff, shandong_staff, actor, clock
    ):
        other = confirmed_assignment(guangdong_enterprise, confirmed_at=CONFIRMED_AT)
        guangdong_owner = users.enterprise_user(guangdong_enterprise, username="ent-gd")
        clock(at(2026, 10, 9))
        theirs = filed(guangdong_owner, other, actor)
        staff = actor(shandong_staff)
        assert list(objections.staff_objections(actor=staff)) == [objection]
        assert list(objections.staff_objections(actor=staff, status="upheld")) == []
        assert list(objections.staff_objections(actor=actor(guangdong_staff))) == [theirs]
        with pytest.raises(NotFound):
            objections.objection_detail(actor=staff, public_id=theirs.public_id)
