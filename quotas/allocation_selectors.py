"""The reads behind the batch and allocation pages: the provinces whose batches the actor may
draft, the batches with their number of units and total tonnes, one batch and its allocations,
one allocation, its reviews and the adjustments its determination netted, and the audit trails.
Every read is scoped through accounts.scoping.
"""

from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Cast, Coalesce

from accounts import scoping
from core.models import AuditEvent, target_label
from quotas.batch_access import allocations_in
from quotas.models import BATCH_OF_STEP, Allocation, AllocationBatch, AllocationReview, Step
from units.models import Province


def provinces_to_allocate(*, actor: scoping.Actor) -> QuerySet[Province]:
    """Provinces whose batches the actor may draft: province-wide staff's own, or all for
    administrators."""
    if actor.is_administrator:
        return Province.objects.order_by("code")
    own = [province for province, city in actor.staff_scopes if city is None]
    return Province.objects.filter(pk__in=own).order_by("code")


def _per_batch(field: str, aggregate) -> Subquery:
    rows = (
        Allocation.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(value=aggregate)
        .values("value")
    )
    return Subquery(rows)


def _by_step(aggregate, output_field) -> Case:
    return Case(
        *[
            When(step=step, then=_per_batch(field, aggregate))
            for step, field in BATCH_OF_STEP.items()
        ],
        output_field=output_field,
    )


def batches_for(
    *, actor: scoping.Actor, province_code: str = "", year: int | None = None
) -> QuerySet[AllocationBatch]:
    """The batches the actor may see (of a province and year if given), with their number of
    units and total tonnes."""
    batches = scoping.visible(actor, AllocationBatch).select_related(
        "province", "prepared_by", "approved_by"
    )
    if province_code:
        batches = batches.filter(province__code=province_code)
    if year is not None:
        batches = batches.filter(year=year)
    total = Case(
        When(
            step=Step.PRE_ALLOCATION, then=_per_batch("pre_allocation_batch", Sum("pre_allocated"))
        ),
        When(step=Step.DETERMINATION, then=_per_batch("determination_batch", Sum("to_issue"))),
        When(step=Step.ALLOCATION, then=_per_batch("allocation_batch", Sum("issued"))),
        output_field=DecimalField(max_digits=18, decimal_places=0),
    )
    return batches.annotate(
        units=Coalesce(_by_step(Count("pk"), IntegerField()), 0), total=total
    ).order_by("-year", "province__code", "sector", "step")


def batch_detail(*, actor: scoping.Actor, public_id) -> AllocationBatch:
    return scoping.get_visible(
        actor,
        AllocationBatch.objects.select_related("province", "prepared_by", "approved_by"),
        public_id=public_id,
    )


def allocations_of(*, actor: scoping.Actor, batch: AllocationBatch) -> QuerySet[Allocation]:
    return (
        scoping.visible(actor, allocations_in(batch))
        .select_related("enterprise")
        .order_by("enterprise__name_zh", "pk")
    )


def allocation_detail(*, actor: scoping.Actor, public_id) -> Allocation:
    return scoping.get_visible(
        actor,
        Allocation.objects.select_related(
            "enterprise__province",
            "plan",
            "pre_allocation_batch",
            "determination_batch",
            "allocation_batch",
        ),
        public_id=public_id,
    )


def reviews_of(*, actor: scoping.Actor, allocation: Allocation) -> QuerySet[AllocationReview]:
    return (
        scoping.visible(actor, AllocationReview)
        .filter(allocation=allocation)
        .select_related("filed_by", "decided_by")
        .order_by("-filed_on", "-pk")
    )


def review_to_decide(*, actor: scoping.Actor, public_id) -> AllocationReview:
    return scoping.get_visible(
        actor,
        AllocationReview.objects.select_related("allocation__enterprise"),
        public_id=public_id,
    )


def netted_adjustments(allocation: Allocation) -> list[dict]:
    """The adjustments the determination counted, as stored in its inputs."""
    return list((allocation.determination_inputs or {}).get("adjustments", []))


def history(*, actor: scoping.Actor, batch: AllocationBatch) -> QuerySet[AuditEvent]:
    scoping.get_visible(actor, AllocationBatch, pk=batch.pk)
    return AuditEvent.objects.filter(
        target_type=target_label(AllocationBatch), target_id=str(batch.pk)
    ).order_by("-occurred_at", "-pk")


def allocation_history(*, actor: scoping.Actor, allocation: Allocation) -> QuerySet[AuditEvent]:
    """The allocation's figure changes and its reviews' events (staff and ministry only see
    the trail; it names staff)."""
    if not (actor.staff_scopes or actor.sees_all_provinces):
        return AuditEvent.objects.none()
    review_ids = allocation.reviews.order_by().values(key=Cast("pk", CharField()))
    return AuditEvent.objects.filter(
        Q(target_type=target_label(Allocation), target_id=str(allocation.pk))
        | Q(target_type=target_label(AllocationReview), target_id__in=review_ids)
    ).order_by("-occurred_at", "-pk")
