"""Verification institutions: registering and editing them, their verifier users, and the
relationships they declare with enterprises (which bar them from verifying those enterprises).
Every write takes the acting user, runs in one transaction and is audited; every read is scoped
to the actor through accounts.scoping.

Provincial staff register and edit the institutions that serve their province (province-wide
staff only: an institution has no city). An institution may serve several provinces; staff
change only their own provinces in its list, never another province's."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from accounts import scoping
from accounts.models import Membership, Role
from core import audit
from core.errors import DomainError, NotFound, PermissionDenied
from core.models import AuditAction
from units.models import Enterprise, Province
from verification.models import Assignment, Institution, Relationship

INSTITUTION_FIELDS = (
    "name_zh",
    "name_en",
    "uscc",
    "qualifications",
    "contact_name",
    "contact_phone",
    "contact_email",
)
RELATIONSHIP_FIELDS = ("institution", "enterprise", "kind", "description", "from_year", "to_year")
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


@dataclass(frozen=True)
class InstitutionData:
    """The fields of an institution, already parsed."""

    name_zh: str
    uscc: str
    provinces: tuple[Province, ...]
    name_en: str = ""
    qualifications: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""


# Who may do what


def registrable_provinces(*, actor: scoping.Actor) -> QuerySet[Province]:
    """The provinces the actor may add to (or remove from) an institution's list."""
    if actor.is_administrator:
        return Province.objects.order_by("code")
    return Province.objects.filter(pk__in=_own_provinces(actor)).order_by("code")


def _own_provinces(actor: scoping.Actor) -> set[int]:
    """Provinces where the actor is province-wide staff (city-bound staff do not register
    institutions: an institution serves a whole province)."""
    return {
        province_id
        for province_id, _city in actor.staff_scopes
        if scoping.can_create(actor, Institution, province_id=province_id, city_id=None)
    }


def may_register(actor: scoping.Actor) -> bool:
    return actor.is_administrator or bool(_own_provinces(actor))


def may_change(actor: scoping.Actor, institution: Institution) -> bool:
    """Administrators, and province-wide staff of a province the institution serves."""
    if actor.is_administrator:
        return True
    served = {province.pk for province in institution.provinces.all()}
    return bool(served & _own_provinces(actor))


def _require_change(actor: scoping.Actor, institution: Institution) -> None:
    if not may_change(actor, institution):
        raise PermissionDenied(
            _("Only provincial staff of a province the institution serves can change it.")
        )


def _tenant_code(actor: scoping.Actor, provinces: Iterable[Province]) -> str:
    """The province the change is recorded under: the first the actor acts for."""
    own = _own_provinces(actor)
    codes = [
        province.code for province in provinces if actor.is_administrator or province.pk in own
    ]
    return min(codes) if codes else ""


def _codes(provinces: Iterable[Province]) -> list[str]:
    return sorted(province.code for province in provinces)


# Institutions


def _normalised_uscc(value: str) -> str:
    return "".join(value.split()).upper()


def _check_uscc_free(uscc: str, *, exclude_pk: int | None = None) -> None:
    taken = Institution.objects.filter(uscc=uscc)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {
                "uscc": _(
                    "An institution with this code is already registered. If it should also "
                    "serve your province, ask staff of a province it serves or an administrator "
                    "to add yours."
                )
            }
        )


@transaction.atomic
def register_institution(*, actor: scoping.Actor, data: InstitutionData) -> Institution:
    """A new institution serving the given provinces, all of which the actor must cover."""
    provinces = list(data.provinces)
    if not provinces:
        raise ValidationError({"provinces": _("Choose at least one province it serves.")})
    own = _own_provinces(actor)
    if not actor.is_administrator and any(province.pk not in own for province in provinces):
        raise PermissionDenied(
            _("You may register institutions only for the provinces you are staff of.")
        )
    institution = Institution(**{name: getattr(data, name) for name in INSTITUTION_FIELDS})
    institution.uscc = _normalised_uscc(institution.uscc)
    _check_uscc_free(institution.uscc)
    institution.full_clean()
    institution.save()
    institution.provinces.set(provinces)
    after = {**audit.snapshot(institution, INSTITUTION_FIELDS), "provinces": _codes(provinces)}
    audit.record(
        actor=actor.user,
        action=AuditAction.CREATE,
        target=institution,
        tenant_code=_tenant_code(actor, provinces),
        changes=audit.diff({}, after),
    )
    return institution


