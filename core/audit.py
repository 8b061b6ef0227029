"""Recording audit events. Services call `record` inside their transaction."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

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
        actor_name=getattr(actor, "username", ""),
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


@dataclass(frozen=True)
class ChangeLine:
    label: str
    before: str
    after: str


def describe_changes(event: AuditEvent) -> list[ChangeLine]:
    """An event's changes for reading: field verbose names and choice labels, in the active
    language (the event itself keeps the raw values). A model may name changes that are not
    fields in an `audit_labels` mapping."""
    try:
        model = apps.get_model(event.target_type)
    except (LookupError, ValueError):
        model = None
    extra_labels = getattr(model, "audit_labels", {})
    lines = []
    for name, change in event.changes.items():
        field = _field(model, name)
        if name in extra_labels:
            label = extra_labels[name]
        else:
            label = capfirst(field.verbose_name) if field is not None else name
        lines.append(
            ChangeLine(
                str(label), _shown(field, change.get("before")), _shown(field, change.get("after"))
            )
        )
    return lines


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _shown(field, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)
