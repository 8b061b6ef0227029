"""allocation pages."""

urlpatterns: list = []
