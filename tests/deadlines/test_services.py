"""Meeting obligations (the interface other apps call, and by hand) and extensions."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.scoping import ANONYMOUS
from core.errors import DomainError, NotFound, PermissionDenied
from core.models import AuditEvent
from deadlines import services
from deadlines.generation import generate_obligations
from deadlines.models import (
    ExtensionRequest,
    Notification,
    NotificationKind,
    Obligation,
    ObligationStatus,
)
from deadlines.sweep import sweep, update_statuses
from tests.deadlines.support import obligation, unit_user
from tests.factories import accounts as users
from tests.factories.units import EnterpriseFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
LAST_YEAR = date(2025, 1, 1)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def in_utc(*args) -> datetime:
    """A Shanghai wall-clock time as the UTC instant other apps pass (timezone.now())."""
    return at(*args).astimezone(UTC)


@pytest.fixture
def annual_report(shandong_enterprise):
    """The Jinan power unit's 2025 annual report, due 2026-03-31."""
    generate_obligations(today=date(2026, 3, 1))
    return obligation(shandong_enterprise, "annual_report")


@pytest.fixture
def missed_report(annual_report):
    update_statuses(today=date(2026, 4, 1))
    annual_report.refresh_from_db()
    assert annual_report.status == ObligationStatus.MISSED
    return annual_report


def fulfil(enterprise, met_at, *, kind="annual_report", period_start=LAST_YEAR, **kwargs):
    return services.fulfil(
        actor=ANONYMOUS,
        kind=kind,
        period_start=period_start,
        enterprise=enterprise,
        met_at=met_at,
        **kwargs,
    )


# --- fulfil(): the interface other apps call -------------------------------------------------


def test_fulfilling_by_2330_shanghai_on_the_due_day_is_on_time(shandong_enterprise, annual_report):
    met = fulfil(shandong_enterprise, in_utc(2026, 3, 31, 23, 30), fulfilment="reporting.report:7")

    assert met.pk == annual_report.pk
    met.refresh_from_db()
    assert met.status == ObligationStatus.MET_ON_TIME
    assert met.met_at == at(2026, 3, 31, 23, 30)
    assert met.fulfilment == "reporting.report:7"


def test_fulfilling_ten_past_midnight_shanghai_after_the_due_day_is_late(
    shandong_enterprise, annual_report
):
    # Still 2026-03-31 in UTC: the Shanghai date decides.
    met = fulfil(shandong_enterprise, in_utc(2026, 4, 1, 0, 10))
    assert in_utc(2026, 4, 1, 0, 10).date() == date(2026, 3, 31)

    met.refresh_from_db()
    assert met.status == ObligationStatus.MET_LATE


def test_fulfilling_is_audited_with_before_and_after(shandong_enterprise, annual_report):
    fulfil(shandong_enterprise, at(2026, 3, 20, 9, 0), fulfilment="reporting.report:7")

    [event] = AuditEvent.objects.for_target(annual_report)
    assert event.tenant_code == "370000"
    assert event.changes["status"] == {"before": "open", "after": "met_on_time"}
    assert event.changes["fulfilment"] == {"before": "", "after": "reporting.report:7"}
    assert event.changes["met_at"]["before"] is None


def test_fulfilling_twice_changes_nothing_the_second_time(shandong_enterprise, annual_report):
    first = fulfil(shandong_enterprise, at(2026, 3, 20, 9, 0), fulfilment="reporting.report:7")
    second = fulfil(shandong_enterprise, at(2026, 4, 20, 9, 0), fulfilment="reporting.report:8")

    assert second.pk == first.pk
    second.refresh_from_db()
    assert second.status == ObligationStatus.MET_ON_TIME
    assert second.met_at == at(2026, 3, 20, 9, 0)
    assert second.fulfilment == "reporting.report:7"
    assert AuditEvent.objects.for_target(annual_report).count() == 1


def test_fulfilling_an_obligation_the_unit_does_not_have_returns_none(shandong_enterprise):
    # A power unit in the market files no supplementary report.
    assert fulfil(shandong_enterprise, at(2026, 3, 20, 9, 0), kind="supplementary_report") is None
    assert not Obligation.objects.filter(kind="supplementary_report").exists()


