"""work pages."""

urlpatterns: list = []
