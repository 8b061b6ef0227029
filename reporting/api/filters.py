import django_filters
from django.utils.translation import gettext_lazy as _

from core.api import filters
from reporting.models import (
    AnnualReport,
    EvidenceFile,
    MonthlyCertification,
    QualityControlPlan,
    ReportAttachment,
    SubmissionStatus,
)
from units.models import Sector

STANDING = [SubmissionStatus.SUBMITTED, SubmissionStatus.RETURNED, SubmissionStatus.ACCEPTED]


class SubmissionFilter(django_filters.FilterSet):
    """Filters every versioned submission offers, through its unit."""

    province = filters.province_filter("enterprise__province")
    city = filters.city_filter("enterprise__city")
    industry = filters.industry_filter("enterprise__industry")
    sector = filters.sector_filter("enterprise__industry", Sector.choices)
    enterprise = filters.public_id_filter("enterprise", _("Versions of one unit (its id)."))
    year = filters.year_filter()
    status = filters.status_filter(SubmissionStatus.choices)
    standing = django_filters.BooleanFilter(
        method="filter_standing",
        help_text=_(
            "true: only the standing version of each period (submitted, returned or accepted); "
            "false: only the others (superseded, and the caller's own drafts)."
        ),
    )
    updated_since = filters.UpdatedSinceFilter()

    def filter_standing(self, rows, name, value):
        return rows.filter(status__in=STANDING) if value else rows.exclude(status__in=STANDING)


class MonthlyCertificationFilter(SubmissionFilter):
    month = filters.month_filter()

    class Meta:
        model = MonthlyCertification
        fields = []


class AnnualReportFilter(SubmissionFilter):
    class Meta:
        model = AnnualReport
        fields = []


class QualityControlPlanFilter(SubmissionFilter):
    year = filters.year_filter(help_text=_("Plan year."))

    class Meta:
        model = QualityControlPlan
        fields = []


class EvidenceFileFilter(django_filters.FilterSet):
    certification = filters.public_id_filter(
        "certification", _("Files of one monthly certification version (its id).")
    )
    province = filters.province_filter("certification__enterprise__province")
    year = filters.year_filter("certification__year")
    month = filters.month_filter("certification__month")
    updated_since = filters.UpdatedSinceFilter()

    class Meta:
        model = EvidenceFile
        fields = []


class ReportAttachmentFilter(django_filters.FilterSet):
    report = filters.public_id_filter("report", _("Files of one annual report version (its id)."))
    province = filters.province_filter("report__enterprise__province")
    year = filters.year_filter("report__year")
    updated_since = filters.UpdatedSinceFilter()

    class Meta:
        model = ReportAttachment
        fields = []
