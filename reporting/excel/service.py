"""The upload itself: the permission checks, the all-or-nothing reading, and the save through
services.save_values, so an upload and the same figures typed into the form give one result."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import DataError, transaction
from django.utils.translation import gettext as _

from accounts import scoping
from core import audit
from core.errors import DomainError, PermissionDenied
from core.models import AuditAction
from reporting import services
from reporting.excel.combine import combine
from reporting.excel.layout import item_columns
from reporting.excel.reader import read_rows
from reporting.excel.rows import parse_rows
from reporting.models import MonthlyCertification
from reporting.validation import Found
from units.imports.errors import ImportFileRejected, ImportRejected


@dataclass(frozen=True)
class UploadResult:
    certification: MonthlyCertification
    values: dict[str, str]
    findings: list[Found]
    rows_read: int
    rows_used: int
    of_days: bool

    @property
    def rows_skipped(self) -> int:
        """Days of other months (in a file of days): checked, but not part of this month."""
        return self.rows_read - self.rows_used


def upload(
    *, actor: scoping.Actor, certification: MonthlyCertification, uploaded_file: UploadedFile
) -> UploadResult:
    """Fill a draft from an uploaded template: every value of the file's month, or nothing.

    Raises NotFound (a certification the actor cannot see), PermissionDenied (not the
    enterprise's user), DomainError (not a draft), ImportFileRejected (the file as a whole) or
    ImportRejected (every bad cell, by row and column); then saves with save_values and returns
    what its validation found.
    """
    certification = scoping.get_visible(
        actor,
        MonthlyCertification.objects.select_related("schema", "enterprise"),
        pk=certification.pk,
    )
    if certification.enterprise_id not in actor.enterprise_ids:
        raise PermissionDenied(_("Only the enterprise's own users can do this."))
    if not certification.is_editable:
        raise DomainError(_("A submitted certification is never changed; start a new version."))
    items = list(certification.schema.items.all())
    columns = item_columns(items)
    parsed = parse_rows(columns, read_rows(uploaded_file, certification.schema, columns))
    if parsed.errors:
        raise ImportRejected(parsed.errors)
    month = (certification.year, certification.month)
    rows = [
        row for row in parsed.rows if not row.is_day or (row.label.year, row.label.month) == month
    ]
    if not rows:
        raise ImportFileRejected(
            _("No row of the file is a day of %(month)s.")
            % {"month": f"{certification.year}-{certification.month:02d}"}
            if parsed.of_days
            else _("The file has no figures below the header.")
        )
    values = combine(items, rows, of_days=parsed.of_days)
    try:
        findings = _save(actor, certification, values, filename=uploaded_file.name or "", rows=rows)
    except DataError as exc:
        # Emissions beyond what the certification can store (10^12 t): a file in wrong units.
        raise ImportFileRejected(
            _("The month's figures are too large to be stored; check the units of the file.")
        ) from exc
    certification.refresh_from_db()  # as save_values left it: values, emissions, calculation
    return UploadResult(
        certification=certification,
        values=values,
        findings=findings,
        rows_read=len(parsed.rows),
        rows_used=len(rows),
        of_days=parsed.of_days,
    )


@transaction.atomic
def _save(actor, certification, values, *, filename: str, rows: list) -> list[Found]:
    findings = services.save_values(actor=actor, certification=certification, values=values)
    audit.record(
        actor=actor.user,
        action=AuditAction.IMPORT,
        target=certification,
        tenant_code=certification.enterprise.province.code,
        changes={"rows": {"before": None, "after": len(rows)}},
        note=filename[:200],
    )
    return findings
