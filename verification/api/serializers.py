from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import DescribedModelSerializer, UnitRecordSerializer
from verification.models import (
    Assignment,
    AssignmentStatus,
    EvaluationStatus,
    Institution,
    InstitutionEvaluation,
    Objection,
)

PUBLIC_ID = _("The record's public identifier (UUID); the API addresses records by it.")
URL = _("This record in the API.")
# The conclusion stands once submitted to the province; while the assignment is assigned or
# returned it is the verifiers' draft.
SUBMITTED = (AssignmentStatus.CONCLUDED, AssignmentStatus.CONFIRMED)


class FacilityFigureSerializer(serializers.Serializer):
    """One verified activity figure of one facility, as the confirmation made it final."""

    facility = serializers.UUIDField(
        allow_null=True, help_text=_("The facility (id) the figure is for.")
    )
    facility_name = serializers.CharField(help_text=_("The facility's name when confirmed."))
    item = serializers.CharField(
        help_text=_("What was verified: power_generated, heat_supplied or output.")
    )
    value = serializers.DecimalField(
        max_digits=18, decimal_places=4, help_text=_("The verified value, in `unit`.")
    )
    unit = serializers.CharField(help_text=_("Unit of the value, e.g. MWh, GJ, t."))


class ObjectionStateSerializer(DescribedModelSerializer):
    """The enterprise's objection to a confirmed result and the province's re-review."""

    class Meta:
        model = Objection
        fields = ["status", "filed_on", "decide_by", "decided_at", "revised_emissions"]


class VerificationResultSerializer(UnitRecordSerializer):
    """The verification of one unit's annual report for a year by one institution: where it
    stands, the submitted conclusion, and once confirmed the verified figures."""

    id = serializers.UUIDField(source="public_id", read_only=True, help_text=PUBLIC_ID)
    url = serializers.HyperlinkedIdentityField(
        view_name="api:verification-result-detail", lookup_field="public_id", help_text=URL
    )
    institution = serializers.UUIDField(
        source="institution.public_id",
        read_only=True,
        help_text=_("The verification institution (id)."),
    )
    institution_name = serializers.CharField(
        source="institution.name_zh", read_only=True, help_text=_("The institution's name.")
    )
    report = serializers.UUIDField(
        source="report_public_id",
        read_only=True,
        help_text=_("The annual report version (id) verified."),
    )
    reported_emissions = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text=_("Emissions (tCO2) as the annual report version reported them."),
    )
    conclusion = serializers.SerializerMethodField(
        help_text=_(
            "The verifiers' conclusion as submitted to the province (status concluded or "
            "confirmed); null while they work on it, and to the enterprise."
        )
    )
    conservative_basis = serializers.SerializerMethodField(
        help_text=_(
            "Basis of the conservative estimate, when a non-conformity was not rectified; "
            "shown with the conclusion."
        )
    )
    concluded_at = serializers.SerializerMethodField(
        help_text=_("When the conclusion was submitted to the province; shown with it.")
    )
    verified_emissions = serializers.DecimalField(
        source="figures.emissions",
        max_digits=14,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text=_(
            "Verified emissions (tCO2e) as the province confirmed them, or as an upheld "
            "objection revised them; null until confirmed."
        ),
    )
    confirmed_on = serializers.DateField(
        source="figures.confirmed_on",
        read_only=True,
        allow_null=True,
        help_text=_("The day the province confirmed the result; null until then."),
    )
    figures = serializers.SerializerMethodField(
        help_text=_(
            "Verified activity data per facility, as confirmed (what quota determination "
            "reads); empty until confirmed."
        )
    )
    objection = ObjectionStateSerializer(
        read_only=True,
        allow_null=True,
        help_text=_("The enterprise's objection to the result, if one was filed."),
    )
    assigned_at = serializers.DateTimeField(
        source="created_at", read_only=True, help_text=_("When the report was assigned.")
    )
    updated_at = serializers.DateTimeField(
        source="changed_at",
        read_only=True,
        help_text=_("When the assignment or its objection last changed."),
    )

    class Meta:
        model = Assignment
        fields = [
            "id",
            "url",
            "status",
            "institution",
            "institution_name",
            "enterprise",
            "enterprise_name",
            "uscc",
            "province",
            "sector",
            "year",
            "report",
            "reported_emissions",
            "conclusion",
            "conservative_basis",
            "concluded_at",
            "verified_emissions",
            "confirmed_on",
            "figures",
            "objection",
            "assigned_at",
            "updated_at",
        ]

    @staticmethod
    def _conclusion_shown(assignment: Assignment) -> bool:
        return assignment.status in SUBMITTED and getattr(assignment, "work_shown", False)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_conclusion(self, assignment: Assignment) -> str | None:
        return assignment.conclusion if self._conclusion_shown(assignment) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_conservative_basis(self, assignment: Assignment) -> str | None:
        return assignment.conservative_basis if self._conclusion_shown(assignment) else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_concluded_at(self, assignment: Assignment):
        if not self._conclusion_shown(assignment):
            return None
        return serializers.DateTimeField().to_representation(assignment.concluded_at)

    @extend_schema_field(FacilityFigureSerializer(many=True))
    def get_figures(self, assignment: Assignment) -> list[dict]:
        figures = getattr(assignment, "figures", None)
        if figures is None:
            return []
        # The stored figures name the facility by its row; the API by its public id.
        public_ids = {
            facility.pk: facility.public_id for facility in assignment.enterprise.facilities.all()
        }
        rows = [
            {**row, "facility": public_ids.get(row.get("facility"))} for row in figures.activity
        ]
        return FacilityFigureSerializer(rows, many=True).data


