"""Public pages: published evaluations of verification institutions."""

app_name = "evaluations"

urlpatterns: list = []
