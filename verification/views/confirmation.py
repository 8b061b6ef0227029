"""confirmation pages."""

urlpatterns: list = []
