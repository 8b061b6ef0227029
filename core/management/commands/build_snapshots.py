"""Build bulk snapshots now, in this process (the nightly task queues the same work)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core import datasets, snapshots
from core.models import SnapshotStatus


class Command(BaseCommand):
    help = (
        "Build bulk snapshots synchronously: by default every dataset of this year and last, "
        "national and for every province."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="year (repeatable)")
        parser.add_argument(
            "--dataset", action="append", help=f"dataset (repeatable): {self._names()}"
        )
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument(
            "--province", action="append", help="province by GB/T 2260 code (repeatable)"
        )
        scope.add_argument("--national", action="store_true", help="the national snapshots only")

    @staticmethod
    def _names() -> str:
        return ", ".join(datasets.registry())

    def handle(self, *args, year, dataset, province, national, **options):
        years = year or snapshots.default_years(timezone.localdate())
        scopes = [None] if national else province
        try:
            planned = snapshots.targets(years=years, names=dataset, scopes=scopes)
            failed = sum(not self._build(*target) for target in planned)
        except LookupError as error:
            raise CommandError(error.args[0]) from None
        if failed:
            raise CommandError(f"{failed} of {len(planned)} snapshots failed")
        self.stdout.write(f"{len(planned)} snapshots built")

    def _build(self, dataset: str, year: int, province_code: str | None) -> bool:
        snapshot = snapshots.build(dataset=dataset, year=year, province_code=province_code)
        label = f"{dataset} {year} {province_code or 'national'}"
        if snapshot.error:
            kept = " (previous file kept)" if snapshot.status == SnapshotStatus.READY else ""
            self.stderr.write(f"failed  {label}: {snapshot.error}{kept}")
            return False
        self.stdout.write(
            f"ready   {label}: {snapshot.row_count} rows, {snapshot.size} bytes, "
            f"sha256 {snapshot.sha256}"
        )
        return True