class InstitutionSerializer(DescribedModelSerializer):
    """A verification (technical review) service institution and the provinces it serves."""

    id = serializers.UUIDField(source="public_id", read_only=True, help_text=PUBLIC_ID)
    url = serializers.HyperlinkedIdentityField(
        view_name="api:institution-detail", lookup_field="public_id", help_text=URL
    )
    provinces = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        read_only=True,
        help_text=_(
            "The provinces (GB/T 2260 codes) whose department registered the institution to "
            "serve them."
        ),
    )
    verifiers = serializers.IntegerField(
        source="verifier_count", read_only=True, help_text=_("Its verifier users.")
    )
    registered_at = serializers.DateTimeField(
        source="created_at", read_only=True, help_text=_("When it was first registered.")
    )

    class Meta:
        model = Institution
        fields = [
            "id",
            "url",
            "uscc",
            "name_zh",
            "name_en",
            "provinces",
            "qualifications",
            "contact_name",
            "contact_phone",
            "contact_email",
            "verifiers",
            "registered_at",
            "updated_at",
        ]


class InstitutionEvaluationSerializer(DescribedModelSerializer):
    """An institution's scores in a province's yearly evaluation of verification institutions
    (out of 100: timeliness, quality and compliance), its grade and where the evaluation
    stands."""

    province = serializers.CharField(
        source="round.province.code",
        read_only=True,
        help_text=_("The evaluating province (GB/T 2260 code)."),
    )
    year = serializers.IntegerField(
        source="round.year",
        read_only=True,
        help_text=_("Evaluation year (it covers the verification of the previous year's reports)."),
    )
    status = serializers.ChoiceField(
        source="round.status",
        choices=EvaluationStatus.choices,
        read_only=True,
        help_text=_("Where the province's evaluation stands: draft, awaiting approval, published."),
    )
    published_at = serializers.DateTimeField(
        source="round.published_at",
        read_only=True,
        allow_null=True,
        help_text=_("When the evaluation was published; null before."),
    )
    institution = serializers.UUIDField(
        source="institution.public_id",
        read_only=True,
        help_text=_("The institution (id)."),
    )
    institution_name = serializers.CharField(
        source="institution.name_zh", read_only=True, help_text=_("The institution's name.")
    )

    class Meta:
        model = InstitutionEvaluation
        fields = [
            "province",
            "year",
            "status",
            "published_at",
            "institution",
            "institution_name",
            "reports",
            "timeliness",
            "quality",
            "compliance",
            "total",
            "grade",
            "vetoed",
        ]
