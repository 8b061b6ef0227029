from celery import shared_task

from core import services


@shared_task(name="core.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    services.beat_heart(name="worker")
