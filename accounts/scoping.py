"""What a user may see and do: the one place that answers it, for every model.

Views, the API, tasks, exports and the admin all call `visible()` / `get_visible()` / `can_*()`.
The module fails closed: a user with no role sees no rows, and a model that has no rule here
raises `ScopeNotDeclared` instead of returning everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import (
    MultipleObjectsReturned,
    ObjectDoesNotExist,
    ValidationError,
)
from django.db import models
from django.db.models import Q

from accounts.models import Membership, Role
from core.errors import NotFound

M = TypeVar("M", bound=models.Model)


class ScopeNotDeclared(LookupError):
    """A model was queried through the scoping module without a rule for it."""


@dataclass(frozen=True)
class Actor:
    """A user together with everything their memberships grant."""

    user: Any
    is_administrator: bool = False
    is_ministry_reviewer: bool = False
    staff_scopes: tuple[tuple[int, int | None], ...] = ()
    enterprise_ids: frozenset[int] = field(default_factory=frozenset)
    institution_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def roles(self) -> frozenset[str]:
        roles = set()
        if self.is_administrator:
            roles.add(Role.ADMINISTRATOR)
        if self.is_ministry_reviewer:
            roles.add(Role.MINISTRY_REVIEWER)
        if self.staff_scopes:
            roles.add(Role.PROVINCIAL_STAFF)
        if self.enterprise_ids:
            roles.add(Role.ENTERPRISE_USER)
        if self.institution_ids:
            roles.add(Role.VERIFIER)
        return frozenset(roles)

    @property
    def has_role(self) -> bool:
        return bool(self.roles)

    @property
    def province_ids(self) -> frozenset[int]:
        return frozenset(province_id for province_id, _city in self.staff_scopes)

    @property
    def sees_all_provinces(self) -> bool:
        return self.is_administrator or self.is_ministry_reviewer


ANONYMOUS = Actor(user=None)


def actor_for(user) -> Actor:
    """Resolve (once per user object) the actor for a user; anonymous or inactive: no role."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_scoping_actor", None)
    if cached is not None:
        return cached
    memberships = list(
        Membership.objects.filter(user=user).values_list(
            "role", "province_id", "city_id", "enterprise_id", "institution_id"
        )
    )
    actor = Actor(
        user=user,
        is_administrator=user.is_superuser
        or any(role == Role.ADMINISTRATOR for role, *_rest in memberships),
        is_ministry_reviewer=any(role == Role.MINISTRY_REVIEWER for role, *_rest in memberships),
        staff_scopes=tuple(
            sorted((p, c) for role, p, c, _e, _i in memberships if role == Role.PROVINCIAL_STAFF)
        ),
        enterprise_ids=frozenset(
            e for role, _p, _c, e, _i in memberships if role == Role.ENTERPRISE_USER
        ),
        institution_ids=frozenset(
            i for role, _p, _c, _e, i in memberships if role == Role.VERIFIER
        ),
    )
    user._scoping_actor = actor
    return actor


@dataclass(frozen=True)
class Rule:
    """How rows of one model reach the scopes that roles are granted.

    Each path is a Django lookup from the model to the id it names ("pk" for the row itself);
    None means that role reaches no row of this model through it. `owner` names the user a
    personal row belongs to (an inbox message): only that user sees it, whatever their role.
    `province_wide` marks a row that holds the whole province's data (a bulk snapshot): staff
    bound to one city reach none of it.
    """

    province: str | None = None
    city: str | None = None
    enterprise: str | None = None
    institution: str | None = None
    owner: str | None = None
    readable_by_everyone: bool = False
    administrators_only: bool = False
    staff_may_change: bool = True
    enterprise_may_change: bool = False
    province_wide: bool = False


