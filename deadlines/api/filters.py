import django_filters
from django.utils.translation import gettext_lazy as _

from core.api import filters
from deadlines.models import Obligation, ObligationKind, ObligationStatus
from units.models import Sector


class ObligationFilter(django_filters.FilterSet):
    province = filters.province_filter()
    city = filters.city_filter("enterprise__city")
    industry = filters.industry_filter("enterprise__industry")
    sector = filters.sector_filter("enterprise__industry", Sector.choices)
    enterprise = filters.public_id_filter("enterprise", _("Obligations of one unit (its id)."))
    kind = django_filters.ChoiceFilter(choices=ObligationKind.choices, help_text=_("Obligation."))
    year = filters.year_filter("period_start__year", help_text=_("Year of the period covered."))
    month = filters.month_filter(
        "period_start__month", help_text=_("Month the period starts in, 1 to 12.")
    )
    status = filters.status_filter(ObligationStatus.choices)
    due_after = django_filters.DateFilter(
        field_name="due_on", lookup_expr="gte", help_text=_("Due on or after this date.")
    )
    due_before = django_filters.DateFilter(
        field_name="due_on", lookup_expr="lte", help_text=_("Due on or before this date.")
    )
    updated_since = filters.UpdatedSinceFilter()

    class Meta:
        model = Obligation
        fields = []
