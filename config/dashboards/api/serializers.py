"""The statistics resource's bodies: the national roll-up's measures of a province (or of the
provinces together), the list of every province the token may read, and one province's dashboard
table by table. Figures as numbers and codes, names only as `*_label` fields."""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from config.dashboards import national
from deadlines.models import ObligationKind
from units.models import Sector

KINDS = ", ".join(ObligationKind.values)
SECTORS = ", ".join(Sector.values)
RATE = {"max_digits": 4, "decimal_places": 1, "allow_null": True}
TONNES = {"max_digits": 20, "decimal_places": 0}


def rate(help_text) -> serializers.DecimalField:
    return serializers.DecimalField(**RATE, help_text=help_text)


def tonnes(help_text) -> serializers.DecimalField:
    return serializers.DecimalField(**TONNES, help_text=help_text)


def number(help_text, **kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(help_text=help_text, **kwargs)


def text(help_text, **kwargs) -> serializers.CharField:
    return serializers.CharField(help_text=help_text, **kwargs)


def day(help_text, **kwargs) -> serializers.DateField:
    return serializers.DateField(help_text=help_text, **kwargs)


class StatisticsTallySerializer(serializers.Serializer):
    """Obligations due, and of them met on time, met late, missing (unmet past their due date)
    and pending (unmet, not yet due), as they stood at the end of the day. Rates are shares of
    the decided ones (met, or past their due date), in percent; null while none is decided."""

    due = number(_("Obligations due."))
    on_time = number(_("Met by their due date."))
    late = number(_("Met after their due date."))
    missing = number(_("Unmet and past their due date (overdue)."))
    pending = number(_("Unmet and not yet due."))
    met = number(_("Met, on time or late."))
    decided = number(_("Met, or past their due date."))
    on_time_rate = rate(_("Met on time, in percent of the decided."))
    late_rate = rate(_("Met late, in percent of the decided."))
    missing_rate = rate(_("Missing (overdue), in percent of the decided."))


def tally(help_text, **kwargs) -> StatisticsTallySerializer:
    return StatisticsTallySerializer(help_text=help_text, **kwargs)


class StatisticsMeasuresSerializer(serializers.Serializer):
    """The national roll-up's measures of a province (or of the provinces together)."""

    enterprises = number(_("Active key emission units."))
    obligations = tally(_("Every obligation of the cycle, of the units and of the province."))
    monthly_certification = tally(
        _("The monthly certifications of the cycle's months so far."), source="monthly"
    )
    verification = tally(_("The verifications of the units' reports of the cycle."))
    verification_confirmed = number(
        _("Verification assignments of the cycle's reports with a confirmed conclusion.")
    )
    verification_confirmed_rate = rate(_("Confirmed, in percent of the verifications due."))
    pre_allocated_t = tonnes(_("Allowances pre-allocated in approved batches (t)."))
    determined_t = tonnes(_("Allowances determined in approved batches (t)."))
    issued_t = tonnes(_("Allowances issued in approved batches (t)."))
    settlement_due = number(_("Units that must settle (surrender for) the cycle's quota year."))
    settled = number(_("Units settled, on time or late."))
    settled_rate = rate(_("Units settled, in percent of the units that must settle."))
    surrendered_t = tonnes(_("Allowances and CCER surrendered for the quota year (t)."))
    last_year = tally(
        _(
            "Every obligation of last year's cycle as it stood on the same date last year; "
            "null when the calendar has no earlier year."
        ),
        allow_null=True,
    )


class ProvinceNames(serializers.Serializer):
    province = text(_("The province's GB/T 2260 code."), source="province.code")
    name_zh = text(_("The province's name in Chinese."), source="province.name_zh")
    name_en = text(_("The province's name in English."), source="province.name_en")


class StatisticsProvinceRowSerializer(ProvinceNames, StatisticsMeasuresSerializer):
    """One province's row of the national roll-up."""

    url = serializers.SerializerMethodField(
        help_text=_("The province's statistics in full, for the same cycle and day.")
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, row: national.ProvinceRow) -> str:
        path = reverse("api:statistic-detail", kwargs={"code": row.province.code})
        if self.context["given"]:
            path = f"{path}?{urlencode(self.context['given'])}"
        return self.context["request"].build_absolute_uri(path)


class CycleFields(serializers.Serializer):
    year = number(
        _("The cycle, by the year of the ministry's notice; null without a national calendar."),
        source="cycle.year",
        allow_null=True,
    )
    as_of = day(_("The day the obligations are counted as of (at its end)."))
    last_year_cycle = number(
        _("The cycle the last-year figures count; null when the calendar has no earlier year."),
        source="last_cycle.year",
        allow_null=True,
    )
    last_year_as_of = day(
        _("The day the last-year figures are counted as of (a year before as_of)."),
        source="last_cycle.as_of",
        allow_null=True,
    )


@extend_schema_serializer(many=False)
class StatisticsListSerializer(CycleFields):
    """The national roll-up's row of every province the token may read, and their total."""

    count = number(_("Provinces listed."))
    total = StatisticsMeasuresSerializer(
        allow_null=True,
        help_text=_("The listed provinces together; null without a national calendar."),
    )
    results = StatisticsProvinceRowSerializer(
        many=True, help_text=_("A row per province, by code.")
    )


class KindFields(serializers.Serializer):
    kind = text(format_lazy("{} {}.", _("The obligation's code, one of"), KINDS))
    kind_label = text(_("The obligation's name, in the reader's language."), source="label")


class StatisticsKindSerializer(KindFields, StatisticsTallySerializer):
    """The cycle's obligations of one kind, with the next deadline."""

    deadline = day(
        _("The next due date of the kind; the last once all have passed."), allow_null=True
    )
    days_left = number(_("Days from as_of to the deadline (negative: past)."), allow_null=True)


class StatisticsComparisonSerializer(KindFields):
    """One kind of obligation in this cycle and in last year's on the same date."""

    now = tally(_("This cycle, as of as_of."))
    then = tally(_("Last year's cycle, as of the same date last year."))


class MonthFields(serializers.Serializer):
    month = day(_("The month, by its first day."))
    due_on = day(_("The month's due date."), allow_null=True)


class StatisticsMonthSerializer(MonthFields, StatisticsTallySerializer):
    """The monthly certifications of one month."""


class SectorFields(serializers.Serializer):
    sector = text(format_lazy("{} {}.", _("The sector's code, one of"), SECTORS))
    sector_label = text(_("The sector's name, in the reader's language."), source="label")
    deadline = day(_("The verification deadline."), allow_null=True)
    days_left = number(_("Days from as_of to the deadline (negative: past)."), allow_null=True)


class StatisticsSectorSerializer(SectorFields, StatisticsTallySerializer):
    """The verifications of one sector's reports: the obligations and the assignments."""

    assigned = number(_("Reports assigned to an institution (not withdrawn)."))
    concluded = number(_("Conclusions awaiting the province's confirmation."))
    confirmed = number(_("Conclusions confirmed."))
    confirmed_rate = rate(_("Confirmed, in percent of the verifications due."))


class StatisticsAllocationStepSerializer(serializers.Serializer):
    """One step of the cycle's allocation: units due, approved and awaiting approval."""

    step = text(
        _("The step's code: pre_allocation, determination or allocation (issuance)."),
        source="kind",
    )
    step_label = text(_("The step's name, in the reader's language."), source="label")
    year = number(_("The compliance (quota) year."))
    deadline = day(_("The step's deadline."), allow_null=True)
    due = number(_("Units that must have the step."))
    approved = number(_("Units whose figure is approved."))
    approved_t = tonnes(_("Their approved allowances (t)."))
    approved_rate = rate(_("Approved, in percent of the units due."))
    drafted = number(_("Units whose figure awaits approval."))
    drafted_t = tonnes(_("Their allowances awaiting approval (t)."))


class StatisticsSettlementSerializer(serializers.Serializer):
    """The settlements of the cycle's compliance year."""

    year = number(_("The compliance (quota) year settled."))
    due = number(_("Units that must settle."))
    on_time = number(_("Settled on time."))
    late = number(_("Settled late."))
    not_settled = number(_("Not settled by the deadline."))
    open = number(_("Not yet settled."))
    settled = number(_("Settled, on time or late."))
    settled_rate = rate(_("Settled, in percent of the units that must settle."))
    to_surrender_t = tonnes(_("Allowances to surrender (t)."))
    allowances_t = tonnes(_("Allowances surrendered (t)."))
    ccer_t = tonnes(_("CCER surrendered (t)."))
    surrendered_t = tonnes(_("Allowances and CCER surrendered (t)."))


class StatisticsProvinceSerializer(ProvinceNames, CycleFields):
    """One province's dashboard: its roll-up row and each table of the dashboard."""

    summary = StatisticsMeasuresSerializer(help_text=_("The province's national roll-up row."))
    obligations = StatisticsKindSerializer(
        many=True, source="dashboard.obligations", help_text=_("Per kind of obligation.")
    )
    comparison = StatisticsComparisonSerializer(
        many=True,
        source="dashboard.comparison",
        help_text=_("Per kind, this cycle beside last year's on the same date (empty without)."),
    )
    monthly_certification = StatisticsMonthSerializer(
        many=True,
        source="dashboard.monthly",
        help_text=_("Monthly certifications per month of the cycle so far."),
    )
    monthly_certification_last_year = StatisticsMonthSerializer(
        many=True,
        source="dashboard.monthly_last_year",
        help_text=_("The same, of last year's cycle on the same date (empty without)."),
    )
    units_late_certifying = number(
        _("Units with a monthly certification of the cycle met late or missing.")
    )
    verification = StatisticsSectorSerializer(
        many=True, source="dashboard.verification", help_text=_("Verification per sector.")
    )
    allocation = StatisticsAllocationStepSerializer(
        many=True, source="dashboard.allocation", help_text=_("Allocation per step.")
    )
    settlement = StatisticsSettlementSerializer(
        source="dashboard.settlement", help_text=_("Settlement progress.")
    )
    overdue = number(
        _("Obligations of any cycle still unmet and due before as_of (the dashboard's list).")
    )
