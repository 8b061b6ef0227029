"""Reads for the role home pages."""

from django.db.models import Count, Q, QuerySet

from accounts import scoping
from units.models import Enterprise, Province, Sector
from verification.models import Institution


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


def my_institutions(*, actor: scoping.Actor) -> QuerySet[Institution]:
    return (
        scoping.visible(actor, Institution)
        .filter(pk__in=actor.institution_ids)
        .prefetch_related("provinces")
        .order_by("name_zh")
    )
