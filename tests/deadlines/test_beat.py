"""The daily sweep is on the beat schedule, and a real worker runs it through Redis."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.schedules import crontab
from django.utils import timezone

from config import celery_app
from deadlines.models import Notification, NotificationKind, Obligation
from deadlines.tasks import daily_sweep
from tests.deadlines.support import staff_user


def test_beat_runs_the_sweep_every_morning_at_eight_shanghai_time():
    entry = celery_app.conf.beat_schedule["deadlines-daily-sweep"]

    assert entry["task"] == "deadlines.tasks.daily_sweep"
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] == crontab(hour=8, minute=0)
    assert celery_app.conf.timezone == "Asia/Shanghai"


def wait_for(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


# The worker runs in another thread with its own database connection: it only sees committed
# rows. Today is the real date: the sweep task takes no arguments.
@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_the_daily_sweep_sent_through_redis(settings, make_unit, shandong):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    unit = make_unit("power")
    staff = staff_user(shandong, "sweep-staff", language="en")
    digests = Notification.objects.filter(recipient=staff, kind=NotificationKind.DIGEST)
    # A message left over from an interrupted run would be executed too.
    celery_app.control.purge()
    days = {timezone.localdate()}

    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        daily_sweep.delay()
        assert wait_for(Obligation.objects.filter(enterprise=unit).exists)
        # The last step of the sweep e-mails the staff's digest of what is overdue today.
        assert wait_for(digests.filter(emailed_at__isnull=False).exists)
    days.add(timezone.localdate())

    assert Obligation.objects.filter(province=shandong, enterprise__isnull=True).exists()
    assert digests.get().context["date"] in {day.isoformat() for day in days}
