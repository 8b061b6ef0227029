"""Allocation and settlement pages; each views module lists its own URLs."""

from quotas.views import allocation, settlement

app_name = "quotas"

urlpatterns = [*allocation.urlpatterns, *settlement.urlpatterns]
