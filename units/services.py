"""Every write to the units registry. Each service takes the acting user, runs in one
transaction, checks the actor's right through accounts.scoping, and records an audit event."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import scoping
from core import audit
from core.errors import NotFound, PermissionDenied
from core.models import AuditAction
from units.models import AnnualEmissions, City, Enterprise, Facility, Industry, Province

ENTERPRISE_FIELDS = (
    "uscc",
    "name_zh",
    "name_en",
    "province",
    "city",
    "industry",
    "status",
    "address",
    "contact_name",
    "contact_phone",
    "contact_email",
    "is_in_pilot_market",
)
FACILITY_FIELDS = (
    "name",
    "category",
    "capacity",
    "capacity_unit",
    "fuel",
    "cooling",
    "commissioned_on",
)


@dataclass(frozen=True)
class EnterpriseData:
    """The editable fields of an enterprise, already parsed."""

    uscc: str
    name_zh: str
    province: Province
    industry: Industry
    city: City | None = None
    name_en: str = ""
    status: str = "active"
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    is_in_pilot_market: bool = False


def _check_city(city: City | None, province: Province) -> None:
    if city is not None and city.province_id != province.pk:
        raise ValidationError(
            {"city": _("%(city)s is not in %(province)s.") % {"city": city, "province": province}}
        )


@transaction.atomic
def create_enterprise(*, actor: scoping.Actor, data: EnterpriseData) -> Enterprise:
    if not scoping.can_create(
        actor, Enterprise, province_id=data.province.pk, city_id=getattr(data.city, "pk", None)
    ):
        raise PermissionDenied(_("You may not add key emission units in this province or city."))
    _check_city(data.city, data.province)
    enterprise = Enterprise(**{name: getattr(data, name) for name in ENTERPRISE_FIELDS})
    enterprise.uscc = enterprise.uscc.strip().upper()
    return _create(
        actor=actor, instance=enterprise, fields=ENTERPRISE_FIELDS, tenant_code=data.province.code
    )


def _create(*, actor, instance, fields, tenant_code):
    """Validate, save and audit a new row (every field as "after")."""
    instance.full_clean()
    instance.save()
    audit.record(
        actor=actor.user,
        action=AuditAction.CREATE,
        target=instance,
        tenant_code=tenant_code,
        changes=audit.diff({}, audit.snapshot(instance, fields)),
    )
    return instance


@transaction.atomic
def update_enterprise(
    *, actor: scoping.Actor, enterprise: Enterprise, changes: dict[str, Any]
) -> Enterprise:
    """Change the named fields. The province cannot move: a unit that relocates is re-registered."""
    refused = set(changes) - (set(ENTERPRISE_FIELDS) | {"merged_into"}) | (
        {"province"} & set(changes)
    )
    if refused:
        raise ValueError(f"fields that cannot be changed here: {sorted(refused)}")

    def check(locked: Enterprise) -> None:
        locked.uscc = locked.uscc.strip().upper()
        _check_city(locked.city, locked.province)
        if not scoping.can_create(
            actor, Enterprise, province_id=locked.province_id, city_id=locked.city_id
        ):
            raise PermissionDenied(_("You may not move a key emission unit outside your city."))

    return _change(
        actor=actor,
        instance=enterprise,
        fields=ENTERPRISE_FIELDS,
        values=changes,
        tenant_code=enterprise.province.code,
        check=check,
    )


def _change(*, actor, instance, fields, values, tenant_code, check=None):
    """Lock a visible row, apply `values`, validate, save, and audit what actually changed."""
    locked = _lock_visible(actor, type(instance), pk=instance.pk)
    if not scoping.can_change(actor, locked):
        raise PermissionDenied(_("You may view this record but not change it."))
    before = audit.snapshot(locked, fields)
    for name, value in values.items():
        setattr(locked, name, value)
    if check is not None:
        check(locked)
    locked.full_clean()
    locked.save()
    after = audit.snapshot(locked, fields)
    if before != after:
        audit.record(
            actor=actor.user,
            action=AuditAction.UPDATE,
            target=locked,
            tenant_code=tenant_code,
            changes=audit.diff(before, after),
        )
    return locked


def _lock_visible(actor: scoping.Actor, model, **lookup):
    try:
        return scoping.visible(actor, model.objects.select_for_update(of=("self",))).get(**lookup)
    except model.DoesNotExist:
        raise NotFound("not found") from None


@transaction.atomic
def add_facility(
    *, actor: scoping.Actor, enterprise: Enterprise, values: dict[str, Any]
) -> Facility:
    enterprise = _lock_visible(actor, Enterprise, pk=enterprise.pk)
    if not scoping.can_change(actor, enterprise):
        raise PermissionDenied(_("You may view this key emission unit but not change it."))
    facility = Facility(
        enterprise=enterprise, **{k: values[k] for k in FACILITY_FIELDS if k in values}
    )
    return _create(
        actor=actor, instance=facility, fields=FACILITY_FIELDS, tenant_code=enterprise.province.code
    )


@transaction.atomic
def update_facility(
    *, actor: scoping.Actor, facility: Facility, values: dict[str, Any]
) -> Facility:
    return _change(
        actor=actor,
        instance=facility,
        fields=FACILITY_FIELDS,
        values={name: values[name] for name in FACILITY_FIELDS if name in values},
        tenant_code=facility.enterprise.province.code,
    )


@transaction.atomic
def record_annual_emissions(
    *,
    actor: scoping.Actor,
    enterprise: Enterprise,
    year: int,
    source: str,
    direct_emissions: Decimal,
    indirect_emissions: Decimal | None = None,
) -> AnnualEmissions:
    """Record (or correct) one year's emissions; a correction is audited with before and after."""
    enterprise = _lock_visible(actor, Enterprise, pk=enterprise.pk)
    if not scoping.can_change(actor, enterprise):
        raise PermissionDenied(_("You may view this key emission unit but not change it."))
    fields = ("year", "source", "direct_emissions", "indirect_emissions")
    row = AnnualEmissions.objects.filter(enterprise=enterprise, year=year, source=source).first()
    before = audit.snapshot(row, fields) if row else {}
    row = row or AnnualEmissions(enterprise=enterprise, year=year, source=source)
    row.direct_emissions = direct_emissions
    row.indirect_emissions = indirect_emissions
    row.full_clean(exclude=["enterprise"])
    row.save()
    audit.record(
        actor=actor.user,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        target=enterprise,
        tenant_code=enterprise.province.code,
        changes=audit.diff(before, audit.snapshot(row, fields)),
    )
    return row
