"""Bulk snapshots through the API: their list, each one's manifest, and the zip itself."""

import base64

import django_filters
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException

from core.api import filters
from core.api.serializers import DescribedModelSerializer
from core.api.viewsets import ScopedReadOnlyViewSet
from core.datasets import dataset_choices
from core.models import Snapshot, SnapshotStatus


class SnapshotFileSerializer(serializers.Serializer):
    """One CSV file of a snapshot, as its manifest describes it."""

    name = serializers.CharField(help_text=_("The file's name inside the zip."))
    rows = serializers.IntegerField(help_text=_("Rows of data (the header row not counted)."))
    bytes = serializers.IntegerField(help_text=_("The file's size in bytes."))
    sha256 = serializers.CharField(help_text=_("SHA-256 of the file's bytes."))


class SnapshotSerializer(DescribedModelSerializer):
    """A bulk snapshot: one dataset of one year, for one province or the whole country, as a
    zip of CSV files (UTF-8 with a BOM, a header row) with `manifest.json` and `SHA256SUMS`."""

    id = serializers.UUIDField(
        source="public_id",
        read_only=True,
        help_text=_("The record's public identifier (UUID); the API addresses records by it."),
    )
    url = serializers.HyperlinkedIdentityField(
        view_name="api:snapshot-detail",
        lookup_field="public_id",
        help_text=_("This record in the API."),
    )
    download_url = serializers.SerializerMethodField(
        help_text=_("Where to download the zip; null until the snapshot is ready.")
    )
    province = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text=_("The province (GB/T 2260 code); null for a national snapshot."),
    )
    files = serializers.SerializerMethodField(
        help_text=_("The CSV files of the zip with their rows, bytes and SHA-256.")
    )

    class Meta:
        model = Snapshot
        fields = [
            "id",
            "url",
            "download_url",
            "dataset",
            "year",
            "province",
            "status",
            "built_at",
            "size",
            "sha256",
            "row_count",
            "files",
            "error",
            "failed_at",
            "updated_at",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, snapshot: Snapshot) -> str | None:
        if snapshot.status != SnapshotStatus.READY:
            return None
        path = reverse("api:snapshot-download", kwargs={"public_id": snapshot.public_id})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(SnapshotFileSerializer(many=True))
    def get_files(self, snapshot: Snapshot) -> list[dict]:
        return [
            {key: entry[key] for key in ("name", "rows", "bytes", "sha256")}
            for entry in snapshot.manifest.get("files", [])
        ]


class SnapshotFilter(django_filters.FilterSet):
    dataset = django_filters.ChoiceFilter(choices=dataset_choices, help_text=_("Dataset."))
    year = filters.year_filter()
    province = filters.province_filter()
    national = django_filters.BooleanFilter(
        field_name="province",
        lookup_expr="isnull",
        help_text=_("true: national snapshots only; false: provinces' snapshots only."),
    )
    status = filters.status_filter(SnapshotStatus.choices)

    class Meta:
        model = Snapshot
        fields = []


class NotReady(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "not_ready"


class SnapshotViewSet(ScopedReadOnlyViewSet):
    """Bulk snapshots: per dataset and year, a zip of CSV files of one province (provincial
    staff: their own) or the whole country (ministry), rebuilt every night. The manifest lists
    each file's rows and SHA-256; `download` serves the zip once it is ready."""

    queryset = Snapshot.objects.select_related("province")
    serializer_class = SnapshotSerializer
    filterset_class = SnapshotFilter
    ordering_fields = {
        "dataset": "dataset",
        "year": "year",
        "province": "province__code",
        "built_at": "built_at",
        "updated_at": "updated_at",
    }
    ordering = ("dataset", "-year", "province")

    @extend_schema(
        summary=_("Download the snapshot"),
        description=_(
            "The zip: the dataset's CSV files, manifest.json and SHA256SUMS. 409 while the "
            "snapshot has never been built completely."
        ),
        responses={
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("The zip file.")
            ),
            (404, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description=_("No such snapshot, or not yours to see.")
            ),
            (409, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description=_("Not built yet, or its only build failed.")
            ),
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request, *args, **kwargs) -> FileResponse:
        snapshot = self.get_object()
        if snapshot.status != SnapshotStatus.READY or not snapshot.file:
            raise NotReady(
                _("This snapshot is not ready (%(status)s): there is no complete file yet.")
                % {"status": snapshot.get_status_display()}
            )
        try:
            handle = snapshot.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=snapshot.download_name,
            content_type="application/zip",
        )
        # RFC 9530: the client can check the bytes it received against the listed SHA-256.
        digest = base64.b64encode(bytes.fromhex(snapshot.sha256)).decode()
        response["Repr-Digest"] = f"sha-256=:{digest}:"
        return response

    def perform_content_negotiation(self, request, force=False):
        # The zip answers whatever the client accepts; an error on the way is JSON, not a 406.
        return super().perform_content_negotiation(
            request, force=force or self.action == "download"
        )