def test_fulfilling_before_the_sweep_created_the_obligation_creates_it(shandong_enterprise):
    assert not Obligation.objects.exists()

    met = fulfil(
        shandong_enterprise,
        at(2026, 4, 15, 10, 0),
        kind="monthly_certification",
        period_start=date(2026, 3, 1),
    )

    assert met is not None
    met.refresh_from_db()
    assert (met.period_start, met.due_on) == (date(2026, 3, 1), date(2026, 5, 10))
    assert met.status == ObligationStatus.MET_ON_TIME
    assert (
        Obligation.objects.filter(
            enterprise=shandong_enterprise, kind="monthly_certification"
        ).count()
        == 4
    )


def test_fulfilling_records_the_user_who_met_it(shandong_enterprise, annual_report, actor):
    user = users.enterprise_user(shandong_enterprise, username="reporter")

    met = services.fulfil(
        actor=actor(user),
        kind="annual_report",
        period_start=LAST_YEAR,
        enterprise=shandong_enterprise,
        met_at=at(2026, 3, 2, 9, 0),
    )

    met.refresh_from_db()
    assert met.met_by == user
    assert AuditEvent.objects.for_target(met).get().actor == user


def test_a_missed_obligation_fulfilled_late_is_met_late(shandong_enterprise, missed_report):
    met = fulfil(shandong_enterprise, at(2026, 4, 3, 9, 0))

    met.refresh_from_db()
    assert met.status == ObligationStatus.MET_LATE


def test_an_obligation_with_an_extended_due_date_is_on_time_until_that_date(
    shandong_enterprise, annual_report
):
    Obligation.objects.filter(pk=annual_report.pk).update(due_on=date(2026, 4, 30))

    met = fulfil(shandong_enterprise, at(2026, 4, 30, 22, 0))

    met.refresh_from_db()
    assert met.status == ObligationStatus.MET_ON_TIME


def test_fulfilling_many_marks_each_units_obligation_once_in_fixed_queries(
    shandong_enterprise, guangdong_enterprise, annual_report, django_assert_max_num_queries
):
    generate_obligations(today=date(2026, 3, 1))
    met_already = fulfil(guangdong_enterprise, at(2026, 3, 5, 9, 0), fulfilment="earlier")
    more = [EnterpriseFactory(province=shandong_enterprise.province) for _ in range(4)]
    ids = [shandong_enterprise.pk, guangdong_enterprise.pk, *(unit.pk for unit in more)]
    audited_before = set(AuditEvent.objects.values_list("pk", flat=True))

    marked = services.fulfil_many(
        actor=ANONYMOUS,
        kind="annual_report",
        period_start=LAST_YEAR,
        enterprise_ids=ids,
        met_at=at(2026, 4, 2, 9, 0),
        fulfilment="quotas.allocationbatch:1",
    )

    # The units the sweep had not reached get their obligation first; the one met stays.
    assert {o.enterprise_id for o in marked} == set(ids) - {guangdong_enterprise.pk}
    rows = Obligation.objects.filter(kind="annual_report", enterprise_id__in=ids)
    assert {(o.enterprise_id, o.status, o.fulfilment) for o in rows} == {
        *((pk, ObligationStatus.MET_LATE, "quotas.allocationbatch:1") for pk in set(ids)
          - {guangdong_enterprise.pk}),
        (guangdong_enterprise.pk, ObligationStatus.MET_ON_TIME, "earlier"),
    }  # fmt: skip
    assert met_already.pk not in {o.pk for o in marked}
    events = AuditEvent.objects.filter(target_type="deadlines.obligation").exclude(
        pk__in=audited_before
    )
    assert sorted(int(e.target_id) for e in events) == sorted(o.pk for o in marked)
    assert {e.changes["status"]["after"] for e in events} == {ObligationStatus.MET_LATE}

    # However many units: the same queries (calendar rules, existing, created, lock, update).
    more += [EnterpriseFactory(province=shandong_enterprise.province) for _ in range(5)]
    with django_assert_max_num_queries(25) as queries:
        services.fulfil_many(
            actor=ANONYMOUS,
            kind="annual_report",
            period_start=LAST_YEAR,
            enterprise_ids=[unit.pk for unit in more[4:]],
            met_at=at(2026, 4, 2, 9, 0),
        )
    few = len(queries)
    more += [EnterpriseFactory(province=shandong_enterprise.province) for _ in range(12)]
    with django_assert_max_num_queries(few):
        services.fulfil_many(
            actor=ANONYMOUS,
            kind="annual_report",
            period_start=LAST_YEAR,
            enterprise_ids=[unit.pk for unit in more[9:]],
            met_at=at(2026, 4, 2, 9, 0),
        )