@transaction.atomic
def update_institution(
    *,
    actor: scoping.Actor,
    institution: Institution,
    changes: dict[str, Any],
    provinces: Iterable[Province] | None = None,
) -> Institution:
    """Change the named fields and, if given, which of the actor's provinces it serves (other
    provinces in its list stay as they are)."""
    unknown = set(changes) - set(INSTITUTION_FIELDS)
    if unknown:
        raise ValueError(f"fields that cannot be changed here: {sorted(unknown)}")
    locked = _lock(actor, institution)
    _require_change(actor, locked)
    served_before = served = list(locked.provinces.all())
    before = {**audit.snapshot(locked, INSTITUTION_FIELDS), "provinces": _codes(served)}
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.uscc = _normalised_uscc(locked.uscc)
    _check_uscc_free(locked.uscc, exclude_pk=locked.pk)
    locked.full_clean()
    if provinces is not None:
        served = _served_after(actor, served, list(provinces))
    locked.save()
    locked.provinces.set(served)
    after = {**audit.snapshot(locked, INSTITUTION_FIELDS), "provinces": _codes(served)}
    if before != after:
        audit.record(
            actor=actor.user,
            action=AuditAction.UPDATE,
            target=locked,
            tenant_code=_tenant_code(actor, [*served_before, *served]),
            changes=audit.diff(before, after),
        )
    return locked


def _served_after(
    actor: scoping.Actor, served: list[Province], chosen: list[Province]
) -> list[Province]:
    if actor.is_administrator:
        result = chosen
    else:
        own = _own_provinces(actor)
        if any(province.pk not in own for province in chosen):
            raise PermissionDenied(_("You may add only the provinces you are staff of."))
        result = [province for province in served if province.pk not in own] + chosen
    if not result:
        raise ValidationError({"provinces": _("Choose at least one province it serves.")})
    return result


def _lock(actor: scoping.Actor, institution: Institution) -> Institution:
    try:
        locked = Institution.objects.select_for_update().get(pk=institution.pk)
    except Institution.DoesNotExist:
        raise NotFound("not found") from None
    scoping.get_visible(actor, Institution, pk=institution.pk)
    return locked


# Verifier users


@transaction.atomic
def add_verifier(
    *,
    actor: scoping.Actor,
    institution: Institution,
    username: str,
    name: str = "",
    email: str = "",
    password: str = "",
) -> Any:
    """Make a user a verifier of the institution: a new user with that username (the password is
    required and handed over by the staff), or an existing user who holds no role yet. A verifier
    belongs to one institution."""
    institution = _lock(actor, institution)
    _require_change(actor, institution)
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("Give the user name.")})
    user = get_user_model().objects.select_for_update().filter(username=username).first()
    tenant_code = _tenant_code(actor, institution.provinces.all())
    if user is None:
        user = _create_user(
            actor,
            username=username,
            name=name,
            email=email,
            password=password,
            tenant_code=tenant_code,
        )
    else:
        _check_attachable(user, institution, password=password)
    membership = Membership.objects.create(user=user, role=Role.VERIFIER, institution=institution)
    audit.record(
        actor=actor.user,
        action=AuditAction.CREATE,
        target=membership,
        tenant_code=tenant_code,
        changes=audit.diff(
            {}, {"user": user.username, "role": Role.VERIFIER, "institution": str(institution)}
        ),
    )
    return user


def _create_user(
    actor: scoping.Actor, *, username: str, name: str, email: str, password: str, tenant_code: str
):
    if not password:
        raise ValidationError(
            {"password": _("A new user needs an initial password, which you hand over to them.")}
        )
    user = get_user_model()(username=username, first_name=name.strip(), email=email.strip())
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user.set_password(password)
    user.full_clean()
    user.save()
    audit.record(
        actor=actor.user,
        action=AuditAction.CREATE,
        target=user,
        tenant_code=tenant_code,
        changes=audit.diff({}, audit.snapshot(user, ("username", "first_name", "email"))),
    )
    return user


def _check_attachable(user, institution: Institution, *, password: str) -> None:
    if password:
        raise ValidationError(
            {
                "password": _(
                    "This user already exists: leave the password empty to add them as they are."
                )
            }
        )
    roles = list(Membership.objects.filter(user=user).values_list("role", "institution_id"))
    if any(role == Role.VERIFIER and pk == institution.pk for role, pk in roles):
        message = _("This user is already a verifier of %(name)s.") % {"name": institution}
        raise ValidationError({"username": message})
    if roles or user.is_superuser or not user.is_active:
        raise ValidationError(
            {
                "username": _(
                    "This user already has another role (or is inactive): a verifier belongs to "
                    "one institution and holds no other role."
                )
            }
        )


# Declared relationships


def _check_years(from_year: int, to_year: int | None) -> None:
    for field, year in (("from_year", from_year), ("to_year", to_year)):
        if year is not None and not EARLIEST_YEAR <= year <= LATEST_YEAR:
            message = _("Enter a year between %(low)d and %(high)d.") % {
                "low": EARLIEST_YEAR,
                "high": LATEST_YEAR,
            }
            raise ValidationError({field: message})
    if to_year is not None and to_year < from_year:
        raise ValidationError({"to_year": _("The last year must not be before the first year.")})


