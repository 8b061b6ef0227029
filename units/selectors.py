"""Every read of the units registry, scoped to the acting user through accounts.scoping."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts import scoping
from core.models import AuditEvent, target_label
from units.models import AnnualEmissions, City, Enterprise, Facility, Industry, Province, Sector


@dataclass(frozen=True)
class EnterpriseFilters:
    q: str = ""
    province: Province | None = None
    industry: Industry | None = None
    sector: str = ""
    city: City | None = None
    status: str = ""
    emissions_min: Decimal | None = None
    emissions_max: Decimal | None = None


def enterprise_list(*, actor: scoping.Actor, filters: EnterpriseFilters) -> QuerySet[Enterprise]:
    """Visible enterprises with their latest emissions, filtered; one query per page."""
    enterprises = (
        scoping.visible(actor, Enterprise)
        .select_related("province", "city", "industry")
        .with_latest_emissions()
        .order_by("province__code", "name_zh", "pk")
    )
    if filters.q:
        term = filters.q.strip()
        enterprises = enterprises.filter(
            Q(name_zh__icontains=term)
            | Q(name_en__icontains=term)
            | Q(uscc__icontains=term.upper())
        )
    for name in ("province", "industry", "city", "status"):
        value = getattr(filters, name)
        if value:
            enterprises = enterprises.filter(**{name: value})
    if filters.sector:
        enterprises = enterprises.filter(industry__sector=filters.sector)
    if filters.emissions_min is not None:
        enterprises = enterprises.filter(latest_direct_emissions__gte=filters.emissions_min)
    if filters.emissions_max is not None:
        enterprises = enterprises.filter(latest_direct_emissions__lte=filters.emissions_max)
    return enterprises


def enterprise_detail(*, actor: scoping.Actor, public_id) -> Enterprise:
    """One visible enterprise with its facilities and emissions history, or NotFound."""
    queryset = Enterprise.objects.select_related(
        "province", "city", "industry", "merged_into"
    ).prefetch_related(
        Prefetch("facilities", queryset=Facility.objects.order_by("name")),
        Prefetch("annual_emissions", queryset=AnnualEmissions.objects.order_by("-year", "source")),
    )
    return scoping.get_visible(actor, queryset, public_id=public_id)


def facility_detail(*, actor: scoping.Actor, public_id) -> Facility:
    return scoping.get_visible(
        actor,
        Facility.objects.select_related("enterprise__province", "enterprise__city"),
        public_id=public_id,
    )


def enterprise_history(*, actor: scoping.Actor, enterprise: Enterprise) -> QuerySet[AuditEvent]:
    """Audit events of an enterprise and of its facilities, newest first.

    The caller has already resolved `enterprise` through a scoped selector, which is the grant.
    """
    scoping.get_visible(actor, Enterprise, pk=enterprise.pk)
    facility_ids = [str(pk) for pk in enterprise.facilities.values_list("pk", flat=True)]
    return AuditEvent.objects.filter(
        Q(target_type=target_label(Enterprise), target_id=str(enterprise.pk))
        | Q(target_type=target_label(Facility), target_id__in=facility_ids)
    ).order_by("-occurred_at", "-id")


def cities_for(*, actor: scoping.Actor, province: Province | None = None) -> QuerySet[City]:
    """The cities the actor works in: a city-bound staff member only gets their own city."""
    cities = scoping.visible(actor, City).select_related("province")
    if province is not None:
        cities = cities.filter(province=province)
    if actor.staff_scopes and not actor.sees_all_provinces:
        allowed = Q(pk__in=[])
        for province_id, city_id in actor.staff_scopes:
            allowed |= Q(pk=city_id) if city_id else Q(province_id=province_id)
        cities = cities.filter(allowed)
    return cities


def provinces_for(*, actor: scoping.Actor) -> QuerySet[Province]:
    """The provinces whose data the actor can see (all for ministry and administrators)."""
    provinces = Province.objects.all()
    if actor.sees_all_provinces:
        return provinces
    if actor.staff_scopes:
        return provinces.filter(pk__in=actor.province_ids)
    if actor.enterprise_ids:
        return provinces.filter(enterprises__in=actor.enterprise_ids).distinct()
    return provinces.none()


def industries() -> QuerySet[Industry]:
    return Industry.objects.order_by("sector", "code")


def province_summaries(*, actor: scoping.Actor) -> QuerySet[Province]:
    """Visible provinces with counts of their enterprises by sector family, in one query."""
    visible = scoping.visible(actor, Enterprise).values("pk")
    market = [Sector.POWER, Sector.STEEL, Sector.CEMENT, Sector.ALUMINIUM]
    in_scope = Q(enterprises__in=visible)
    return (
        (
            Province.objects.filter(pk__in=scoping.visible(actor, Enterprise).values("province"))
            if not actor.sees_all_provinces
            else Province.objects.all()
        )
        .annotate(
            enterprise_count=Count("enterprises", filter=in_scope),
            market_count=Count(
                "enterprises", filter=in_scope & Q(enterprises__industry__sector__in=market)
            ),
            reporting_only_count=Count(
                "enterprises", filter=in_scope & ~Q(enterprises__industry__sector__in=market)
            ),
            active_count=Count("enterprises", filter=in_scope & Q(enterprises__status="active")),
        )
        .order_by("code")
    )


def sector_counts(*, actor: scoping.Actor) -> list[dict]:
    rows = (
        scoping.visible(actor, Enterprise)
        .values("industry__sector")
        .annotate(count=Count("pk"), active=Count("pk", filter=Q(status="active")))
        .order_by("industry__sector")
    )
    labels = dict(Sector.choices)
    return [
        {**row, "label": labels.get(row["industry__sector"], row["industry__sector"])}
        for row in rows
    ]


def my_enterprises(*, actor: scoping.Actor) -> QuerySet[Enterprise]:
    return (
        scoping.visible(actor, Enterprise)
        .filter(pk__in=actor.enterprise_ids)
        .select_related("province", "city", "industry")
        .with_latest_emissions()
        .order_by("name_zh")
    )
