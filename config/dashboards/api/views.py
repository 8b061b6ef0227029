"""The statistics resource (/api/v1/statistics/): read-only, list and detail by province code.
Thin: resolve the actor, parse the parameters, read, serialize."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.response import Response

from accounts import scoping
from config.dashboards import measures
from config.dashboards.api.params import StatisticsQuerySerializer, asked
from config.dashboards.api.selectors import rollup_of, statistics_of
from config.dashboards.api.serializers import StatisticsListSerializer, StatisticsProvinceSerializer
from core import errors
from core.api.viewsets import RefuseWritesMixin


def _actor(request) -> scoping.Actor:
    """Who may read statistics: who may open the dashboards (staff, reviewers, administrators);
    enterprise users and verifiers are 403, as on the web."""
    actor = scoping.actor_for(request.user)
    if not measures.may_see_dashboards(actor):
        raise exceptions.PermissionDenied(_("Statistics are for provincial staff and reviewers."))
    return actor


ERRORS = {
    400: OpenApiResponse(description=_("A parameter is invalid; the body names it and why.")),
    403: OpenApiResponse(description=_("The token's role may not read statistics.")),
}


class StatisticsViewSet(RefuseWritesMixin, viewsets.ViewSet):
    """The dashboards' measures per province: a ministry token reads all 32 provinces, a
    provincial staff token its own (another province is 404); other roles are 403."""

    lookup_field = "code"
    lookup_value_regex = r"[0-9]{6}"
    lookup_schema_type = str
    lookup_schema_pattern = r"^[0-9]{6}$"
    lookup_description = _("The province's GB/T 2260 code, e.g. 370000 for Shandong.")

    @extend_schema(
        summary=_("Statistics of every province"),
        parameters=[StatisticsQuerySerializer],
        responses={200: StatisticsListSerializer, **ERRORS},
    )
    def list(self, request) -> Response:
        actor = _actor(request)
        ask = asked(request)
        rollup = rollup_of(actor, ask)
        context = {"request": request, "given": ask.given}
        return Response(StatisticsListSerializer(rollup, context=context).data)

    @extend_schema(
        summary=_("Statistics of one province"),
        parameters=[StatisticsQuerySerializer],
        responses={
            200: StatisticsProvinceSerializer,
            **ERRORS,
            404: OpenApiResponse(
                description=_(
                    "No such province, another province's (for a provincial token), or no "
                    "national calendar up to as_of."
                )
            ),
        },
    )
    def retrieve(self, request, code: str) -> Response:
        actor = _actor(request)
        try:
            province = measures.dashboard_province(actor=actor, code=code)
        except errors.NotFound:
            raise exceptions.NotFound() from None
        ask = asked(request)
        if ask.cycle is None:
            raise exceptions.NotFound(_("No national calendar up to %(day)s.") % {"day": ask.as_of})
        statistics = statistics_of(actor, province, ask)
        return Response(StatisticsProvinceSerializer(statistics).data)
