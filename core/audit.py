"""Recording audit events. Services call `record` inside their transaction."""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models

from core.models import AuditAction, AuditEvent, target_label


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of an instance as JSON-ready values (foreign keys by their label)."""
    return {name: _plain(getattr(instance, name)) for name in fields}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Only the fields that changed, each as {"before": ..., "after": ...}."""
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def build(
    *,
    actor,
    action: AuditAction,
    target: models.Model,
    changes: Mapping[str, Any] | None = None,
    tenant_code: str = "",
    note: str = "",
) -> AuditEvent:
    return AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "system",
        tenant_code=tenant_code,
        action=action,
        target_type=target_label(target),
        target_id=str(target.pk),
        target_repr=str(target)[:300],
        changes=dict(changes or {}),
        note=note,
    )


def record(**kwargs: Any) -> AuditEvent:
    event = build(**kwargs)
    event.save()
    return event


def record_many(events: list[AuditEvent]) -> None:
    AuditEvent.objects.bulk_create(events, batch_size=1000)
