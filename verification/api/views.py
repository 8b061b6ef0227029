from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from accounts.models import Membership, Role
from accounts.scoping import Actor
from core.api.viewsets import ScopedListViewSet, ScopedReadOnlyViewSet
from units.models import Facility, Province
from verification.api import filters, serializers
from verification.models import (
    Assignment,
    AssignmentStatus,
    EvaluationStatus,
    Institution,
    InstitutionEvaluation,
)


def _staff_covers(actor: Actor, province: str, city: str) -> Q:
    """Rows of the provinces (and cities, for city-bound staff) the actor is staff of."""
    covered = Q(pk__in=[])
    for province_id, city_id in actor.staff_scopes:
        scope = Q(**{province: province_id})
        if city_id is not None:
            scope &= Q(**{city: city_id})
        covered |= scope
    return covered


def _sees_work(actor: Actor) -> Q | None:
    """The assignments whose page shows the actor the work and its conclusion
    (verification.selectors.standing): the staff covering the unit and the ministry, and the
    assigned institution's verifiers until the assignment is withdrawn. None: every row."""
    if actor.sees_all_provinces:
        return None
    verifier = Q(institution__in=actor.institution_ids) & ~Q(status=AssignmentStatus.WITHDRAWN)
    return _staff_covers(actor, "enterprise__province", "enterprise__city") | verifier


class VerificationResultViewSet(ScopedReadOnlyViewSet):
    """Verifications of units' annual reports, one per assignment to an institution: its
    status, the institution, the unit, the conclusion once submitted and, once the province
    confirmed it, the verified emissions and activity data per facility (as confirmed, or as an
    upheld objection revised them), and the state of the enterprise's objection.

    What is shown follows the assignment page (verification/views/work.py). The staff covering
    the unit and the ministry see every assignment, withdrawn ones too; the assigned
    institution's verifiers their institution's until withdrawn; the enterprise only its units'
    confirmed results (its page says no more than "in progress" before). The verifiers' work in
    progress is never served: while an assignment is assigned or returned, its draft emissions,
    activity data, conclusion, reviews and non-conformities stay on the web page; the
    conclusion appears once submitted, and only to those whose page shows it (not the
    enterprise); the verified figures only once confirmed."""

    queryset = (
        Assignment.objects.select_related(
            "enterprise__province", "enterprise__industry", "institution", "figures", "objection"
        )
        .defer(
            "document_review",
            "site_visit",
            "verified_emissions",
            "review_comment",
        )
        .annotate(
            report_public_id=F("report__public_id"),
            reported_emissions=F("report__emissions"),
            changed_at=Greatest("updated_at", Coalesce("objection__updated_at", "updated_at")),
        )
        .prefetch_related(
            Prefetch(
                "enterprise__facilities",
                queryset=Facility.objects.only("pk", "public_id", "enterprise_id"),
            )
        )
    )
    serializer_class = serializers.VerificationResultSerializer
    filterset_class = filters.VerificationResultFilter
    ordering_fields = {
        "year": "year",
        "province": "enterprise__province__code",
        "enterprise": "enterprise__name_zh",
        "institution": "institution__name_zh",
        "status": "status",
        "confirmed_on": "figures__confirmed_on",
        "updated_at": "changed_at",
    }
    ordering = ("-year", "province", "enterprise")

    def restrict(self, actor: Actor, rows: QuerySet) -> QuerySet:
        sees_work = _sees_work(actor)
        if sees_work is None:
            return rows.annotate(work_shown=Value(True, output_field=BooleanField()))
        return rows.filter(sees_work | Q(status=AssignmentStatus.CONFIRMED)).annotate(
            work_shown=Case(When(sees_work, then=True), default=False, output_field=BooleanField())
        )


class InstitutionViewSet(ScopedReadOnlyViewSet):
    """Verification institutions registered by the provinces they serve, with their number of
    verifier users (the staff's institution list). Provincial staff see the institutions
    serving their province, a verifier its own institution."""

    queryset = Institution.objects.annotate(
        verifier_count=Coalesce(
            Subquery(
                Membership.objects.filter(institution=OuterRef("pk"), role=Role.VERIFIER)
                .order_by()
                .values("institution")
                .annotate(count=Count("pk"))
                .values("count"),
                output_field=IntegerField(),
            ),
            0,
        )
    ).prefetch_related(Prefetch("provinces", queryset=Province.objects.order_by("code")))
    serializer_class = serializers.InstitutionSerializer
    filterset_class = filters.InstitutionFilter
    ordering_fields = {
        "name": "name_zh",
        "uscc": "uscc",
        "registered_at": "created_at",
        "updated_at": "updated_at",
    }
    ordering = ("name",)


class InstitutionEvaluationViewSet(ScopedListViewSet):
    """Provinces' yearly evaluations of verification institutions, one row per institution and
    evaluation: the scores, the grade and whether the evaluation is published (a list: rows are
    found by province, year and institution, not by an id of their own).

    As the evaluation pages show them: the province's staff and the ministry see their
    evaluations at every stage (draft, awaiting approval, published); a verifier sees its
    institution's only once published, as the public pages do."""

    queryset = InstitutionEvaluation.objects.select_related("round__province", "institution").defer(
        "checklist", "inputs"
    )
    serializer_class = serializers.InstitutionEvaluationSerializer
    filterset_class = filters.InstitutionEvaluationFilter
    ordering_fields = {
        "year": "round__year",
        "province": "round__province__code",
        "institution": "institution__name_zh",
        "total": "total",
    }
    ordering = ("-year", "province", "-total")

    def restrict(self, actor: Actor, rows: QuerySet) -> QuerySet:
        if actor.sees_all_provinces:
            return rows
        return rows.filter(
            Q(round__status=EvaluationStatus.PUBLISHED) | Q(round__province__in=actor.province_ids)
        )
