from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import DescribedModelSerializer, UnitRecordSerializer
from reporting.models import (
    AnnualReport,
    EvidenceFile,
    MonthlyCertification,
    QualityControlPlan,
    ReportAttachment,
)

PUBLIC_ID = _("The record's public identifier (UUID); the API addresses records by it.")
URL = _("This record in the API.")


def _absolute(serializer: serializers.Serializer, path: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request else path


class StoredFileSerializer(DescribedModelSerializer):
    """What every stored file shows: its name, size, SHA-256 and time of receipt."""

    id = serializers.UUIDField(source="public_id", read_only=True, help_text=PUBLIC_ID)
    download_url = serializers.SerializerMethodField(
        help_text=_("Where to download the file (scoped like the record it belongs to).")
    )
    received_at = serializers.DateTimeField(
        source="created_at", read_only=True, help_text=_("When the server received the file.")
    )

    download_view: str = ""
    common_fields = [
        "id",
        "url",
        "download_url",
        "kind",
        "original_name",
        "size",
        "sha256",
        "received_at",
        "lab_report_number",
        "lab_report_date",
    ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, stored) -> str:
        return _absolute(self, reverse(self.download_view, kwargs={"public_id": stored.public_id}))


class EvidenceFileSerializer(StoredFileSerializer):
    """An evidence file of a monthly certification version."""

    url = serializers.HyperlinkedIdentityField(
        view_name="api:evidence-file-detail", lookup_field="public_id", help_text=URL
    )
    certification = serializers.UUIDField(
        source="certification.public_id",
        read_only=True,
        help_text=_("The monthly certification version (id) the file supports."),
    )
    download_view = "api:evidence-file-download"

    class Meta:
        model = EvidenceFile
        fields = [*StoredFileSerializer.common_fields, "certification", "item_code"]


class ReportAttachmentSerializer(StoredFileSerializer):
    """A document attached to an annual report version."""

    url = serializers.HyperlinkedIdentityField(
        view_name="api:report-attachment-detail", lookup_field="public_id", help_text=URL
    )
    report = serializers.UUIDField(
        source="report.public_id",
        read_only=True,
        help_text=_("The annual report version (id) the file belongs to."),
    )
    download_view = "api:report-attachment-download"

    class Meta:
        model = ReportAttachment
        fields = [*StoredFileSerializer.common_fields, "report"]


class SubmissionSerializer(UnitRecordSerializer):
    """What every versioned submission shows: its unit, version, status and review."""

    id = serializers.UUIDField(source="public_id", read_only=True, help_text=PUBLIC_ID)
    supersedes = serializers.UUIDField(
        source="supersedes_public_id",
        read_only=True,
        allow_null=True,
        help_text=_("The version (id) this version corrects; null for a first version."),
    )

    common_fields = [
        "id",
        "url",
        "enterprise",
        "enterprise_name",
        "uscc",
        "province",
        "sector",
        "year",
        "version",
        "status",
        "supersedes",
        "submitted_at",
        "reviewed_at",
        "review_comment",
        "created_at",
        "updated_at",
    ]


ITEM_VALUES = _("The data items' values as entered, by item code.")
EXPLANATIONS = _("The enterprise's explanations of validation warnings, by finding key.")


class MonthlyCertificationSerializer(SubmissionSerializer):
    """One version of a unit's monthly certification of accounting data."""

    url = serializers.HyperlinkedIdentityField(
        view_name="api:monthly-certification-detail", lookup_field="public_id", help_text=URL
    )
    values = serializers.DictField(
        child=serializers.CharField(allow_null=True), read_only=True, help_text=ITEM_VALUES
    )
    explanations = serializers.DictField(
        child=serializers.CharField(allow_null=True), read_only=True, help_text=EXPLANATIONS
    )
    evidence = EvidenceFileSerializer(
        many=True, read_only=True, help_text=_("Evidence files of this version.")
    )

    class Meta:
        model = MonthlyCertification
        fields = [
            *SubmissionSerializer.common_fields,
            "month",
            "values",
            "explanations",
            "emissions",
            "formula_version",
            "evidence",
        ]


class AnnualReportSerializer(SubmissionSerializer):
    """One version of a unit's annual emission report (and supplementary data report)."""

    url = serializers.HyperlinkedIdentityField(
        view_name="api:annual-report-detail", lookup_field="public_id", help_text=URL
    )
    values = serializers.DictField(
        child=serializers.CharField(allow_null=True), read_only=True, help_text=ITEM_VALUES
    )
    explanations = serializers.DictField(
        child=serializers.CharField(allow_null=True), read_only=True, help_text=EXPLANATIONS
    )
    findings = serializers.JSONField(
        read_only=True, help_text=_("What validation found: rule, item, severity, figures.")
    )
    reconciliation = serializers.JSONField(
        read_only=True,
        help_text=_("The year's figures against the sum of its monthly certifications."),
    )
    supplementary = serializers.JSONField(
        read_only=True,
        help_text=_("The supplementary data report (other key industries: output, intensity)."),
    )
    attachments = ReportAttachmentSerializer(
        many=True, read_only=True, help_text=_("Documents attached to this version.")
    )

    class Meta:
        model = AnnualReport
        fields = [
            *SubmissionSerializer.common_fields,
            "values",
            "explanations",
            "emissions",
            "formula_version",
            "months_certified",
            "findings",
            "reconciliation",
            "supplementary",
            "attachments",
        ]


class QualityControlPlanSerializer(SubmissionSerializer):
    """One version of a unit's data quality control plan for a plan year."""

    url = serializers.HyperlinkedIdentityField(
        view_name="api:quality-control-plan-detail", lookup_field="public_id", help_text=URL
    )
    content = serializers.DictField(
        child=serializers.CharField(allow_null=True),
        read_only=True,
        help_text=_(
            "The plan's sections by key: boundary, facilities, parameters, responsibilities, qa_qc."
        ),
    )

    class Meta:
        model = QualityControlPlan
        fields = [*SubmissionSerializer.common_fields, "content"]
