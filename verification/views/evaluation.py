"""evaluation pages."""

urlpatterns: list = []
