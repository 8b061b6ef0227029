"""The reminder ladder, who is reminded of what, and the staff's daily digest."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.scoping import ANONYMOUS
from deadlines import services
from deadlines.generation import generate_obligations
from deadlines.models import Notification, NotificationKind, Obligation
from deadlines.reminders import Step, current_step, ladder
from deadlines.sweep import sweep
from tests.deadlines.support import obligation, unit_user

pytestmark = pytest.mark.django_db

NOTICE_LADDER = [Step(-30, None), Step(-7, None), Step(-1, None), Step(0, None), Step(7, 7)]
DUE = date(2026, 3, 31)


def step_on(days_from_due: int, steps=NOTICE_LADDER) -> int | None:
    return current_step(steps, due_on=DUE, today=DUE + timedelta(days=days_from_due))


def test_the_ladder_is_loaded_from_the_reminder_step_rows():
    assert ladder() == NOTICE_LADDER


@pytest.mark.parametrize(
    ("days_from_due", "rung"),
    [
        (-400, None),
        (-31, None),
        (-30, -30),
        (-29, -30),
        (-8, -30),
        (-7, -7),
        (-2, -7),
        (-1, -1),
        (0, 0),
        (1, 0),
        (6, 0),
        (7, 7),
        (8, 7),
        (13, 7),
        (14, 14),
        (20, 14),
        (21, 21),
        (365, 364),
    ],
)
def test_the_current_rung_is_the_one_due_today_or_most_recently_passed(days_from_due, rung):
    assert step_on(days_from_due) == rung


def test_without_a_repeating_rung_the_last_rung_stays_current():
    steps = [Step(-7, None), Step(0, None)]

    assert [step_on(days, steps) for days in (-8, -7, -1, 0, 30)] == [None, -7, -7, 0, 0]


def test_an_empty_ladder_never_reminds():
    assert step_on(0, []) is None


# --- Sweeps across an obligation's life ------------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


def reminders_of(obligation_: Obligation):
    return Notification.objects.filter(
        obligation=obligation_, kind__in=[NotificationKind.REMINDER, NotificationKind.OVERDUE]
    )


def test_daily_sweeps_remind_on_each_rung_while_unmet_and_stop_once_met(shandong_enterprise):
    user = unit_user(shandong_enterprise, "ent-power")
    generate_obligations(today=date(2026, 2, 1))
    report = obligation(shandong_enterprise, "annual_report")  # due 2026-03-31
    january = obligation(
        shandong_enterprise, "monthly_certification", period_start=date(2026, 1, 1)
    )
    assert january.due_on == date(2026, 3, 12)
    sent: dict[str, list[tuple[date, str, int]]] = {"report": [], "january": []}

    today = date(2026, 2, 8)
    while today <= date(2026, 4, 22):
        if today == date(2026, 3, 22):
            # Certified ten days late: reminders about it stop.
            services.fulfil(
                actor=ANONYMOUS,
                kind="monthly_certification",
                period_start=date(2026, 1, 1),
                enterprise=shandong_enterprise,
                met_at=datetime(2026, 3, 22, 10, tzinfo=SHANGHAI),
            )
        known = set(Notification.objects.values_list("pk", flat=True))
        sweep(today=today)
        for name, tracked in (("report", report), ("january", january)):
            for message in reminders_of(tracked).exclude(pk__in=known):
                assert message.recipient == user
                sent[name].append((today, message.kind, message.context["step"]))
        today += timedelta(days=1)

    assert sent["report"] == [
        (date(2026, 3, 1), "reminder", -30),
        (date(2026, 3, 24), "reminder", -7),
        (date(2026, 3, 30), "reminder", -1),
        (date(2026, 3, 31), "reminder", 0),
        (date(2026, 4, 7), "overdue", 7),
        (date(2026, 4, 14), "overdue", 14),
        (date(2026, 4, 21), "overdue", 21),
    ]
    assert sent["january"] == [
        (date(2026, 2, 10), "reminder", -30),
        (date(2026, 3, 5), "reminder", -7),
        (date(2026, 3, 11), "reminder", -1),
        (date(2026, 3, 12), "reminder", 0),
        (date(2026, 3, 19), "overdue", 7),
    ]


def test_a_sweep_after_missed_days_sends_only_the_latest_rung(shandong_enterprise):
    unit_user(shandong_enterprise, "ent-power")
    sweep(today=date(2026, 3, 1))
    report = obligation(shandong_enterprise, "annual_report")
    assert list(reminders_of(report).values_list("context__step", flat=True)) == [-30]

    sweep(today=date(2026, 4, 1))  # D-7, D-1 and D were never swept
    assert sorted(reminders_of(report).values_list("context__step", flat=True)) == [-30, 0]

    sweep(today=date(2026, 4, 20))  # nor D+7 and D+14
    assert sorted(reminders_of(report).values_list("context__step", flat=True)) == [-30, 0, 14]


def test_enterprise_obligations_remind_every_user_of_that_enterprise_only(
    shandong_enterprise, make_unit, shandong_staff
):
    first = unit_user(shandong_enterprise, "ent-power-1")
    second = unit_user(shandong_enterprise, "ent-power-2")
    other_unit_user = unit_user(make_unit("paper"), "ent-paper")

    sweep(today=date(2026, 3, 1))  # D-30 of the power unit's annual report

    report = obligation(shandong_enterprise, "annual_report")
    assert set(reminders_of(report).values_list("recipient", flat=True)) == {first.pk, second.pk}
    message = reminders_of(report).get(recipient=first)
    assert message.context == {
        "obligation": str(report.public_id),
        "kind": "annual_report",
        "due_on": "2026-03-31",
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "step": -30,
    }
    assert not Notification.objects.filter(
        recipient=shandong_staff, kind=NotificationKind.REMINDER
    ).exists()
    assert set(
        Notification.objects.filter(recipient=other_unit_user).values_list(
            "obligation__enterprise__industry__sector", flat=True
        )
    ) == {"paper"}


@pytest.fixture
def power_units(make_unit, shandong, guangdong, jinan, qingdao, guangzhou):
    return {
        "jinan 1": make_unit("power", city=jinan),
        "jinan 2": make_unit("power", city=jinan),
        "qingdao": make_unit("power", city=qingdao),
        "guangzhou": make_unit("power", province=guangdong, city=guangzhou),
    }


def staff_reminders(user, kind: str):
    return Notification.objects.filter(
        recipient=user, kind=NotificationKind.REMINDER, context__kind=kind
    )


def test_province_obligations_remind_the_staff_once_per_rule_and_due_date_with_the_count(
    power_units, shandong_staff, jinan_staff, qingdao_staff, guangdong_staff
):
    generate_obligations(today=date(2026, 5, 1))
    # One Jinan unit's report is already verified.
    services.fulfil(
        actor=ANONYMOUS,
        kind="verification",
        period_start=date(2025, 1, 1),
        enterprise=power_units["jinan 1"],
        met_at=datetime(2026, 5, 20, 10, tzinfo=SHANGHAI),
    )

    sweep(today=date(2026, 5, 31))  # D-30 of the power units' pre-allocation and verification

    counts = {
        (user.username, kind): list(staff_reminders(user, kind).values_list("context", flat=True))
        for user in (shandong_staff, jinan_staff, qingdao_staff, guangdong_staff)
        for kind in ("pre_allocation", "verification")
    }
    assert {key: [c["open_count"] for c in contexts] for key, contexts in counts.items()} == {
        ("shandong-staff", "pre_allocation"): [3],
        ("shandong-staff", "verification"): [2],
        ("jinan-staff", "pre_allocation"): [2],
        ("jinan-staff", "verification"): [1],
        ("qingdao-staff", "pre_allocation"): [1],
        ("qingdao-staff", "verification"): [1],
        ("guangdong-staff", "pre_allocation"): [1],
        ("guangdong-staff", "verification"): [1],
    }
    grouped = staff_reminders(shandong_staff, "pre_allocation").get()
    assert grouped.obligation is None
    assert grouped.context["due_on"] == "2026-06-30"
    assert grouped.context["step"] == -30
    assert grouped.context["per_enterprise"] is True
    single = staff_reminders(guangdong_staff, "pre_allocation").get()
    assert single.obligation == Obligation.objects.get(
        enterprise=power_units["guangzhou"], kind="pre_allocation"
    )
    # The units' own users are not reminded of what the province must do.
    assert not Notification.objects.filter(
        recipient__memberships__role="enterprise_user", context__kind="pre_allocation"
    ).exists()

    sweep(today=date(2026, 6, 1))
    assert staff_reminders(shandong_staff, "pre_allocation").count() == 1


def test_a_provinces_own_obligations_remind_its_province_wide_staff(
    shandong, guangdong, shandong_staff, jinan_staff, guangdong_staff
):
    sweep(today=date(2026, 10, 1))  # D-30 of publishing the 2027 list

    def the_list(province):
        return Obligation.objects.get(
            province=province, enterprise__isnull=True, kind="list_publication"
        )

    message = staff_reminders(shandong_staff, "list_publication").get()
    assert message.obligation == the_list(shandong)
    assert (message.context["open_count"], message.context["per_enterprise"]) == (1, False)
    assert staff_reminders(guangdong_staff, "list_publication").get().obligation == the_list(
        guangdong
    )
    assert not staff_reminders(jinan_staff, "list_publication").exists()


# --- The staff's daily digest ----------------------------------------------------------------


def digests(user):
    return Notification.objects.filter(recipient=user, kind=NotificationKind.DIGEST)


def test_each_staff_user_gets_one_digest_a_day_with_the_overdue_counts_of_their_scope(
    power_units, shandong, shandong_staff, jinan_staff, qingdao_staff, guangdong_staff
):
    generate_obligations(today=date(2026, 1, 1))
    # A province-level obligation overdue: it counts for the province-wide staff only.
    Obligation.objects.filter(
        province=shandong, enterprise__isnull=True, kind="institution_evaluation"
    ).update(due_on=date(2026, 3, 20))
    # Overdue on April 1st for each unit: the annual report (Mar 31), January's
    # certification (Mar 12).
    sweep(today=date(2026, 4, 1))
    sweep(today=date(2026, 4, 1))

    contexts = {
        user.username: list(digests(user).values_list("context", flat=True))
        for user in (shandong_staff, jinan_staff, qingdao_staff, guangdong_staff)
    }
    assert contexts == {
        "shandong-staff": [
            {
                "date": "2026-04-01",
                "overdue": {
                    "annual_report": 3,
                    "monthly_certification": 3,
                    "institution_evaluation": 1,
                },
                "total": 7,
            }
        ],
        "jinan-staff": [
            {
                "date": "2026-04-01",
                "overdue": {"annual_report": 2, "monthly_certification": 2},
                "total": 4,
            }
        ],
        "qingdao-staff": [
            {
                "date": "2026-04-01",
                "overdue": {"annual_report": 1, "monthly_certification": 1},
                "total": 2,
            }
        ],
        "guangdong-staff": [
            {
                "date": "2026-04-01",
                "overdue": {"annual_report": 1, "monthly_certification": 1},
                "total": 2,
            }
        ],
    }
    assert not Notification.objects.filter(
        kind=NotificationKind.DIGEST, recipient__memberships__role="enterprise_user"
    ).exists()

    sweep(today=date(2026, 4, 2))
    assert [d.context["date"] for d in digests(shandong_staff)] == ["2026-04-02", "2026-04-01"]


def test_no_digest_when_nothing_is_overdue(power_units, shandong_staff):
    sweep(today=date(2026, 3, 1))

    assert not digests(shandong_staff).exists()
