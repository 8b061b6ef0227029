"""The compliance calendar in the demo: a realistic mid-cycle state for a given day.

`seed_deadlines(scale, today)` creates the obligations that exist by `today`, marks most of the
demo units' obligations due before `today` as met (on time, a few late) and leaves some overdue,
then runs the daily sweep's steps for `today` so the inboxes hold reminders and digests.

Which obligation is met on time, met late or left overdue follows a SHA-256 of the unit's unified
social credit code, the obligation kind (the supplementary data report's is the annual report's,
which meets both) and the period start, so it is the same on every machine and on every run; a
rerun for the same day changes nothing. Province-level obligations of the past
(of all 32 provinces, which exist at either scale) are met on time. The demo logins' own
enterprises always keep an overdue obligation (when one is due before `today`), so every demo
login sees something to act on.

The sweep's e-mail step is not run: the demo's notifications are marked as already e-mailed, so
the console e-mail backend prints nothing and a later sweep does not mail them either. Writes go
straight to the database in bulk, without audit events: this is demo data, not a user action.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Membership, Role
from deadlines.generation import generate_obligations
from deadlines.models import Notification, Obligation, ObligationStatus, Party
from deadlines.reminders import build_digests, build_reminders
from deadlines.sweep import create_notifications, update_statuses
from units.demo.data import BATCH_SIZE, SMALL_PROVINCES, Scale
from units.demo.geography import PROVINCE_INFO
from units.demo.planning import plan

FULFILMENT = "demo"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Out of 100 obligations due in the past: met on time below ON_TIME, met late below LATE, else
# left overdue. A late one not yet met by `today` is overdue for now.
ON_TIME = 80
LATE = 90
EARLY_DAYS = 10  # met 1..10 days before the due date
LATE_DAYS = 14  # or 1..14 days after it
DEMO_ENTERPRISE_LOGINS = ("ent-shandong", "ent-guangdong")
UPDATE_CHUNK = 10_000

UNMET = (ObligationStatus.OPEN, ObligationStatus.MISSED)
# One annual report meets the supplementary data report's obligation too (reporting.reports):
# both get the annual report's outcome.
SAME_SUBMISSION = {"supplementary_report": "annual_report"}


@dataclass(frozen=True)
class DeadlinesResult:
    today: date
    obligations_created: int
    marked_met: int
    notifications_created: int
    statuses: dict[str, int]  # the demo's past-due obligations by status, after the run
    upcoming: int  # the demo's obligations due today or later


@dataclass(frozen=True)
class Outcome:
    status: str
    met_at: datetime | None


def outcome(key: str, due_on: date, *, today: date, province_level: bool = False) -> Outcome:
    """What happened to an obligation due before `today`, from its stable key."""
    digest = hashlib.sha256(key.encode()).digest()
    share = int.from_bytes(digest[:4], "big") % 100
    at = time(9 + digest[6] % 9, digest[7] % 60)  # office hours, Beijing time
    if province_level or share < ON_TIME:
        day = due_on - timedelta(days=1 + digest[4] % EARLY_DAYS)
        return Outcome(ObligationStatus.MET_ON_TIME, datetime.combine(day, at, tzinfo=SHANGHAI))
    day = due_on + timedelta(days=1 + digest[5] % LATE_DAYS)
    if share < LATE and day < today:
        return Outcome(ObligationStatus.MET_LATE, datetime.combine(day, at, tzinfo=SHANGHAI))
    return Outcome(ObligationStatus.MISSED, None)


def obligation_key(uscc: str, kind: str, period_start: date) -> str:
    return f"{uscc}:{kind}:{period_start.isoformat()}"


@transaction.atomic
def seed_deadlines(scale: Scale, *, today: date) -> DeadlinesResult:
    codes = SMALL_PROVINCES if scale == "small" else tuple(PROVINCE_INFO)
    usccs = {spec.uscc for spec in plan(scale)}
    created = generate_obligations(today=today)
    marked = _mark_past_obligations(codes, usccs, today=today)
    update_statuses(today=today)
    notified = _notify(today=today)
    demo = Obligation.objects.filter(
        Q(province__code__in=codes, enterprise__uscc__in=usccs) | Q(enterprise__isnull=True)
    )
    statuses = dict(
        demo.filter(due_on__lt=today).order_by().values_list("status").annotate(Count("pk"))
    )
    return DeadlinesResult(
        today=today,
        obligations_created=created,
        marked_met=marked,
        notifications_created=notified,
        statuses=statuses,
        upcoming=demo.filter(due_on__gte=today).count(),
    )


def _mark_past_obligations(codes: tuple[str, ...], usccs: set[str], *, today: date) -> int:
    """Give every demo obligation due before `today` its outcome; only unmet ones are written,
    so anything met since (by a user or an earlier run) stays as it is. The province-level ones
    of every province count as the demo's: all 32 provinces exist even at the small scale."""
    rows = (
        Obligation.objects.filter(Q(province__code__in=codes) | Q(enterprise__isnull=True))
        .filter(due_on__lt=today)
        .values_list(
            "pk", "kind", "rule__party", "enterprise_id", "enterprise__uscc", "province__code",
            "period_start", "due_on", "status",
        )
        .order_by()
    )  # fmt: skip
    outcomes: dict[int, Outcome] = {}
    unmet: set[int] = set()
    demo_logins = _demo_login_enterprises()
    own: dict[int, list[tuple]] = {enterprise_id: [] for enterprise_id in demo_logins}
    for pk, kind, party, enterprise_id, uscc, province_code, start, due_on, status in rows.iterator(
        chunk_size=5000
    ):
        if enterprise_id is None:
            key = obligation_key(province_code, kind, start)
            outcomes[pk] = outcome(key, due_on, today=today, province_level=True)
        elif uscc in usccs:
            key = obligation_key(uscc, SAME_SUBMISSION.get(kind, kind), start)
            outcomes[pk] = outcome(key, due_on, today=today)
            if enterprise_id in own and party == Party.ENTERPRISE:
                own[enterprise_id].append((due_on, kind, start, pk))
        else:
            continue
        if status in UNMET:
            unmet.add(pk)
    for obligations in own.values():
        _keep_one_overdue(obligations, outcomes)
    changed = [
        (pk, result.status, result.met_at)
        for pk, result in outcomes.items()
        if pk in unmet and result.met_at is not None
    ]
    _write(changed)
    return len(changed)


