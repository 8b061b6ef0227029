"""Building reminders and digests for one day, in a fixed number of queries.

Every notification carries a deduplication key that the database keeps unique, so the same
reminder is created once however many sweeps run, at once or one after another.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count

from accounts.models import Membership, Role
from deadlines.models import Notification, NotificationKind, Obligation, Party, ReminderStep


@dataclass(frozen=True)
class Step:
    offset_days: int
    repeat_every_days: int | None


def ladder() -> list[Step]:
    return [
        Step(s.offset_days, s.repeat_every_days)
        for s in ReminderStep.objects.order_by("offset_days")
    ]


def current_step(steps: list[Step], *, due_on: date, today: date) -> int | None:
    """The rung due today or most recently passed, as its day offset; None before the first.

    A sweep that missed a day sends only the latest rung; on the days after a rung the same rung
    comes back, which its deduplication key turns into nothing new."""
    delta = (today - due_on).days
    current = None
    for index, step in enumerate(steps):
        if delta < step.offset_days:
            break
        if step.repeat_every_days:
            repeats = (delta - step.offset_days) // step.repeat_every_days
            return step.offset_days + repeats * step.repeat_every_days
        following = steps[index + 1].offset_days if index + 1 < len(steps) else None
        current = step.offset_days if following is None or delta < following else None
    return current


def _recipients():
    enterprise_users = defaultdict(list)
    staff = []
    memberships = Membership.objects.filter(
        user__is_active=True, role__in=[Role.ENTERPRISE_USER, Role.PROVINCIAL_STAFF]
    ).values_list("role", "user_id", "enterprise_id", "province_id", "city_id")
    for role, user_id, enterprise_id, province_id, city_id in memberships:
        if role == Role.ENTERPRISE_USER:
            enterprise_users[enterprise_id].append(user_id)
        else:
            staff.append((user_id, province_id, city_id))
    return enterprise_users, staff


def _staff_for(staff, province_id: int, city_id: int | None, *, per_enterprise: bool) -> list[int]:
    """Staff responsible: the province's, plus city-bound staff for their own city's units."""
    return [
        user_id
        for user_id, staff_province, staff_city in staff
        if staff_province == province_id
        and (staff_city is None or (per_enterprise and staff_city == city_id))
    ]


def build_reminders(*, today: date) -> list[Notification]:
    steps = ladder()
    if not steps:
        return []
    horizon = today - timedelta(days=steps[0].offset_days)
    candidates = Obligation.objects.unmet().filter(due_on__lte=horizon).values_list(
        "pk", "public_id", "kind", "rule_id", "rule__party", "rule__per_enterprise", "due_on",
        "enterprise_id", "enterprise__city_id", "province_id", "period_start", "period_end",
        named=True,
    )  # fmt: skip
    enterprise_users, staff = _recipients()
    notifications: list[Notification] = []
    grouped: dict[tuple, list] = defaultdict(list)
    obligation_is_per_enterprise: dict[int, bool] = {}
    for row in candidates.iterator(chunk_size=5000):
        step = current_step(steps, due_on=row.due_on, today=today)
        if step is None:
            continue
        if row.rule__party == Party.ENTERPRISE:
            context = _obligation_context(row, step)
            key = f"{row.pk}:{row.due_on}:{step}"
            for user_id in enterprise_users.get(row.enterprise_id, ()):
                notifications.append(_reminder(user_id, row.pk, context, key, today, row.due_on))
            continue
        responsible = _staff_for(
            staff, row.province_id, row.enterprise__city_id, per_enterprise=row.rule__per_enterprise
        )
        for user_id in responsible:
            group = (
                user_id,
                row.rule_id,
                row.kind,
                row.due_on,
                step,
                row.period_start,
                row.period_end,
            )
            grouped[group].append(row.pk)
            obligation_is_per_enterprise[row.pk] = row.rule__per_enterprise
    for (user_id, rule_id, kind, due_on, step, start, end), pks in grouped.items():
        context = {
            "kind": kind,
            "due_on": due_on.isoformat(),
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "step": step,
            "open_count": len(pks),
            "per_enterprise": len(pks) > 1 or obligation_is_per_enterprise[pks[0]],
        }
        obligation_id = pks[0] if len(pks) == 1 else None
        key = f"rule{rule_id}:{start}:{due_on}:{step}"
        notifications.append(_reminder(user_id, obligation_id, context, key, today, due_on))
    return notifications


def _obligation_context(row, step: int) -> dict:
    return {
        "obligation": str(row.public_id),
        "kind": row.kind,
        "due_on": row.due_on.isoformat(),
        "period_start": row.period_start.isoformat(),
        "period_end": row.period_end.isoformat(),
        "step": step,
    }


def _reminder(user_id, obligation_id, context, key, today, due_on) -> Notification:
    kind = NotificationKind.OVERDUE if today > due_on else NotificationKind.REMINDER
    return Notification(
        recipient_id=user_id,
        obligation_id=obligation_id,
        kind=kind,
        context=context,
        dedupe_key=f"reminder:{user_id}:{key}"[:120],
    )


def build_digests(*, today: date) -> list[Notification]:
    """One message a day to each provincial staff member whose scope has overdue obligations."""
    counts = (
        Obligation.objects.overdue(today)
        .values_list("province_id", "enterprise__city_id", "kind")
        .annotate(count=Count("pk"))
    )
    _enterprise_users, staff = _recipients()
    per_user: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for province_id, city_id, kind, count in counts:
        for user_id in _staff_for(staff, province_id, city_id, per_enterprise=city_id is not None):
            per_user[user_id][kind] += count
    return [
        Notification(
            recipient_id=user_id,
            kind=NotificationKind.DIGEST,
            context={
                "date": today.isoformat(),
                "overdue": dict(kinds),
                "total": sum(kinds.values()),
            },
            dedupe_key=f"digest:{user_id}:{today.isoformat()}",
        )
        for user_id, kinds in per_user.items()
    ]
