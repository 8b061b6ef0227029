"""The verification app's API routes: (prefix, viewset, basename), collected by config/api.py."""

from verification.api import views

routes = [
    ("verification-results", views.VerificationResultViewSet, "verification-result"),
    ("institutions", views.InstitutionViewSet, "institution"),
    ("institution-evaluations", views.InstitutionEvaluationViewSet, "institution-evaluation"),
]
