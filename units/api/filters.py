import django_filters
from django.utils.translation import gettext_lazy as _

from core.api import filters
from units.models import (
    AnnualEmissions,
    Decision,
    EmissionsSource,
    Enterprise,
    EnterpriseStatus,
    Industry,
    ListEntry,
    ListScope,
    Sector,
    UnitList,
)


class IndustryFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(
        max_length=4, help_text=_("GB/T 4754 code, e.g. 2614 (in two sectors).")
    )
    sector = django_filters.ChoiceFilter(choices=Sector.choices, help_text=_("Sector."))
    market = django_filters.BooleanFilter(
        field_name="is_market_sector",
        help_text=_("true: the trading market's sectors; false: reporting management only."),
    )

    class Meta:
        model = Industry
        fields = []


class EnterpriseFilter(django_filters.FilterSet):
    province = filters.province_filter()
    city = filters.city_filter()
    industry = filters.industry_filter()
    sector = filters.sector_filter("industry", Sector.choices)
    status = filters.status_filter(EnterpriseStatus.choices)
    uscc = django_filters.CharFilter(
        max_length=18, help_text=_("Unified social credit code (exact).")
    )
    updated_since = filters.UpdatedSinceFilter()

    class Meta:
        model = Enterprise
        fields = []


class AnnualEmissionsFilter(django_filters.FilterSet):
    enterprise = filters.public_id_filter("enterprise", _("Emissions of one unit (its id)."))
    province = filters.province_filter("enterprise__province")
    city = filters.city_filter("enterprise__city")
    industry = filters.industry_filter("enterprise__industry")
    sector = filters.sector_filter("enterprise__industry", Sector.choices)
    year = filters.year_filter()
    source = django_filters.ChoiceFilter(
        choices=EmissionsSource.choices, help_text=_("Reported or verified.")
    )

    class Meta:
        model = AnnualEmissions
        fields = []


class UnitListFilter(django_filters.FilterSet):
    province = filters.province_filter()
    year = filters.year_filter(help_text=_("List year."))
    updated_since = filters.UpdatedSinceFilter()

    class Meta:
        model = UnitList
        fields = []


class ListEntryFilter(django_filters.FilterSet):
    list = filters.public_id_filter("unit_list", _("Entries of one list (its id)."))
    enterprise = filters.public_id_filter("enterprise", _("Entries of one unit (its id)."))
    province = filters.province_filter("unit_list__province")
    city = filters.city_filter("enterprise__city")
    industry = django_filters.CharFilter(
        field_name="published_industry_code",
        max_length=4,
        help_text=_("Industry by the GB/T 4754 code the list published."),
    )
    year = filters.year_filter("unit_list__year", help_text=_("List year."))
    scope = django_filters.ChoiceFilter(choices=ListScope.choices, help_text=_("Scope."))
    decision = django_filters.ChoiceFilter(choices=Decision.choices, help_text=_("Decision."))
    updated_since = filters.UpdatedSinceFilter()

    class Meta:
        model = ListEntry
        fields = []
