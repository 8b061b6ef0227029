"""The deadlines app's API routes: (prefix, viewset, basename), collected by config/api.py."""

from deadlines.api import views

routes = [
    ("obligations", views.ObligationViewSet, "obligation"),
]
