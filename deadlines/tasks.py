from celery import shared_task
from django.utils import timezone

from deadlines.sweep import sweep


@shared_task(name="deadlines.tasks.daily_sweep", ignore_result=True)
def daily_sweep() -> dict:
    """Safe to run twice: every step is idempotent (see deadlines.sweep)."""
    result = sweep(today=timezone.localdate())
    return result.__dict__
