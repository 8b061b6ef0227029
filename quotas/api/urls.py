"""The quotas app's API routes: (prefix, viewset, basename), collected by config/api.py."""

from quotas.api import views

routes = [
    ("allocations", views.AllocationViewSet, "allocation"),
    ("settlements", views.SettlementViewSet, "settlement"),
]