def _write(changed: list[tuple[int, str, datetime]]) -> None:
    """Set status and met_at row by row in bulk. On PostgreSQL one UPDATE from arrays per
    UPDATE_CHUNK rows: bulk_update's CASE expressions took half a minute for the national scale."""
    now = timezone.now()
    if connection.vendor != "postgresql":
        Obligation.objects.bulk_update(
            [
                Obligation(
                    pk=pk, status=status, met_at=met_at, fulfilment=FULFILMENT, updated_at=now
                )
                for pk, status, met_at in changed
            ],
            ["status", "met_at", "fulfilment", "updated_at"],
            batch_size=BATCH_SIZE,
        )
        return
    table = connection.ops.quote_name(Obligation._meta.db_table)
    statement = (
        f"UPDATE {table} SET status = v.status, met_at = v.met_at, fulfilment = %s, "
        "updated_at = %s FROM unnest(%s::bigint[], %s::varchar[], %s::timestamptz[]) "
        f"AS v(id, status, met_at) WHERE {table}.id = v.id"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(changed), UPDATE_CHUNK):
            ids, statuses, met_ats = zip(*changed[start : start + UPDATE_CHUNK], strict=True)
            cursor.execute(statement, [FULFILMENT, now, list(ids), list(statuses), list(met_ats)])


def _demo_login_enterprises() -> list[int]:
    return list(
        Membership.objects.filter(
            user__username__in=DEMO_ENTERPRISE_LOGINS, role=Role.ENTERPRISE_USER
        ).values_list("enterprise_id", flat=True)
    )


def _keep_one_overdue(obligations: list[tuple], outcomes: dict[int, Outcome]) -> None:
    """A demo login's enterprise with nothing overdue keeps its latest past-due obligation open."""
    if not obligations or any(outcomes[pk].met_at is None for *_rest, pk in obligations):
        return
    *_rest, latest = max(obligations)
    outcomes[latest] = Outcome(ObligationStatus.MISSED, None)


def _notify(*, today: date) -> int:
    """The sweep's reminders and digests for `today`, recorded as already e-mailed."""
    notifications = build_reminders(today=today) + build_digests(today=today)
    created = create_notifications(notifications)
    Notification.objects.filter(
        dedupe_key__in=[n.dedupe_key for n in notifications],
        emailed_at__isnull=True,
        email_claim="",
    ).update(emailed_at=timezone.now())
    return created
