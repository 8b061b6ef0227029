"""The API's bulk snapshots of the demo: every dataset of this year and last, nationally and for
each demo province (`seed_snapshots`), built by core.snapshots as the nightly task builds them,
so that a reviewer trying the API finds them there from the start. A snapshot already built is
left as it is (the nightly task rebuilds it), so a rerun changes nothing."""

from dataclasses import dataclass
from datetime import date

from core import snapshots
from core.models import Snapshot, SnapshotStatus
from units.demo.data import SMALL_PROVINCES, Scale


@dataclass(frozen=True)
class SnapshotsResult:
    built: int
    kept: int
    failed: list[str]
    rows: int


def seed_snapshots(scale: Scale, today: date) -> SnapshotsResult:
    """Build what is missing; the national scale adds no more provinces than the small one
    (the task builds the rest overnight)."""
    ready = set(
        Snapshot.objects.filter(status=SnapshotStatus.READY).values_list(
            "dataset", "year", "province__code"
        )
    )
    targets = snapshots.targets(
        years=snapshots.default_years(today), scopes=[None, *SMALL_PROVINCES]
    )
    built, failed, rows = 0, [], 0
    for dataset, year, code in targets:
        if (dataset, year, code) in ready:
            continue
        snapshot = snapshots.build(dataset=dataset, year=year, province_code=code)
        if snapshot.status == SnapshotStatus.READY:
            built += 1
            rows += snapshot.row_count
        else:
            failed.append(f"{dataset} {year} {code or 'national'}: {snapshot.error}")
    return SnapshotsResult(built, len(targets) - built - len(failed), failed, rows)
