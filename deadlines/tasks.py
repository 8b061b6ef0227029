from celery import shared_task
from django.conf import settings
from django.utils import timezone

from deadlines import mail
from deadlines.sweep import sweep


@shared_task(name="deadlines.tasks.daily_sweep", ignore_result=True)
def daily_sweep() -> dict:
    """Safe to run twice: every step is idempotent (see deadlines.sweep)."""
    result = sweep(today=timezone.localdate())
    return result.__dict__


@shared_task(name="deadlines.tasks.send_pending_emails", ignore_result=True)
def send_pending_emails() -> int:
    """E-mail notifications not yet sent; safe to run twice (each is claimed before sending)."""
    return mail.send_pending(today=timezone.localdate(), base_url=settings.SITE_URL)
