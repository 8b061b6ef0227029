"""institutions pages."""

urlpatterns: list = []
