"""Bulk snapshots through the API (collected by config/api.py)."""

from core.api.snapshots import SnapshotViewSet

routes = [
    ("snapshots", SnapshotViewSet, "snapshot"),
]
