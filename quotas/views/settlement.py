"""settlement pages."""

urlpatterns: list = []