def test_fulfilling_many_of_no_unit_does_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert (
            services.fulfil_many(
                actor=ANONYMOUS, kind="annual_report", period_start=LAST_YEAR, enterprise_ids=[]
            )
            == []
        )


# --- Marking as met by hand ------------------------------------------------------------------


@time_machine.travel(at(2026, 3, 10, 9, 0), tick=False)
def test_provincial_staff_mark_an_obligation_met_with_a_note(annual_report, shandong_staff, actor):
    met = services.mark_met_manually(
        actor=actor(shandong_staff), obligation=annual_report, note="  纸质报告已于3月9日提交  "
    )

    met.refresh_from_db()
    assert met.status == ObligationStatus.MET_ON_TIME
    assert met.met_by == shandong_staff
    assert met.met_note == "纸质报告已于3月9日提交"
    assert met.fulfilment == ""
    [event] = AuditEvent.objects.for_target(met)
    assert event.actor == shandong_staff
    assert event.note == "纸质报告已于3月9日提交"
    assert event.changes["status"] == {"before": "open", "after": "met_on_time"}
    assert event.changes["met_note"] == {"before": "", "after": "纸质报告已于3月9日提交"}


@time_machine.travel(at(2026, 4, 2, 9, 0), tick=False)
def test_marking_a_missed_obligation_met_makes_it_met_late(missed_report, jinan_staff, actor):
    met = services.mark_met_manually(
        actor=actor(jinan_staff), obligation=missed_report, note="补交"
    )

    met.refresh_from_db()
    assert met.status == ObligationStatus.MET_LATE
    [event] = AuditEvent.objects.for_target(met)
    assert event.changes["status"] == {"before": "missed", "after": "met_late"}


def test_marking_met_requires_a_note(annual_report, shandong_staff, actor):
    with pytest.raises(DomainError) as error:
        services.mark_met_manually(actor=actor(shandong_staff), obligation=annual_report, note=" ")

    assert error.value.field == "note"
    annual_report.refresh_from_db()
    assert annual_report.status == ObligationStatus.OPEN


def test_marking_an_already_met_obligation_is_refused(
    shandong_enterprise, annual_report, shandong_staff, actor
):
    fulfil(shandong_enterprise, at(2026, 3, 2, 9, 0))

    with pytest.raises(DomainError):
        services.mark_met_manually(actor=actor(shandong_staff), obligation=annual_report, note="x")


@pytest.mark.parametrize("persona", ["guangdong_staff", "qingdao_staff"])
def test_staff_outside_the_units_area_cannot_find_the_obligation(
    persona, annual_report, request, actor
):
    user = request.getfixturevalue(persona)

    with pytest.raises(NotFound):
        services.mark_met_manually(actor=actor(user), obligation=annual_report, note="x")

    annual_report.refresh_from_db()
    assert annual_report.status == ObligationStatus.OPEN


@pytest.mark.parametrize("persona", ["shandong_enterprise_user", "ministry_user"])
def test_enterprise_users_and_the_ministry_may_not_mark_met(persona, annual_report, request, actor):
    with pytest.raises(PermissionDenied):
        services.mark_met_manually(
            actor=actor(request.getfixturevalue(persona)), obligation=annual_report, note="x"
        )

    annual_report.refresh_from_db()
    assert annual_report.status == ObligationStatus.OPEN
    assert not AuditEvent.objects.for_target(annual_report).exists()


# --- Extensions ------------------------------------------------------------------------------


@pytest.fixture
def requester(shandong_enterprise):
    return unit_user(shandong_enterprise, "ent-requester")


def ask(actor, user, obligation_, due_on=date(2026, 5, 15), reason="锅炉检修，数据需复核"):
    return services.request_extension(
        actor=actor(user), obligation=obligation_, requested_due_on=due_on, reason=reason
    )


def decide(actor, user, request_, *, grant=True, due_on=date(2026, 5, 15), note=""):
    return services.decide_extension(
        actor=actor(user), request=request_, grant=grant, granted_due_on=due_on, note=note
    )


