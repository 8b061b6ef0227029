"""assignments pages."""

urlpatterns: list = []
