from django.utils import timezone

from core.models import Heartbeat


def health() -> dict:
    beat = Heartbeat.objects.filter(name="worker").first()
    age = (
        (timezone.now() - beat.last_beat_at).total_seconds() if beat and beat.last_beat_at else None
    )
    return {
        "database": "ok",
        "worker_heartbeats": beat.beat_count if beat else 0,
        "worker_heartbeat_age_seconds": round(age, 1) if age is not None else None,
    }
