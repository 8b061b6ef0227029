"""Version 1 of the REST API, mounted at /api/v1/: the router that collects every app's routes,
the root listing them by name, the OpenAPI 3 schema and its documentation page.

Each domain app's `api/urls.py` declares `routes = [(prefix, viewset, basename), ...]`; add the
module to ROUTE_MODULES and its resources appear in the router, the root and the schema
(docs/api.md says how to add a resource).
"""

from importlib import import_module

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView
from rest_framework import routers
from rest_framework.reverse import reverse

from core.api.viewsets import RefuseWritesMixin

app_name = "api"

ROUTE_MODULES = (
    "units.api.urls",
    "reporting.api.urls",
    "deadlines.api.urls",
    "verification.api.urls",
    "quotas.api.urls",
    "config.dashboards.api",
    "core.api.urls",
)


class ApiRoot(RefuseWritesMixin, routers.APIRootView):
    """Every resource of the API by name, with the schema and its documentation."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        for name in ("schema", "docs"):
            response.data[name] = reverse(f"{app_name}:{name}", request=request)
        return response


class Router(routers.DefaultRouter):
    APIRootView = ApiRoot
    # One URL per resource: clients choose JSON with Accept or ?format=json, not a suffix.
    include_format_suffixes = False


class Schema(RefuseWritesMixin, SpectacularAPIView):
    """The OpenAPI 3 schema, public like the documentation: it describes, it grants nothing."""

    authentication_classes = ()


class Docs(RefuseWritesMixin, SpectacularRedocView):
    """The documentation page (Redoc, served from our own static files)."""

    authentication_classes = ()
    url_name = f"{app_name}:schema"
    template_name = "api/docs.html"


def build_router() -> Router:
    router = Router()
    for module in ROUTE_MODULES:
        for prefix, viewset, basename in import_module(module).routes:
            router.register(prefix, viewset, basename=basename)
    return router


router = build_router()

urlpatterns = [
    path("schema/", Schema.as_view(), name="schema"),
    path("docs/", Docs.as_view(), name="docs"),
    *router.urls,
]
