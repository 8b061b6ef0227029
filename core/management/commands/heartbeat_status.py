"""Tell operators (and the CI smoke test) whether the worker runs the beat-scheduled heartbeat."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.models import Heartbeat


class Command(BaseCommand):
    help = "Print the worker heartbeat; fail if there is none newer than --max-age seconds."
    # A liveness probe reads one row; it should not fail or slow down on unrelated system checks.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--name", default="worker")
        parser.add_argument(
            "--max-age",
            type=int,
            default=None,
            help="fail unless the last heartbeat is at most this many seconds old",
        )

    def handle(self, *args, name, max_age, **options):
        beat = Heartbeat.objects.filter(name=name).first()
        if beat is None or beat.last_beat_at is None:
            raise CommandError(f"no heartbeat named {name!r} yet")
        age = timezone.now() - beat.last_beat_at
        self.stdout.write(
            f"{name}: {beat.beat_count} beats, last at "
            f"{timezone.localtime(beat.last_beat_at):%Y-%m-%d %H:%M:%S %Z} "
            f"({age.total_seconds():.0f} s ago)"
        )
        if max_age is not None and age > timedelta(seconds=max_age):
            raise CommandError(f"last heartbeat is older than {max_age} s")
