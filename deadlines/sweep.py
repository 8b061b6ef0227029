"""The daily sweep: obligations, statuses, reminders, digests, e-mails.

Each step is idempotent and commits on its own, so a sweep killed at any point is completed by
the next one, and two sweeps at once produce every reminder and e-mail once.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import timezone

from deadlines import mail
from deadlines.generation import generate_obligations
from deadlines.models import Notification, Obligation, ObligationStatus
from deadlines.reminders import build_digests, build_reminders


@dataclass(frozen=True)
class SweepResult:
    obligations_created: int
    became_overdue: int
    reopened: int
    notifications_created: int
    emails_sent: int


def update_statuses(*, today: date) -> tuple[int, int]:
    """Past due and unmet: overdue. Overdue with a due date moved into the future: open again."""
    overdue = Obligation.objects.filter(status=ObligationStatus.OPEN, due_on__lt=today).update(
        status=ObligationStatus.MISSED
    )
    reopened = Obligation.objects.filter(status=ObligationStatus.MISSED, due_on__gte=today).update(
        status=ObligationStatus.OPEN
    )
    return overdue, reopened


def create_notifications(notifications: list[Notification]) -> int:
    """Insert, skipping any whose deduplication key exists; returns how many were new."""
    started = timezone.now()
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    keys = [n.dedupe_key for n in notifications]
    return Notification.objects.filter(created_at__gte=started, dedupe_key__in=keys).count()


def sweep(*, today: date) -> SweepResult:
    created = generate_obligations(today=today)
    overdue, reopened = update_statuses(today=today)
    notified = create_notifications(build_reminders(today=today) + build_digests(today=today))
    emailed = mail.send_pending(today=today, base_url=settings.SITE_URL)
    return SweepResult(created, overdue, reopened, notified, emailed)