RULES: dict[str, Rule] = {
    "units.province": Rule(readable_by_everyone=True, staff_may_change=False),
    "units.industry": Rule(readable_by_everyone=True, staff_may_change=False),
    "units.city": Rule(province="province", readable_by_everyone=True, staff_may_change=False),
    "units.enterprise": Rule(province="province", city="city", enterprise="pk"),
    "units.facility": Rule(
        province="enterprise__province", city="enterprise__city", enterprise="enterprise"
    ),
    "units.annualemissions": Rule(
        province="enterprise__province", city="enterprise__city", enterprise="enterprise"
    ),
    "verification.institution": Rule(province="provinces", institution="pk"),
    "verification.relationship": Rule(
        province="enterprise__province",
        city="enterprise__city",
        enterprise="enterprise",
        institution="institution",
    ),
    "verification.verificationpolicy": Rule(readable_by_everyone=True, staff_may_change=False),
    "verification.holidaydate": Rule(readable_by_everyone=True, staff_may_change=False),
    "verification.evaluationscheme": Rule(readable_by_everyone=True, staff_may_change=False),
    "verification.assignment": Rule(
        province="enterprise__province",
        city="enterprise__city",
        enterprise="enterprise",
        institution="institution",
    ),
    "verification.nonconformity": Rule(
        province="assignment__enterprise__province",
        city="assignment__enterprise__city",
        enterprise="assignment__enterprise",
        institution="assignment__institution",
    ),
    "verification.verifiedactivity": Rule(
        province="assignment__enterprise__province",
        city="assignment__enterprise__city",
        enterprise="assignment__enterprise",
        institution="assignment__institution",
    ),
    "verification.verifiedfigures": Rule(
        province="enterprise__province",
        city="enterprise__city",
        enterprise="enterprise",
        institution="assignment__institution",
    ),
    "verification.objection": Rule(
        province="assignment__enterprise__province",
        city="assignment__enterprise__city",
        enterprise="assignment__enterprise",
        institution="assignment__institution",
    ),
    "verification.spotcheck": Rule(
        province="assignment__enterprise__province",
        city="assignment__enterprise__city",
        institution="assignment__institution",
    ),
    "verification.evaluationround": Rule(province="province"),
    "verification.institutionevaluation": Rule(
        province="round__province", institution="institution"
    ),
    "deadlines.deadlinerule": Rule(province="province", readable_by_everyone=True),
    "deadlines.reminderstep": Rule(readable_by_everyone=True, staff_may_change=False),
    "deadlines.obligation": Rule(
        province="province", city="enterprise__city", enterprise="enterprise"
    ),
    "deadlines.extensionrequest": Rule(
        province="obligation__province",
        city="obligation__enterprise__city",
        enterprise="obligation__enterprise",
    ),
    "deadlines.notification": Rule(owner="recipient"),
    "deadlines.calendarfeed": Rule(owner="user"),
    "units.inclusionrule": Rule(readable_by_everyone=True, staff_may_change=False),
    "units.unitlist": Rule(province="province"),
    # Enterprise users read published lists on the public pages, never a draft entry.
    "units.listentry": Rule(province="unit_list__province"),
    "reporting.dataitemschema": Rule(readable_by_everyone=True, staff_may_change=False),
    "reporting.dataitem": Rule(readable_by_everyone=True, staff_may_change=False),
    "reporting.validationthreshold": Rule(readable_by_everyone=True, staff_may_change=False),
    "reporting.monthlycertification": Rule(
        province="enterprise__province",
        city="enterprise__city",
        enterprise="enterprise",
        enterprise_may_change=True,
    ),
    "reporting.qualitycontrolplan": Rule(
        province="enterprise__province",
        city="enterprise__city",
        enterprise="enterprise",
        enterprise_may_change=True,
    ),
    "reporting.validationfinding": Rule(
        province="certification__enterprise__province",
        city="certification__enterprise__city",
        enterprise="certification__enterprise",
    ),
    "reporting.evidencefile": Rule(
        province="certification__enterprise__province",
        city="certification__enterprise__city",
        enterprise="certification__enterprise",
    ),
    "reporting.annualreport": Rule(
        province="enterprise__province",
        city="enterprise__city",
        enterprise="enterprise",
        enterprise_may_change=True,
    ),
    "reporting.reportattachment": Rule(
        province="report__enterprise__province",
        city="report__enterprise__city",
        enterprise="report__enterprise",
    ),
    "quotas.allocationplan": Rule(readable_by_everyone=True, staff_may_change=False),
    "quotas.benchmark": Rule(readable_by_everyone=True, staff_may_change=False),
    "quotas.penaltyrule": Rule(readable_by_everyone=True, staff_may_change=False),
    "quotas.compliancetarget": Rule(readable_by_everyone=True, staff_may_change=False),
    "quotas.allocationbatch": Rule(province="province"),
    "quotas.allocation": Rule(
        province="enterprise__province",
        city="enterprise__city",
        enterprise="enterprise",
    ),
    "quotas.adjustment": Rule(
        province="enterprise__province",
        city="enterprise__city",
        enterprise="enterprise",
    ),
    "quotas.allocationreview": Rule(
        province="allocation__enterprise__province",
        city="allocation__enterprise__city",
        enterprise="allocation__enterprise",
    ),
    "quotas.settlement": Rule(
        province="enterprise__province",
        city="enterprise__city",
        enterprise="enterprise",
    ),
    "quotas.surrender": Rule(
        province="settlement__enterprise__province",
        city="settlement__enterprise__city",
        enterprise="settlement__enterprise",
    ),
    "quotas.shortfallcase": Rule(
        province="settlement__enterprise__province",
        city="settlement__enterprise__city",
        enterprise="settlement__enterprise",
    ),
    "accounts.user": Rule(administrators_only=True),
    "accounts.membership": Rule(administrators_only=True),
    "accounts.apitoken": Rule(administrators_only=True),
    "core.auditevent": Rule(administrators_only=True),
    "core.heartbeat": Rule(administrators_only=True),
    # A province's snapshot holds every city's rows; a national one (no province) is the
    # ministry's. Built by the system only.
    "core.snapshot": Rule(province="province", province_wide=True, staff_may_change=False),
}