def test_the_enterprises_user_requests_an_extension_and_the_provinces_staff_are_told(
    annual_report, requester, shandong_staff, jinan_staff, qingdao_staff, guangdong_staff, actor
):
    request_ = ask(actor, requester, annual_report)

    assert request_.status == "pending"
    assert (request_.requested_by, request_.requested_due_on) == (requester, date(2026, 5, 15))
    assert request_.reason == "锅炉检修，数据需复核"
    [event] = AuditEvent.objects.for_target(request_)
    assert (event.action, event.actor, event.tenant_code) == ("create", requester, "370000")
    told = Notification.objects.filter(kind=NotificationKind.EXTENSION_REQUESTED)
    # The province-wide staff and the unit's city's staff; not another city's or province's.
    assert set(told.values_list("recipient", flat=True)) == {shandong_staff.pk, jinan_staff.pk}
    assert qingdao_staff.pk not in set(told.values_list("recipient", flat=True))
    assert guangdong_staff.pk not in set(told.values_list("recipient", flat=True))
    message = told.get(recipient=shandong_staff)
    assert message.obligation == annual_report
    assert message.context["reason"] == "锅炉检修，数据需复核"
    assert message.context["due_on"] == "2026-03-31"


@pytest.mark.parametrize("persona", ["shandong_staff", "ministry_user"])
def test_only_the_enterprises_own_users_may_request_an_extension(
    persona, annual_report, request, actor
):
    with pytest.raises(PermissionDenied):
        ask(actor, request.getfixturevalue(persona), annual_report)

    assert not ExtensionRequest.objects.exists()


def test_another_enterprises_user_cannot_find_the_obligation(annual_report, make_unit, actor):
    stranger = users.enterprise_user(make_unit("power"), username="other-unit-user")

    with pytest.raises(NotFound):
        ask(actor, stranger, annual_report)


@pytest.mark.parametrize("due_on", [date(2026, 3, 31), date(2026, 3, 30)])
def test_the_requested_date_must_be_after_the_current_due_date(
    annual_report, requester, actor, due_on
):
    with pytest.raises(DomainError) as error:
        ask(actor, requester, annual_report, due_on=due_on)

    assert error.value.field == "requested_due_on"


def test_an_extension_request_needs_a_reason(annual_report, requester, actor):
    with pytest.raises(DomainError) as error:
        ask(actor, requester, annual_report, reason="   ")

    assert error.value.field == "reason"
    assert not ExtensionRequest.objects.exists()


def test_only_one_request_may_wait_for_a_decision(annual_report, requester, actor, shandong_staff):
    first = ask(actor, requester, annual_report)

    with pytest.raises(DomainError):
        ask(actor, requester, annual_report, due_on=date(2026, 6, 30))

    decide(actor, shandong_staff, first, grant=False, note="材料不全")
    second = ask(actor, requester, annual_report, due_on=date(2026, 6, 30))
    assert second.status == "pending"


def test_a_met_obligation_cannot_be_extended(shandong_enterprise, annual_report, requester, actor):
    fulfil(shandong_enterprise, at(2026, 3, 2, 9, 0))

    with pytest.raises(DomainError):
        ask(actor, requester, annual_report)


@time_machine.travel(at(2026, 4, 10, 9, 0), tick=False)
def test_granting_moves_the_due_date_reopens_a_missed_obligation_and_tells_the_requester(
    missed_report, requester, shandong_staff, actor
):
    request_ = ask(actor, requester, missed_report)

    decided = decide(actor, shandong_staff, request_, note="同意")

    assert decided.status == "granted"
    assert (decided.granted_due_on, decided.decided_by) == (date(2026, 5, 15), shandong_staff)
    assert decided.decided_at == at(2026, 4, 10, 9, 0)
    missed_report.refresh_from_db()
    assert missed_report.due_on == date(2026, 5, 15)
    assert missed_report.original_due_on == date(2026, 3, 31)
    assert missed_report.status == ObligationStatus.OPEN
    request_event = AuditEvent.objects.for_target(request_).get(action="status")
    assert request_event.actor == shandong_staff
    assert request_event.changes["status"] == {"before": "pending", "after": "granted"}
    assert request_event.changes["granted_due_on"] == {"before": None, "after": "2026-05-15"}
    [obligation_event] = AuditEvent.objects.for_target(missed_report)
    assert obligation_event.changes == {
        "due_on": {"before": "2026-03-31", "after": "2026-05-15"},
        "status": {"before": "missed", "after": "open"},
    }
    [told] = Notification.objects.filter(kind=NotificationKind.EXTENSION_DECIDED)
    assert told.recipient == requester
    assert told.context["granted_due_on"] == "2026-05-15"
    assert told.context["note"] == "同意"


@time_machine.travel(at(2026, 4, 10, 9, 0), tick=False)
def test_a_granted_date_already_past_leaves_a_missed_obligation_missed(
    missed_report, requester, shandong_staff, actor
):
    request_ = ask(actor, requester, missed_report, due_on=date(2026, 4, 5))

    decide(actor, shandong_staff, request_, due_on=date(2026, 4, 5))

    missed_report.refresh_from_db()
    assert missed_report.due_on == date(2026, 4, 5)
    assert missed_report.status == ObligationStatus.MISSED