@transaction.atomic
def declare_relationship(
    *,
    actor: scoping.Actor,
    institution: Institution,
    enterprise: Enterprise,
    kind: str,
    from_year: int,
    to_year: int | None = None,
    description: str = "",
) -> Relationship:
    """Record a relationship the institution declares with an enterprise (a consultancy, a
    shareholding...): while it lasts, the institution may not verify that enterprise. Recorded by
    staff covering the enterprise."""
    institution = scoping.get_visible(actor, Institution, pk=institution.pk)
    enterprise = scoping.get_visible(
        actor, Enterprise.objects.select_related("province"), pk=enterprise.pk
    )
    if not scoping.can_create(
        actor, Relationship, province_id=enterprise.province_id, city_id=enterprise.city_id
    ):
        raise PermissionDenied(_("Only provincial staff covering the unit can record this."))
    _check_years(from_year, to_year)
    relationship = Relationship(
        institution=institution,
        enterprise=enterprise,
        kind=kind,
        description=description.strip(),
        from_year=from_year,
        to_year=to_year,
        declared_by=actor.user,
    )
    relationship.full_clean()
    relationship.save()
    audit.record(
        actor=actor.user,
        action=AuditAction.CREATE,
        target=relationship,
        tenant_code=enterprise.province.code,
        changes=audit.diff({}, audit.snapshot(relationship, RELATIONSHIP_FIELDS)),
    )
    return relationship


@transaction.atomic
def end_relationship(
    *, actor: scoping.Actor, relationship: Relationship, to_year: int
) -> Relationship:
    """Record the last year a declared relationship covers."""
    try:
        locked = scoping.visible(
            actor,
            Relationship.objects.select_for_update(of=("self",)).select_related(
                "enterprise__province", "institution"
            ),
        ).get(pk=relationship.pk)
    except Relationship.DoesNotExist:
        raise NotFound("not found") from None
    if not scoping.can_change(actor, locked):
        raise PermissionDenied(_("Only provincial staff covering the unit can record this."))
    if locked.to_year is not None:
        raise DomainError(
            _("This relationship already ended in %(year)d.") % {"year": locked.to_year},
            field="to_year",
        )
    _check_years(locked.from_year, to_year)
    before = audit.snapshot(locked, RELATIONSHIP_FIELDS)
    locked.to_year = to_year
    locked.save(update_fields=["to_year", "updated_at"])
    audit.record(
        actor=actor.user,
        action=AuditAction.UPDATE,
        target=locked,
        tenant_code=locked.enterprise.province.code,
        changes=audit.diff(before, audit.snapshot(locked, RELATIONSHIP_FIELDS)),
    )
    return locked


# Reads


def institution_list(*, actor: scoping.Actor) -> QuerySet[Institution]:
    """Visible institutions with the provinces they serve and their number of verifiers."""
    return (
        scoping.visible(actor, Institution)
        .annotate(
            verifier_count=Count(
                "membership", filter=Q(membership__role=Role.VERIFIER), distinct=True
            )
        )
        .prefetch_related(Prefetch("provinces", queryset=Province.objects.order_by("code")))
        .order_by("name_zh", "pk")
    )


def institution_detail(*, actor: scoping.Actor, public_id) -> Institution:
    return scoping.get_visible(
        actor,
        Institution.objects.prefetch_related(
            Prefetch("provinces", queryset=Province.objects.order_by("code"))
        ),
        public_id=public_id,
    )


def verifiers(*, actor: scoping.Actor, institution: Institution) -> QuerySet[Membership]:
    """The institution's verifier users.

    The caller resolved `institution` through a scoped selector, which is the grant; it is
    checked again here so that no other path reads memberships.
    """
    scoping.get_visible(actor, Institution, pk=institution.pk)
    return (
        Membership.objects.filter(role=Role.VERIFIER, institution=institution)
        .select_related("user")
        .order_by("user__username")
    )


def relationships(*, actor: scoping.Actor, institution: Institution) -> QuerySet[Relationship]:
    """The institution's declared relationships with the enterprises the actor may see."""
    return (
        scoping.visible(actor, Relationship)
        .filter(institution=institution)
        .select_related("enterprise", "declared_by")
        .order_by("enterprise__name_zh", "-from_year", "pk")
    )


def enterprise_by_uscc(*, actor: scoping.Actor, uscc: str) -> Enterprise:
    """A unit the actor may see, by its code (Enterprise.DoesNotExist if none)."""
    enterprise = scoping.visible(actor, Enterprise).filter(uscc=uscc).first()
    if enterprise is None:
        raise Enterprise.DoesNotExist
    return enterprise


def visible_to(actor: scoping.Actor, institution: Institution) -> bool:
    return scoping.visible(actor, Institution).filter(pk=institution.pk).exists()


def relationship_detail(*, actor: scoping.Actor, public_id) -> Relationship:
    return scoping.get_visible(
        actor,
        Relationship.objects.select_related("institution", "enterprise"),
        public_id=public_id,
    )


def institution_assignments(
    *, actor: scoping.Actor, institution: Institution
) -> QuerySet[Assignment]:
    """The institution's assignments the actor may see, newest year first."""
    return (
        scoping.visible(actor, Assignment)
        .filter(institution=institution)
        .select_related("enterprise__industry", "enterprise__city")
        .order_by("-year", "due_date", "enterprise__name_zh", "pk")
    )
