from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from accounts.scoping import Actor
from core.api.viewsets import FileDownloadMixin, ScopedReadOnlyViewSet
from reporting.api import filters, serializers
from reporting.models import (
    AnnualReport,
    EvidenceFile,
    MonthlyCertification,
    QualityControlPlan,
    ReportAttachment,
    SubmissionStatus,
)


def _no_drafts_but_ones_own(actor: Actor, rows: QuerySet, path: str = "") -> QuerySet:
    """A draft is the enterprise's work in progress: only its own users see it."""
    return rows.filter(
        ~Q(**{f"{path}status": SubmissionStatus.DRAFT})
        | Q(**{f"{path}enterprise__in": actor.enterprise_ids})
    )


class SubmissionViewSet(ScopedReadOnlyViewSet):
    ordering_fields = {
        "year": "year",
        "province": "enterprise__province__code",
        "enterprise": "enterprise__name_zh",
        "version": "version",
        "submitted_at": "submitted_at",
        "updated_at": "updated_at",
    }

    @staticmethod
    def submissions(model, *not_shown: str) -> QuerySet:
        """Versions with their unit; the previous version's id as a subquery, not a join, so
        the page's count stays on one table."""
        previous = model.objects.filter(pk=OuterRef("supersedes_id")).values("public_id")
        return (
            model.objects.select_related("enterprise__province", "enterprise__industry")
            .defer(*not_shown)
            .annotate(supersedes_public_id=Subquery(previous))
        )

    def restrict(self, actor: Actor, rows: QuerySet) -> QuerySet:
        return _no_drafts_but_ones_own(actor, rows)


class MonthlyCertificationViewSet(SubmissionViewSet):
    """Versions of monthly certifications of accounting data: the items' values, the computed
    emissions, status and review, and the evidence files."""

    # The calculation lines are the web page's; the API gives the emissions they add up to.
    queryset = SubmissionViewSet.submissions(MonthlyCertification, "calculation").prefetch_related(
        Prefetch("evidence", queryset=EvidenceFile.objects.order_by("created_at", "pk"))
    )
    serializer_class = serializers.MonthlyCertificationSerializer
    filterset_class = filters.MonthlyCertificationFilter
    ordering_fields = {**SubmissionViewSet.ordering_fields, "month": "month"}
    # Newest months first, on the certification's own columns: the database sorts one table
    # before it joins the units of the page.
    ordering = ("-year", "-month")


class AnnualReportViewSet(SubmissionViewSet):
    """Versions of annual emission reports (with the supplementary data report of the other
    key industries), their findings, reconciliation against the months, and attachments."""

    queryset = SubmissionViewSet.submissions(AnnualReport, "calculation").prefetch_related(
        Prefetch("attachments", queryset=ReportAttachment.objects.order_by("created_at", "pk"))
    )
    serializer_class = serializers.AnnualReportSerializer
    filterset_class = filters.AnnualReportFilter
    ordering = ("-year",)


class QualityControlPlanViewSet(SubmissionViewSet):
    """Versions of data quality control plans, per unit and plan year."""

    queryset = SubmissionViewSet.submissions(QualityControlPlan)
    serializer_class = serializers.QualityControlPlanSerializer
    filterset_class = filters.QualityControlPlanFilter
    ordering = ("-year",)


class EvidenceFileViewSet(FileDownloadMixin, ScopedReadOnlyViewSet):
    """Evidence files of monthly certifications, with SHA-256 and size; `download` serves the
    bytes to whoever may see the certification."""

    queryset = EvidenceFile.objects.select_related("certification")
    serializer_class = serializers.EvidenceFileSerializer
    filterset_class = filters.EvidenceFileFilter
    ordering_fields = {"received_at": "created_at", "size": "size", "name": "original_name"}
    ordering = ("received_at",)

    def restrict(self, actor: Actor, rows: QuerySet) -> QuerySet:
        return _no_drafts_but_ones_own(actor, rows, "certification__")


class ReportAttachmentViewSet(FileDownloadMixin, ScopedReadOnlyViewSet):
    """Documents attached to annual reports, with SHA-256 and size; `download` serves the
    bytes to whoever may see the report."""

    queryset = ReportAttachment.objects.select_related("report")
    serializer_class = serializers.ReportAttachmentSerializer
    filterset_class = filters.ReportAttachmentFilter
    ordering_fields = {"received_at": "created_at", "size": "size", "name": "original_name"}
    ordering = ("received_at",)

    def restrict(self, actor: Actor, rows: QuerySet) -> QuerySet:
        return _no_drafts_but_ones_own(actor, rows, "report__")
