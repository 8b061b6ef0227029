"""The import itself: the permission check, all-or-nothing validation, the audited bulk save."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import scoping
from core import audit
from core.errors import PermissionDenied
from core.models import AuditAction
from core.xlsx import check_file
from units.imports.errors import ImportFileRejected, ImportRejected
from units.imports.reader import _read_rows
from units.imports.rows import _load_context, _RowParser
from units.models import City, Enterprise, Province
from units.services import ENTERPRISE_FIELDS

BATCH_SIZE = 1000


@dataclass(frozen=True)
class ImportResult:
    created: int
    enterprises: list[Enterprise]


@transaction.atomic
def import_enterprises(
    *, actor: scoping.Actor, province: Province, uploaded_file: UploadedFile
) -> ImportResult:
    """Register every unit of the file, or none: any invalid row rejects the whole file."""
    check_file(uploaded_file)
    cities = {city.name_zh: city for city in City.objects.filter(province=province)}
    if not _may_import_into(actor, province, cities.values()):
        raise PermissionDenied(_("You may not add key emission units in this province."))
    rows = _read_rows(uploaded_file)
    context = _load_context(actor, province, cities, rows)
    enterprises, errors = [], []
    for row in rows:
        parser = _RowParser(context, row)
        enterprise = parser.parse()
        errors.extend(parser.errors)
        if enterprise is not None:
            enterprises.append(enterprise)
    if errors:
        raise ImportRejected(errors)
    _save(actor, province, enterprises, filename=uploaded_file.name or "")
    return ImportResult(created=len(enterprises), enterprises=enterprises)


def _may_import_into(actor: scoping.Actor, province: Province, cities: Iterable[City]) -> bool:
    """Whether the actor may add units somewhere in the province (a city-bound user: their city)."""
    return any(
        scoping.can_create(actor, Enterprise, province_id=province.pk, city_id=city_id)
        for city_id in [None, *(city.pk for city in cities)]
    )


def _save(
    actor: scoping.Actor, province: Province, enterprises: list[Enterprise], *, filename: str
) -> None:
    try:
        Enterprise.objects.bulk_create(enterprises, batch_size=BATCH_SIZE)
    except IntegrityError as exc:
        # Only the national USCC uniqueness can fail here: someone registered one meanwhile.
        raise ImportFileRejected(
            _("A unit of this file was registered by someone else during the import; nothing "
              "was imported. Upload the file again to see which.")
        ) from exc  # fmt: skip
    note = filename
    audit.record_many([
        audit.build(
            actor=actor.user,
            action=AuditAction.IMPORT,
            target=enterprise,
            tenant_code=province.code,
            changes=audit.diff({}, audit.snapshot(enterprise, ENTERPRISE_FIELDS)),
            note=note,
        )
        for enterprise in enterprises
    ])  # fmt: skip
