"""seed_demo's compliance calendar: a realistic, deterministic mid-cycle state for a given day."""

from datetime import date
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from accounts.scoping import actor_for
from deadlines import selectors
from deadlines.models import Notification, NotificationKind, Obligation, ObligationStatus
from deadlines.sweep import sweep
from units import demo

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 27)
MET = (ObligationStatus.MET_ON_TIME, ObligationStatus.MET_LATE)


def seed(today: date = TODAY) -> None:
    """seed_demo's steps up to the annual reports: later steps (verification, allowances) meet
    obligations of their own, which these tests do not describe."""
    demo.seed("small")
    staff = demo.ensure_list_staff("small")
    demo.seed_deadlines("small", today=today)
    demo.seed_lists("small", today=today, staff=staff)
    demo.seed_reporting("small", today=today)
    demo.seed_annual("small", today=today)


def seed_command(today: date = TODAY) -> str:
    out = StringIO()
    call_command("seed_demo", "--scale", "small", "--today", today.isoformat(), stdout=out)
    return out.getvalue()


def past():
    return Obligation.objects.filter(due_on__lt=TODAY)


def outcomes() -> dict[tuple, tuple]:
    """Every obligation's state, keyed by what it is rather than by its database id."""
    rows = Obligation.objects.values_list(
        "enterprise__uscc", "province__code", "kind", "period_start", "status", "met_at"
    )
    return {tuple(row[:4]): tuple(row[4:]) for row in rows}


def test_obligations_exist_for_both_provinces():
    seed()

    for code in demo.SMALL_PROVINCES:
        obligations = Obligation.objects.filter(province__code=code)
        assert obligations.filter(enterprise__isnull=False).exists()
        assert obligations.filter(enterprise__isnull=True).exists()


def test_past_obligations_are_mostly_met_on_time_some_late_some_overdue():
    seed()

    total = past().count()
    share = {status: past().filter(status=status).count() / total for status in ObligationStatus}
    assert total > 500
    assert 0.7 <= share[ObligationStatus.MET_ON_TIME] <= 0.9
    assert 0.04 <= share[ObligationStatus.MET_LATE] <= 0.16
    assert 0.04 <= share[ObligationStatus.MISSED] <= 0.2
    assert share[ObligationStatus.OPEN] == 0


def test_met_dates_agree_with_the_status_and_come_before_today():
    seed()

    for obligation in past().filter(status__in=MET):
        met_on = timezone.localtime(obligation.met_at).date()
        assert met_on < TODAY
        assert obligation.fulfilment == "demo"
        if obligation.status == ObligationStatus.MET_ON_TIME:
            assert 1 <= (obligation.due_on - met_on).days <= 10
        else:
            assert 1 <= (met_on - obligation.due_on).days <= 14
    assert not past().filter(status=ObligationStatus.MISSED, met_at__isnull=False).exists()


def test_past_province_level_obligations_are_met_on_time():
    seed()

    province_level = past().filter(enterprise__isnull=True)
    assert province_level.exists()
    assert set(province_level.values_list("status", flat=True)) == {ObligationStatus.MET_ON_TIME}


def test_future_obligations_are_open_but_what_a_seeded_submission_met():
    seed()

    upcoming = Obligation.objects.filter(due_on__gte=TODAY)
    # The 2027 quality control plans some units submitted early (units.demo.annual).
    early = upcoming.filter(fulfilment__startswith="reporting.")
    assert set(early.values_list("kind", flat=True)) == {"quality_control_plan"}
    assert set(early.values_list("status", flat=True)) == {ObligationStatus.MET_ON_TIME}
    rest = upcoming.exclude(pk__in=early)
    assert rest.exists()
    assert set(rest.values_list("status", flat=True)) == {ObligationStatus.OPEN}
    assert not rest.filter(met_at__isnull=False).exists()


@pytest.mark.parametrize("username", ["ent-shandong", "ent-guangdong"])
def test_the_demo_enterprises_have_an_overdue_and_an_upcoming_obligation(username):
    seed()

    user = User.objects.get(username=username)
    mine = Obligation.objects.filter(enterprise=user.memberships.get().enterprise)
    assert mine.filter(status=ObligationStatus.MISSED, due_on__lt=TODAY).exists()
    assert mine.filter(status=ObligationStatus.OPEN, due_on__gte=TODAY).exists()
    assert user.notifications.filter(read_at__isnull=True).exists()
    assert user.notifications.filter(kind=NotificationKind.OVERDUE).exists()


def test_shandong_staff_see_overdue_items_and_a_digest():
    seed()

    staff = User.objects.get(username="shandong")
    assert selectors.overdue(actor=actor_for(staff), today=TODAY).exists()
    digest = staff.notifications.get(kind=NotificationKind.DIGEST)
    assert digest.context["date"] == TODAY.isoformat()
    assert digest.context["total"] > 0
    assert digest.read_at is None


def test_nothing_is_e_mailed_now_or_by_the_next_sweep():
    seed()

    assert mail.outbox == []
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert sweep(today=TODAY).emails_sent == 0
    assert mail.outbox == []


def test_running_it_twice_changes_no_counts_and_no_statuses():
    seed_command()
    before = (Obligation.objects.count(), Notification.objects.count(), outcomes())

    output = seed_command()

    assert (Obligation.objects.count(), Notification.objects.count(), outcomes()) == before
    assert f"calendar on {TODAY}: 0 obligations created" in output


def test_the_choices_do_not_depend_on_database_ids():
    seed()
    first = outcomes()
    Obligation.objects.all().delete()

    seed()

    assert outcomes() == first


def test_a_later_day_keeps_what_was_met_and_meets_nothing_in_the_future_by_itself():
    seed()
    before = outcomes()

    seed(date(2026, 12, 20))

    after = outcomes()
    met_before = {key: state for key, state in before.items() if state[0] in MET}
    assert {key: after[key] for key in met_before} == met_before
    assert len([state for state in after.values() if state[0] in MET]) > len(met_before)
    future = Obligation.objects.filter(due_on__gte=date(2026, 12, 20), status__in=MET)
    assert not future.exclude(fulfilment__startswith="reporting.").exists()


def test_it_prints_the_calendar_line():
    output = seed_command()

    line = next(line for line in output.splitlines() if line.startswith("calendar on"))
    assert "met on time" in line and "met late" in line and "overdue" in line
    assert "(not e-mailed)" in line
