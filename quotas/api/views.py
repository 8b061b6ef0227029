from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Prefetch, Subquery, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce

from core.api.viewsets import ScopedReadOnlyViewSet
from quotas.api import filters, serializers
from quotas.models import Allocation, Settlement, Surrender
from units.models import Facility

TONNES = DecimalField(max_digits=14, decimal_places=0)
UNIT_ORDERING = {
    "year": "year",
    "province": "enterprise__province__code",
    "enterprise": "enterprise__name_zh",
    "uscc": "enterprise__uscc",
    "updated_at": "updated_at",
}

# The CCER limit of the plan the unit's allocation of the year was made under (as the
# settlement's tally reads it); 0 without an allocation.
CCER_LIMIT = Allocation.objects.filter(
    enterprise=OuterRef("enterprise"), year=OuterRef("year")
).values("plan__ccer_limit_pct")[:1]


class AllocationViewSet(ScopedReadOnlyViewSet):
    """Units' allowances per compliance year: for each step (pre-allocation, determination,
    issuance) its batch with status and approval date, and its figures with the calculation
    line by line.

    A step's figures are served once its batch is approved, to every token alike (ministry,
    province, enterprise): before that they are the province's work in progress, changed by
    each recalculation and final only when a second staff member approves (the four-eyes
    rule), so the step shows its batch and status with null figures. A determination reopened
    after an upheld review is back in draft, and its figures are null again until re-approved.
    Staff work on drafts in the batch pages of the web application."""

    # The stored inputs are the web page's (every number read); the API gives the figures
    # and lines, and of the inputs only the pre-allocation the determination deducted.
    queryset = (
        Allocation.objects.select_related(
            "enterprise__province",
            "plan",
            "pre_allocation_batch",
            "determination_batch",
            "allocation_batch",
        )
        .defer("pre_allocation_inputs", "determination_inputs")
        .annotate(pre_allocated_deducted=Cast(KT("determination_inputs__pre_allocated"), TONNES))
        .prefetch_related(
            Prefetch(
                "enterprise__facilities",
                queryset=Facility.objects.only("pk", "public_id", "enterprise_id"),
            )
        )
    )
    serializer_class = serializers.AllocationSerializer
    filterset_class = filters.AllocationFilter
    ordering_fields = {**UNIT_ORDERING, "sector": "plan__sector"}
    ordering = ("-year", "province", "enterprise")


class SettlementViewSet(ScopedReadOnlyViewSet):
    """Units' settlements per compliance year: the obligation (verified emissions to cover,
    with the cap applied), the surrenders (allowances by vintage, CCER within the plan's
    limit), the balance, the status and due date, and the shortfall case of a settlement not
    completed in time. Settlements are opened by the province from confirmed verification:
    every one is served."""

    queryset = (
        Settlement.objects.select_related(
            "enterprise__province", "enterprise__industry", "case__deduction"
        )
        .annotate(
            ccer_limit_pct=Coalesce(
                Subquery(CCER_LIMIT),
                Value(Decimal(0)),
                output_field=DecimalField(max_digits=5, decimal_places=2),
            )
        )
        .prefetch_related(
            Prefetch("surrenders", queryset=Surrender.objects.order_by("surrendered_on", "pk"))
        )
    )
    serializer_class = serializers.SettlementSerializer
    filterset_class = filters.SettlementFilter
    ordering_fields = {
        **UNIT_ORDERING,
        "status": "status",
        "due_on": "due_on",
        "settled_on": "settled_on",
        "obligation": "obligation",
    }
    ordering = ("-year", "province", "enterprise")
