"""Building bulk snapshots: one dataset (core.datasets) of one year, for one province or the
whole country, as a zip of CSV files (UTF-8 with a BOM, so Excel reads Chinese; a header row),
`manifest.json` (every file's rows, bytes and SHA-256) and `SHA256SUMS` (for `sha256sum -c`).

The zip is written to a temporary file, reading rows with `.iterator()`, and stored only once
complete: the file a snapshot serves is always a whole build that its checksums describe. A
build that fails keeps the previous file (if any) and records the error.
"""

import csv
import hashlib
import io
import json
import logging
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from itertools import chain
from typing import Any

from django.core.files import File
from django.db import models, transaction
from django.utils import timezone

from core import audit, datasets
from core.models import AuditAction, Snapshot, SnapshotStatus

logger = logging.getLogger(__name__)

ENCODING = "utf-8-sig"
CHUNK = 2000
AUDITED = ("status", "sha256", "size", "row_count", "built_at", "error")


def province_model() -> type[models.Model]:
    """The tenant model, reached through the snapshot's own foreign key (core imports no
    domain app)."""
    return Snapshot._meta.get_field("province").related_model


def default_years(today: date) -> list[int]:
    """This year (monthly certifications, the list) and last year (reports, verification,
    allocation and settlement of the compliance year being closed)."""
    return [today.year, today.year - 1]


def targets(
    *,
    years: Iterable[int],
    names: Iterable[str] | None = None,
    scopes: Iterable[str | None] | None = None,
) -> list[tuple[str, int, str | None]]:
    """(dataset, year, province code or None for national) of every snapshot to build: by
    default every dataset, nationally and for every province."""
    names = list(names) if names is not None else list(datasets.registry())
    for name in names:
        datasets.get(name)
    if scopes is None:
        codes = province_model().objects.order_by("code").values_list("code", flat=True)
        scopes = [None, *codes]
    scopes = list(scopes)
    return [(name, year, code) for year in years for name in names for code in scopes]


def build(*, dataset: str, year: int, province_code: str | None = None) -> Snapshot:
    """Build (or rebuild) one snapshot; safe to run twice. A failure is recorded on the
    snapshot, not raised: the previous file stays served."""
    spec = datasets.get(dataset)
    province = None
    if province_code is not None:
        try:
            province = province_model().objects.get(code=province_code)
        except province_model().DoesNotExist:
            raise LookupError(f"no province with code {province_code!r}") from None
    snapshot = _claim(spec, year, province)
    try:
        with tempfile.TemporaryFile() as scratch:
            generated_at = timezone.now()
            # A savepoint: a failed query rolls back to it, and the failure can still be saved.
            outermost = not transaction.get_connection().in_atomic_block
            with transaction.atomic():
                if outermost:
                    _read_one_state()
                manifest = write_zip(scratch, spec, year, province, generated_at)
            _store(snapshot, scratch, manifest, generated_at)
    except Exception as error:
        logger.exception("snapshot %s failed", snapshot)
        _fail(snapshot, error)
    snapshot.refresh_from_db()
    return snapshot


def _read_one_state() -> None:
    """Every CSV of the zip from the same state of the database (on PostgreSQL: one
    repeatable-read, read-only transaction), not each from the state when its query began."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")


def _claim(spec: datasets.Dataset, year: int, province) -> Snapshot:
    snapshot, _created = Snapshot.objects.get_or_create(
        dataset=spec.name, year=year, province=province
    )
    if not snapshot.file and snapshot.status != SnapshotStatus.BUILDING:
        snapshot.status = SnapshotStatus.BUILDING
        snapshot.save(update_fields=["status", "updated_at"])
    return snapshot


def write_zip(
    target, spec: datasets.Dataset, year: int, province, generated_at: datetime
) -> dict[str, Any]:
    """Write the snapshot's zip to a binary file object; return its manifest."""
    stamp = timezone.localtime(generated_at).timetuple()[:6]
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        files = [
            _write_csv(
                archive, csv_file.name, stamp, csv_file.header, _lines(csv_file, year, province)
            )
            for csv_file in spec.files
        ]
        manifest = {
            "dataset": spec.name,
            "year": year,
            "province": province.code if province is not None else None,
            "generated_at": timezone.localtime(generated_at).isoformat(),
            "encoding": ENCODING,
            "files": files,
        }
        text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
        described = _write_text(archive, "manifest.json", stamp, text)
        sums = "".join(f"{entry['sha256']}  {entry['name']}\n" for entry in [*files, described])
        _write_text(archive, "SHA256SUMS", stamp, sums)
    return manifest


