"""The units app's API routes: (prefix, viewset, basename), collected by config/api.py."""

from units.api import views

routes = [
    ("provinces", views.ProvinceViewSet, "province"),
    ("industries", views.IndustryViewSet, "industry"),
    ("enterprises", views.EnterpriseViewSet, "enterprise"),
    ("annual-emissions", views.AnnualEmissionsViewSet, "annual-emissions"),
    ("lists", views.UnitListViewSet, "unit-list"),
    ("list-entries", views.ListEntryViewSet, "list-entry"),
]
