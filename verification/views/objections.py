"""objections pages."""

urlpatterns: list = []
