from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.scoping import Actor
from core.api.viewsets import ScopedListViewSet, ScopedReadOnlyViewSet
from units.api import filters, serializers
from units.models import (
    AnnualEmissions,
    Decision,
    Enterprise,
    Facility,
    Industry,
    ListEntry,
    ListStatus,
    Province,
    UnitList,
)


class ProvinceViewSet(ScopedReadOnlyViewSet):
    """The 31 provinces and the Xinjiang Production and Construction Corps: the tenants,
    addressed by their GB/T 2260 code."""

    queryset = Province.objects.all()
    serializer_class = serializers.ProvinceSerializer
    lookup_field = "code"
    lookup_value_regex = r"[0-9]{6}"
    lookup_schema_type = str
    lookup_schema_pattern = r"^[0-9]{6}$"
    lookup_description = _("The province's GB/T 2260 code, e.g. 370000 for Shandong.")
    ordering_fields = {"code": "code"}
    ordering = ("code",)


class IndustryViewSet(ScopedListViewSet):
    """GB/T 4754 industries and the sector each belongs to."""

    queryset = Industry.objects.all()
    serializer_class = serializers.IndustrySerializer
    filterset_class = filters.IndustryFilter
    ordering_fields = {"code": "code", "sector": "sector"}
    ordering = ("sector", "code")


class EnterpriseViewSet(ScopedReadOnlyViewSet):
    """Key emission units, with their facilities."""

    queryset = Enterprise.objects.select_related(
        "province", "city", "industry", "merged_into"
    ).prefetch_related(Prefetch("facilities", queryset=Facility.objects.order_by("name", "pk")))
    serializer_class = serializers.EnterpriseSerializer
    filterset_class = filters.EnterpriseFilter
    ordering_fields = {
        "province": "province__code",
        "name": "name_zh",
        "uscc": "uscc",
        "created_at": "created_at",
        "updated_at": "updated_at",
    }
    ordering = ("province", "name")


class AnnualEmissionsViewSet(ScopedListViewSet):
    """Units' annual emissions (tCO2e), as reported and as verified, one row per unit, year and
    source (a list: rows are found by unit, year and source, not by an id of their own)."""

    queryset = AnnualEmissions.objects.select_related("enterprise__province")
    serializer_class = serializers.AnnualEmissionsSerializer
    filterset_class = filters.AnnualEmissionsFilter
    ordering_fields = {"year": "year", "enterprise": "enterprise__name_zh", "source": "source"}
    ordering = ("-year", "enterprise", "source")


class UnitListViewSet(ScopedReadOnlyViewSet):
    """Published lists of key emission units, one per province and year (the current revision;
    a correction replaces the revision it corrects)."""

    queryset = UnitList.objects.select_related("province", "supersedes").annotate(
        listed=Count(
            "entries", filter=Q(entries__decision__in=[Decision.NEW, Decision.CONTINUING])
        ),
        removed=Count("entries", filter=Q(entries__decision=Decision.REMOVED)),
    )
    serializer_class = serializers.UnitListSerializer
    filterset_class = filters.UnitListFilter
    ordering_fields = {
        "province": "province__code",
        "year": "year",
        "published_at": "published_at",
        "updated_at": "updated_at",
    }
    ordering = ("province", "-year")

    def restrict(self, actor: Actor, rows: QuerySet) -> QuerySet:
        return rows.filter(status=ListStatus.PUBLISHED)


class ListEntryViewSet(ScopedReadOnlyViewSet):
    """The entries of published lists: each unit's decision, the reason and the figures, and the
    unit's name, code, city and industry as the list published them."""

    queryset = ListEntry.objects.select_related("unit_list__province", "enterprise")
    serializer_class = serializers.ListEntrySerializer
    filterset_class = filters.ListEntryFilter
    ordering_fields = {
        "province": "unit_list__province__code",
        "year": "unit_list__year",
        "scope": "scope",
        "name": "published_name",
        "decision": "decision",
        "updated_at": "updated_at",
    }
    ordering = ("province", "-year", "scope", "name")

    def restrict(self, actor: Actor, rows: QuerySet) -> QuerySet:
        return rows.filter(unit_list__status=ListStatus.PUBLISHED)