def test_a_granted_date_must_be_after_the_statutory_due_date(
    annual_report, requester, shandong_staff, actor
):
    request_ = ask(actor, requester, annual_report)

    with pytest.raises(DomainError) as error:
        decide(actor, shandong_staff, request_, due_on=date(2026, 3, 31))

    assert error.value.field == "granted_due_on"
    request_.refresh_from_db()
    assert request_.status == "pending"


def test_refusing_needs_a_note_and_leaves_the_due_date(
    annual_report, requester, shandong_staff, actor
):
    request_ = ask(actor, requester, annual_report)

    with pytest.raises(DomainError) as error:
        decide(actor, shandong_staff, request_, grant=False, note=" ")
    assert error.value.field == "note"

    refused = decide(actor, shandong_staff, request_, grant=False, note="理由不充分")

    assert (refused.status, refused.granted_due_on) == ("refused", None)
    annual_report.refresh_from_db()
    assert annual_report.due_on == date(2026, 3, 31)
    assert not AuditEvent.objects.for_target(annual_report).exists()
    assert AuditEvent.objects.for_target(request_).get(action="status").changes["status"] == {
        "before": "pending",
        "after": "refused",
    }
    [told] = Notification.objects.filter(kind=NotificationKind.EXTENSION_DECIDED)
    assert told.recipient == requester
    assert told.context["granted_due_on"] == ""
    assert told.context["note"] == "理由不充分"


def test_a_decided_request_cannot_be_decided_again(annual_report, requester, shandong_staff, actor):
    request_ = ask(actor, requester, annual_report)
    decide(actor, shandong_staff, request_, grant=False, note="理由不充分")

    with pytest.raises(DomainError):
        decide(actor, shandong_staff, request_)

    annual_report.refresh_from_db()
    assert annual_report.due_on == date(2026, 3, 31)


def test_another_provinces_staff_cannot_find_the_request(
    annual_report, requester, guangdong_staff, actor
):
    request_ = ask(actor, requester, annual_report)

    with pytest.raises(NotFound):
        decide(actor, guangdong_staff, request_)

    request_.refresh_from_db()
    assert request_.status == "pending"


def test_the_requester_cannot_decide_their_own_request(annual_report, requester, actor):
    request_ = ask(actor, requester, annual_report)

    with pytest.raises(PermissionDenied):
        decide(actor, requester, request_)


def test_after_an_extension_the_reminders_follow_the_new_due_date(
    missed_report, requester, shandong_staff, actor
):
    with time_machine.travel(at(2026, 4, 10, 9, 0), tick=False):
        decide(actor, shandong_staff, ask(actor, requester, missed_report))
    reminders = Notification.objects.filter(
        obligation=missed_report, kind__in=[NotificationKind.REMINDER, NotificationKind.OVERDUE]
    )

    def reminded_on(day: date) -> list[tuple]:
        before = set(reminders.values_list("pk", flat=True))
        sweep(today=day)
        return [
            (n.kind, n.context["due_on"], n.context["step"])
            for n in reminders.exclude(pk__in=before)
        ]

    # The old date's D+14 passes unremarked; the new date's ladder runs.
    assert reminded_on(date(2026, 4, 14)) == []
    assert reminded_on(date(2026, 4, 15)) == [("reminder", "2026-05-15", -30)]
    assert reminded_on(date(2026, 5, 8)) == [("reminder", "2026-05-15", -7)]
    assert reminded_on(date(2026, 5, 15)) == [("reminder", "2026-05-15", 0)]
    assert reminded_on(date(2026, 5, 22)) == [("overdue", "2026-05-15", 7)]


def test_fulfilling_a_provinces_own_obligation_before_the_sweep_creates_it(shandong):
    assert not Obligation.objects.exists()

    met = services.fulfil(
        actor=ANONYMOUS,
        kind="list_publication",
        province=shandong,
        period_start=date(2027, 1, 1),
        met_at=at(2026, 10, 20, 9, 0),
    )

    assert met is not None and met.province == shandong and met.enterprise is None
    assert met.status == ObligationStatus.MET_ON_TIME
    # Only that province's obligations were created, not every province's or unit's.
    assert set(Obligation.objects.values_list("province", flat=True)) == {shandong.pk}
