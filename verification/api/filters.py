import django_filters
from django.utils.translation import gettext_lazy as _

from core.api import filters
from units.models import Sector
from verification.models import (
    Assignment,
    AssignmentStatus,
    EvaluationStatus,
    Institution,
    InstitutionEvaluation,
    ObjectionStatus,
)


class VerificationResultFilter(django_filters.FilterSet):
    province = filters.province_filter("enterprise__province")
    city = filters.city_filter("enterprise__city")
    industry = filters.industry_filter("enterprise__industry")
    sector = filters.sector_filter("enterprise__industry", Sector.choices)
    enterprise = filters.public_id_filter("enterprise", _("Verifications of one unit (its id)."))
    institution = filters.public_id_filter(
        "institution", _("Verifications by one institution (its id).")
    )
    year = filters.year_filter(help_text=_("Reporting year verified."))
    status = filters.status_filter(AssignmentStatus.choices)
    objection = django_filters.ChoiceFilter(
        field_name="objection__status",
        choices=ObjectionStatus.choices,
        help_text=_("Status of the enterprise's objection to the result."),
    )
    updated_since = filters.UpdatedSinceFilter(
        "changed_at",
        help_text=_(
            "Only results whose assignment or objection changed at or after this time (ISO "
            "8601, e.g. 2026-10-01T00:00:00+08:00; without an offset, China Standard Time)."
        ),
    )

    class Meta:
        model = Assignment
        fields = []


class InstitutionFilter(django_filters.FilterSet):
    province = filters.province_filter("provinces")
    uscc = django_filters.CharFilter(
        max_length=18, help_text=_("Unified social credit code (exact).")
    )
    updated_since = filters.UpdatedSinceFilter()

    class Meta:
        model = Institution
        fields = []


class InstitutionEvaluationFilter(django_filters.FilterSet):
    province = filters.province_filter("round__province")
    year = filters.year_filter("round__year", help_text=_("Evaluation year."))
    institution = filters.public_id_filter(
        "institution", _("Evaluations of one institution (its id).")
    )
    status = filters.status_filter(
        EvaluationStatus.choices,
        path="round__status",
        help_text=_("Status of the province's evaluation (draft, awaiting approval, published)."),
    )
    grade = django_filters.CharFilter(
        max_length=20, help_text=_("Grade by its code (exact), e.g. excellent, good, pass, fail.")
    )

    class Meta:
        model = InstitutionEvaluation
        fields = []
