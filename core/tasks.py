from celery import shared_task
from django.utils import timezone

from core import services, snapshots


@shared_task(name="core.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    services.beat_heart(name="worker")


@shared_task(name="core.tasks.build_snapshot", ignore_result=True)
def build_snapshot(dataset: str, year: int, province_code: str | None = None) -> str:
    """Build one snapshot; safe to run twice (it is rebuilt in place)."""
    return snapshots.build(dataset=dataset, year=year, province_code=province_code).status


@shared_task(name="core.tasks.build_snapshots", ignore_result=True)
def build_snapshots(year: int | None = None) -> int:
    """Queue every dataset's snapshot, national and per province, of `year` (by default this
    year and last): one task each, so one failure or slow province holds up no other."""
    years = [year] if year is not None else snapshots.default_years(timezone.localdate())
    planned = snapshots.targets(years=years)
    for dataset, each_year, province_code in planned:
        build_snapshot.delay(dataset, each_year, province_code)
    return len(planned)