def _lines(csv_file: datasets.CsvFile, year: int, province) -> Iterator[tuple]:
    rows = csv_file.rows(year)
    if province is not None:
        rows = rows.filter(**{csv_file.province: province})
    sources = [column.source for column in csv_file.columns]
    values = rows.order_by(*csv_file.order, "pk").values_list(*sources).iterator(CHUNK)
    if csv_file.expand is None:
        return values
    return chain.from_iterable(csv_file.expand(row) for row in values)


class _Digest(io.RawIOBase):
    """Passes bytes on to a stream, hashing and counting them on the way."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.sha256.update(data)
        self.size += len(data)
        self.stream.write(data)
        return len(data)

    def described(self, name: str) -> dict[str, Any]:
        return {"name": name, "bytes": self.size, "sha256": self.sha256.hexdigest()}


@contextmanager
def _entry(archive: zipfile.ZipFile, name: str, stamp, encoding: str):
    """A text file inside the zip, and the digest of the bytes written to it."""
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w") as stream:
        digest = _Digest(stream)
        with io.TextIOWrapper(io.BufferedWriter(digest), encoding=encoding, newline="") as text:
            yield text, digest


def _write_csv(archive, name: str, stamp, header, rows: Iterable[tuple]) -> dict[str, Any]:
    count = 0
    with _entry(archive, name, stamp, ENCODING) as (text, digest):
        writer = csv.writer(text)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(value) for value in row])
            count += 1
    return {"name": name, "rows": count, **digest.described(name)}


def _write_text(archive, name: str, stamp, content: str) -> dict[str, Any]:
    with _entry(archive, name, stamp, "utf-8") as (text, digest):
        text.write(content)
    return digest.described(name)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _file_digest(stream) -> tuple[str, int]:
    stream.seek(0)
    sha256 = hashlib.file_digest(stream, "sha256")
    return sha256.hexdigest(), stream.tell()


def _store(snapshot: Snapshot, scratch, manifest: dict, generated_at: datetime) -> None:
    sha256, size = _file_digest(scratch)
    scratch.seek(0)
    name = f"{snapshot.download_name.removesuffix('.zip')}-{sha256[:12]}.zip"
    with transaction.atomic():
        locked = Snapshot.objects.select_for_update().get(pk=snapshot.pk)
        before = audit.snapshot(locked, AUDITED)
        previous = locked.file.name
        locked.file.save(name, File(scratch), save=False)
        try:
            locked.status = SnapshotStatus.READY
            locked.sha256 = sha256
            locked.size = size
            locked.manifest = manifest
            locked.row_count = sum(entry.get("rows", 0) for entry in manifest["files"])
            locked.built_at = generated_at
            locked.error = ""
            locked.failed_at = None
            locked.save()
            _record(locked, before)
        except Exception:
            locked.file.storage.delete(locked.file.name)
            raise
        if previous and previous != locked.file.name:
            storage = locked.file.storage
            transaction.on_commit(lambda: storage.delete(previous))


def _fail(snapshot: Snapshot, error: Exception) -> None:
    with transaction.atomic():
        locked = Snapshot.objects.select_for_update().get(pk=snapshot.pk)
        before = audit.snapshot(locked, AUDITED)
        locked.error = f"{type(error).__name__}: {error}"[:2000]
        locked.failed_at = timezone.now()
        if not locked.file:
            locked.status = SnapshotStatus.FAILED
        locked.save()
        _record(locked, before)


def _record(snapshot: Snapshot, before: dict) -> None:
    audit.record(
        actor=None,
        action=AuditAction.STATUS,
        target=snapshot,
        changes=audit.diff(before, audit.snapshot(snapshot, AUDITED)),
        tenant_code=snapshot.province.code if snapshot.province_id else "",
    )
