"""The heartbeat task travels through the real Redis broker to a real worker and is executed."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from config import celery_app
from core.models import Heartbeat
from core.tasks import heartbeat


def beat_count() -> int:
    beat = Heartbeat.objects.filter(name="worker").first()
    return beat.beat_count if beat else 0


def test_beat_schedules_the_heartbeat():
    entry = celery_app.conf.beat_schedule["heartbeat"]

    assert entry["task"] == "core.tasks.heartbeat"
    assert entry["task"] in celery_app.tasks


# The worker runs in another thread with its own database connection: it only sees committed rows.
@pytest.mark.django_db(transaction=True)
def test_worker_executes_a_heartbeat_sent_through_redis(settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    # A message left over from an interrupted run would be counted too.
    celery_app.control.purge()
    before = beat_count()

    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        heartbeat.delay()
        deadline = time.monotonic() + 30
        while beat_count() == before and time.monotonic() < deadline:
            time.sleep(0.1)

    assert beat_count() == before + 1
    assert Heartbeat.objects.get(name="worker").last_beat_at is not None
