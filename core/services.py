from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.models import Heartbeat


@transaction.atomic
def beat_heart(*, name: str) -> Heartbeat:
    """Count one heartbeat; safe to run twice (it only ever counts up and moves the time)."""
    beat, _created = Heartbeat.objects.get_or_create(name=name)
    Heartbeat.objects.filter(pk=beat.pk).update(
        beat_count=F("beat_count") + 1, last_beat_at=timezone.now()
    )
    beat.refresh_from_db()
    return beat
