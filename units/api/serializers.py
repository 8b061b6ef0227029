from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import DescribedModelSerializer, UnitRecordSerializer
from units.models import (
    AnnualEmissions,
    City,
    Enterprise,
    Facility,
    Industry,
    ListEntry,
    Province,
    UnitList,
)

PUBLIC_ID = _("The record's public identifier (UUID); the API addresses records by it.")
URL = _("This record in the API.")


class ProvinceSerializer(DescribedModelSerializer):
    """A province, autonomous region or municipality, or the XPCC: one tenant."""

    url = serializers.HyperlinkedIdentityField(
        view_name="api:province-detail", lookup_field="code", help_text=URL
    )

    class Meta:
        model = Province
        fields = ["code", "url", "name_zh", "name_en", "short_name_zh"]


class IndustrySerializer(DescribedModelSerializer):
    """A GB/T 4754 industry and the sector of the carbon market it belongs to."""

    class Meta:
        model = Industry
        fields = ["code", "standard", "sector", "name_zh", "name_en", "is_market_sector"]


class CitySerializer(DescribedModelSerializer):
    """A prefecture-level city (or district, league, division)."""

    class Meta:
        model = City
        fields = ["code", "name_zh", "name_en"]


class FacilitySerializer(DescribedModelSerializer):
    """A generating unit, production line, boiler or kiln of a key emission unit."""

    id = serializers.UUIDField(source="public_id", read_only=True, help_text=PUBLIC_ID)

    class Meta:
        model = Facility
        fields = [
            "id",
            "name",
            "category",
            "capacity",
            "capacity_unit",
            "fuel",
            "cooling",
            "commissioned_on",
        ]


class AnnualEmissionsSerializer(UnitRecordSerializer):
    """A unit's emissions of one year, as reported or as verified (tCO2e)."""

    class Meta:
        model = AnnualEmissions
        fields = [
            "enterprise",
            "province",
            "year",
            "source",
            "direct_emissions",
            "indirect_emissions",
            "created_at",
        ]


class EnterpriseSerializer(DescribedModelSerializer):
    """A key emission unit: one legal entity, identified by its unified social credit code."""

    id = serializers.UUIDField(source="public_id", read_only=True, help_text=PUBLIC_ID)
    url = serializers.HyperlinkedIdentityField(
        view_name="api:enterprise-detail", lookup_field="public_id", help_text=URL
    )
    province = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        help_text=_("The province (GB/T 2260 code) the unit is registered in."),
    )
    city = CitySerializer(read_only=True, allow_null=True, help_text=_("The city, if known."))
    industry = IndustrySerializer(read_only=True, help_text=_("The unit's industry and sector."))
    merged_into = serializers.SlugRelatedField(
        slug_field="public_id",
        read_only=True,
        allow_null=True,
        help_text=_("For a merged unit: the unit (id) it was merged into."),
    )
    facilities = FacilitySerializer(
        many=True, read_only=True, help_text=_("Generating units and production lines.")
    )

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "url",
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
            "merged_into",
            "facilities",
            "created_at",
            "updated_at",
        ]


class UnitListSerializer(DescribedModelSerializer):
    """A province's published list of key emission units for one year (one revision)."""

    id = serializers.UUIDField(source="public_id", read_only=True, help_text=PUBLIC_ID)
    url = serializers.HyperlinkedIdentityField(
        view_name="api:unit-list-detail", lookup_field="public_id", help_text=URL
    )
    province = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("The province (GB/T 2260 code).")
    )
    supersedes = serializers.SlugRelatedField(
        slug_field="public_id",
        read_only=True,
        allow_null=True,
        help_text=_("For a corrected revision: the revision (id) it corrects."),
    )
    listed = serializers.IntegerField(
        read_only=True, help_text=_("Units on the list (new and continuing).")
    )
    removed = serializers.IntegerField(read_only=True, help_text=_("Units removed from the list."))
    entries = serializers.SerializerMethodField(
        help_text=_("The list's entries in the API (list-entries filtered by this list).")
    )

    class Meta:
        model = UnitList
        fields = [
            "id",
            "url",
            "province",
            "year",
            "revision",
            "status",
            "supersedes",
            "correction_reason",
            "published_at",
            "listed",
            "removed",
            "entries",
            "updated_at",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_entries(self, unit_list: UnitList) -> str:
        path = f"{reverse('api:list-entry-list')}?{urlencode({'list': unit_list.public_id})}"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ListEntrySerializer(DescribedModelSerializer):
    """One unit's entry on a published list: the decision, why, and the unit as published."""

    id = serializers.UUIDField(source="public_id", read_only=True, help_text=PUBLIC_ID)
    url = serializers.HyperlinkedIdentityField(
        view_name="api:list-entry-detail", lookup_field="public_id", help_text=URL
    )
    list = serializers.UUIDField(
        source="unit_list.public_id", read_only=True, help_text=_("The list (id) of the entry.")
    )
    province = serializers.CharField(
        source="unit_list.province.code",
        read_only=True,
        help_text=_("The province (GB/T 2260 code) of the list."),
    )
    year = serializers.IntegerField(
        source="unit_list.year", read_only=True, help_text=_("The list year.")
    )
    enterprise = serializers.UUIDField(
        source="enterprise.public_id", read_only=True, help_text=_("The unit (id).")
    )
    explanation = serializers.DictField(
        read_only=True,
        help_text=_("The figures and the inclusion rule behind the proposed decision."),
    )

    class Meta:
        model = ListEntry
        fields = [
            "id",
            "url",
            "list",
            "province",
            "year",
            "enterprise",
            "scope",
            "proposed",
            "decision",
            "reason_code",
            "explanation",
            "basis_emissions",
            "override_reason",
            "published_name",
            "published_uscc",
            "published_city_zh",
            "published_city_en",
            "published_industry_code",
            "published_industry_zh",
            "published_industry_en",
            "updated_at",
        ]
