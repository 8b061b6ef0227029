"""The Celery app and the whole beat schedule, in one place."""

import os

from celery import Celery
from celery.schedules import crontab
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("carbon")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def ensure_broker_folders(sender, **kwargs):
    # The filesystem transport expects its folders to exist before the first message.
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if key in options:
            os.makedirs(options[key], exist_ok=True)


app.conf.beat_schedule = {
    # Proves end to end that beat schedules, the broker carries and a worker executes.
    "heartbeat": {
        "task": "core.tasks.heartbeat",
        "schedule": float(settings.HEARTBEAT_INTERVAL_SECONDS),
    },
    # Every morning at 08:00 Asia/Shanghai (CELERY_TIMEZONE): obligations, statuses, reminders,
    # digests and e-mails for the day. Idempotent, so a duplicate beat does no harm.
    "deadlines-daily-sweep": {
        "task": "deadlines.tasks.daily_sweep",
        "schedule": crontab(hour=8, minute=0),
    },
    # Every night at 02:30 Asia/Shanghai, when no one works: bulk snapshots of this year and
    # last, one task per dataset and province (rebuilt in place, so a rerun does no harm).
    "snapshots-nightly": {
        "task": "core.tasks.build_snapshots",
        "schedule": crontab(hour=2, minute=30),
    },
}
