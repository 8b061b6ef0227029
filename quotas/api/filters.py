import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from core.api import filters
from quotas.models import (
    Allocation,
    AllocationBatch,
    BatchStatus,
    Settlement,
    SettlementStatus,
    Step,
    Surrender,
)
from units.models import Sector

UNIT = _("Rows of one unit (its id).")


def _step_status(batch: str, help_text) -> django_filters.Filter:
    return django_filters.ChoiceFilter(
        field_name=f"{batch}__status", choices=BatchStatus.choices, help_text=help_text
    )


class AllocationFilter(django_filters.FilterSet):
    province = filters.province_filter("enterprise__province")
    city = filters.city_filter("enterprise__city")
    industry = filters.industry_filter("enterprise__industry")
    sector = filters.sector_filter("plan", Sector.choices)
    enterprise = filters.public_id_filter("enterprise", UNIT)
    year = filters.year_filter(help_text=_("Compliance year."))
    pre_allocation_status = _step_status(
        "pre_allocation_batch", _("Status of the pre-allocation batch.")
    )
    determination_status = _step_status(
        "determination_batch", _("Status of the determination batch.")
    )
    issuance_status = _step_status("allocation_batch", _("Status of the issuance batch."))
    updated_since = filters.UpdatedSinceFilter(
        method="filter_updated_since",
        help_text=_(
            "Only allocations whose figures or whose steps' batches changed at or after this "
            "time (ISO 8601; without an offset, China Standard Time): an approval makes "
            "figures appear without changing the allocation itself."
        ),
    )

    class Meta:
        model = Allocation
        fields = []

    def filter_updated_since(self, rows, name, value):
        return rows.filter(
            Q(updated_at__gte=value)
            | Q(pre_allocation_batch__updated_at__gte=value)
            | Q(determination_batch__updated_at__gte=value)
            | Q(allocation_batch__updated_at__gte=value)
        )


class SettlementFilter(django_filters.FilterSet):
    province = filters.province_filter("enterprise__province")
    city = filters.city_filter("enterprise__city")
    industry = filters.industry_filter("enterprise__industry")
    sector = filters.sector_filter("enterprise__industry", Sector.choices)
    enterprise = filters.public_id_filter("enterprise", UNIT)
    year = filters.year_filter(help_text=_("Compliance year."))
    status = filters.status_filter(SettlementStatus.choices)
    shortfall = django_filters.BooleanFilter(
        field_name="case",
        lookup_expr="isnull",
        exclude=True,
        help_text=_("true: only settlements with a shortfall case; false: only those without."),
    )
    updated_since = filters.UpdatedSinceFilter(
        method="filter_updated_since",
        help_text=_(
            "Only settlements changed at or after this time, a surrender recorded or their "
            "shortfall case changed included (ISO 8601; without an offset, China Standard Time)."
        ),
    )

    class Meta:
        model = Settlement
        fields = []

    def filter_updated_since(self, rows, name, value):
        surrendered = Surrender.objects.filter(settlement=OuterRef("pk"), created_at__gte=value)
        return rows.filter(
            Q(updated_at__gte=value) | Q(case__updated_at__gte=value) | Exists(surrendered)
        )


class AllocationBatchFilter(django_filters.FilterSet):
    province = filters.province_filter()
    year = filters.year_filter(help_text=_("Compliance year."))
    sector = django_filters.ChoiceFilter(
        choices=Sector.choices, help_text=_("Sector of the batch (power, steel, cement, ...).")
    )
    step = django_filters.ChoiceFilter(choices=Step.choices, help_text=_("Allocation step."))
    status = filters.status_filter(BatchStatus.choices)
    updated_since = filters.UpdatedSinceFilter()

    class Meta:
        model = AllocationBatch
        fields = []
