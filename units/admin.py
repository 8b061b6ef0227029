from django.contrib import admin

from core.admin import ReadOnlyAdmin
from units.models import (
    AnnualEmissions,
    City,
    Enterprise,
    Facility,
    InclusionRule,
    Industry,
    Province,
    UnitList,
)


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["province", "code", "name_zh", "name_en"]
    list_filter = ["province"]
    search_fields = ["name_zh", "name_en", "code"]


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "sector", "is_market_sector", "standard"]
    list_filter = ["sector", "is_market_sector"]


class FacilityInline(admin.TabularInline):
    model = Facility
    extra = 0
    can_delete = False
    max_num = 0
    readonly_fields = ["name", "category", "capacity", "capacity_unit", "fuel", "cooling"]


@admin.register(Enterprise)
class EnterpriseAdmin(ReadOnlyAdmin):
    list_display = ["name_zh", "uscc", "province", "city", "industry", "status"]
    list_filter = ["province", "industry__sector", "status"]
    search_fields = ["name_zh", "name_en", "uscc"]
    list_select_related = ["province", "city", "industry"]
    inlines = [FacilityInline]
    readonly_fields = ["public_id"]


@admin.register(AnnualEmissions)
class AnnualEmissionsAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "year", "source", "direct_emissions"]
    list_filter = ["year", "source"]
    list_select_related = ["enterprise"]
    search_fields = ["enterprise__name_zh", "enterprise__uscc"]


@admin.register(InclusionRule)
class InclusionRuleAdmin(admin.ModelAdmin):
    """The list conditions are data: each list year's rules are edited here."""

    list_display = ["list_year", "sector", "is_market_sector", "threshold_t", "lookback",
                    "from_year", "to_year", "removal_years_below", "include_new_build"]  # fmt: skip
    list_filter = ["list_year", "is_market_sector"]


@admin.register(UnitList)
class UnitListAdmin(ReadOnlyAdmin):
    list_display = ["province", "year", "revision", "status", "published_at"]
    list_filter = ["year", "status", "province"]
    list_select_related = ["province"]
