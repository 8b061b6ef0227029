from core.api.viewsets import ScopedReadOnlyViewSet
from deadlines.api import filters, serializers
from deadlines.models import Obligation


class ObligationViewSet(ScopedReadOnlyViewSet):
    """What each enterprise and province must do for which period, by when (the due date, with
    any extension granted), and whether it was met on time, late, or is overdue."""

    queryset = Obligation.objects.select_related("rule", "province", "enterprise")
    serializer_class = serializers.ObligationSerializer
    filterset_class = filters.ObligationFilter
    ordering_fields = {
        "due_on": "due_on",
        "period_start": "period_start",
        "kind": "kind",
        "province": "province__code",
        "status": "status",
        "updated_at": "updated_at",
    }
    ordering = ("due_on", "kind")