def rule_for(model: type[models.Model]) -> Rule:
    try:
        return RULES[model._meta.label_lower]
    except KeyError:
        raise ScopeNotDeclared(f"no scoping rule for {model._meta.label}") from None


def _staff_condition(rule: Rule, actor: Actor) -> Q | None:
    if rule.province is None or not actor.staff_scopes:
        return None
    condition = Q(pk__in=[])
    for province_id, city_id in actor.staff_scopes:
        if city_id is not None and rule.province_wide:
            continue
        scope = Q(**{rule.province: province_id})
        if city_id is not None and rule.city is not None:
            scope &= Q(**{rule.city: city_id})
        condition |= scope
    return condition


def _condition(rule: Rule, actor: Actor) -> Q | None:
    """The filter granting `actor` rows of a model; None means every row."""
    if rule.owner is not None:
        return Q(**{rule.owner: actor.user.pk}) if actor.user is not None else Q(pk__in=[])
    if actor.is_administrator:
        return None
    if rule.administrators_only:
        return Q(pk__in=[])
    if actor.is_ministry_reviewer or (rule.readable_by_everyone and actor.has_role):
        return None
    condition = Q(pk__in=[])
    staff = _staff_condition(rule, actor)
    if staff is not None:
        condition |= staff
    if rule.enterprise is not None and actor.enterprise_ids:
        condition |= Q(**{f"{rule.enterprise}__in": actor.enterprise_ids})
    if rule.institution is not None and actor.institution_ids:
        condition |= Q(**{f"{rule.institution}__in": actor.institution_ids})
    return condition


def visible(actor: Actor, queryset: models.QuerySet[M] | type[M]) -> models.QuerySet[M]:
    """The rows of `queryset` the actor may see (none for no role)."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    rule = rule_for(queryset.model)
    condition = _condition(rule, actor)
    if condition is None:
        return queryset
    if actor is ANONYMOUS or (not actor.has_role and rule.owner is None):
        return queryset.none()
    scoped = queryset.filter(condition)
    if (
        rule.province
        and "__" not in rule.province
        and _is_many_to_many(queryset.model, rule.province)
    ):
        scoped = scoped.distinct()
    return scoped


def _is_many_to_many(model: type[models.Model], name: str) -> bool:
    return model._meta.get_field(name).many_to_many


def get_visible(actor: Actor, queryset: models.QuerySet[M] | type[M], **lookup: Any) -> M:
    """One visible row, or NotFound: a missing row and another province's row look the same."""
    try:
        return visible(actor, queryset).get(**lookup)
    except (ObjectDoesNotExist, MultipleObjectsReturned, ValueError, ValidationError):
        raise NotFound("not found") from None


def _path_value(obj: models.Model, path: str) -> Any:
    if path == "pk":
        return obj.pk
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop)
        if obj is None:
            return None
    field_ = obj._meta.get_field(last)
    return (
        getattr(obj, field_.attname)
        if field_.is_relation and field_.many_to_one
        else getattr(obj, last)
    )


def staff_covers(actor: Actor, province_id: int | None, city_id: int | None) -> bool:
    """Whether the actor is provincial staff of that province (and city, if city-bound)."""
    return any(p == province_id and (c is None or c == city_id) for p, c in actor.staff_scopes)


def can_change(actor: Actor, obj: models.Model) -> bool:
    """Whether the actor may change or act on a row they can see."""
    rule = rule_for(type(obj))
    if rule.owner is not None:
        return actor.user is not None and _path_value(obj, rule.owner) == actor.user.pk
    if actor.is_administrator:
        return True
    if rule.administrators_only:
        return False
    if rule.staff_may_change and rule.province and actor.staff_scopes:
        city = _path_value(obj, rule.city) if rule.city else None
        if staff_covers(actor, _path_value(obj, rule.province), city):
            return True
    if rule.enterprise_may_change and rule.enterprise:
        return _path_value(obj, rule.enterprise) in actor.enterprise_ids
    return False


def can_create(
    actor: Actor, model: type[models.Model], *, province_id: int, city_id: int | None
) -> bool:
    """Whether the actor may create a row of `model` in that province and city."""
    rule = rule_for(model)
    if actor.is_administrator:
        return True
    if rule.administrators_only or not rule.staff_may_change:
        return False
    return staff_covers(actor, province_id, city_id)


def may_create_any(actor: Actor, model: type[models.Model]) -> bool:
    """Whether the actor may create rows of `model` somewhere (to show the button at all)."""
    rule = rule_for(model)
    return actor.is_administrator or (
        rule.staff_may_change and not rule.administrators_only and bool(actor.staff_scopes)
    )
