"""Read-only viewsets whose rows always come through accounts.scoping."""

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.permissions import SAFE_METHODS

from accounts import scoping

UUID_PATTERN = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


class RefuseWritesMixin:
    """The API is read-only: a write method is 405 before anything else is looked at (so even
    without credentials, or with a session cookie but no CSRF token, the answer is the same)."""

    def initial(self, request, *args, **kwargs):
        if request.method not in SAFE_METHODS:
            raise MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)


class ScopedMixin(RefuseWritesMixin):
    """Rows are `queryset` as the requesting user may see them (scoping.visible), narrowed by
    `restrict()`. A missing row and another province's row are both 404."""

    def get_queryset(self) -> QuerySet:
        actor = scoping.actor_for(self.request.user)
        return self.restrict(actor, scoping.visible(actor, self.queryset.all()))

    def restrict(self, actor: scoping.Actor, rows: QuerySet) -> QuerySet:
        """Narrow the visible rows further (e.g. published only); the default keeps them all."""
        return rows


class ScopedReadOnlyViewSet(ScopedMixin, viewsets.ReadOnlyModelViewSet):
    """A resource with a list and a detail, addressed by its public UUID (never the sequential
    id, which would let a client count or enumerate another province's rows)."""

    lookup_field = "public_id"
    lookup_value_regex = UUID_PATTERN
    lookup_schema_type = OpenApiTypes.UUID
    lookup_description = _("The record's id (UUID).")


class ScopedListViewSet(ScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """A resource with a list only (small reference tables without a public key)."""


class FileDownloadMixin:
    """`GET <detail>/download/`: the stored file of a visible row (any other row is 404), as an
    attachment under its original name. The row's model keeps the file in `file` and its name
    in `original_name`."""

    @extend_schema(
        summary=_("Download the file"),
        description=_("The file's bytes, as an attachment under its original name."),
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("The file.")
            )
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request, *args, **kwargs) -> FileResponse:
        stored = self.get_object()
        try:
            handle = stored.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        return FileResponse(
            handle,
            as_attachment=True,
            filename=stored.original_name,
            content_type="application/octet-stream",
        )

    def perform_content_negotiation(self, request, force=False):
        # A download answers whatever the client accepts (the file is not rendered); an error
        # on the way (a 404) is JSON rather than a 406.
        return super().perform_content_negotiation(
            request, force=force or self.action == "download"
        )
