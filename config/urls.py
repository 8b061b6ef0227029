from django.contrib import admin
from django.urls import include, path

from config import views

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api")),
    path("", include("accounts.urls")),
    path("units/", include("units.urls")),
    path("lists/", include("units.lists.public_urls")),
    path("verification/", include("verification.urls")),
    path("evaluations/", include("verification.public_urls")),
    path("reporting/", include("reporting.urls")),
    path("quotas/", include("quotas.urls")),
    path("dashboard/", include("config.dashboards.urls")),
    path("", include("deadlines.urls")),
    path("healthz/", include("core.urls")),
]
