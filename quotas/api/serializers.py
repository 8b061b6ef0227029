from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import DescribedModelSerializer, UnitRecordSerializer
from quotas.calculation import ccer_allowance
from quotas.models import (
    BATCH_OF_STEP,
    Allocation,
    AllocationMethod,
    BatchStatus,
    Settlement,
    ShortfallCase,
    Step,
    Surrender,
    SurrenderKind,
)

PUBLIC_ID = _("The record's public identifier (UUID); the API addresses records by it.")
URL = _("This record in the API.")
TONNES = {"max_digits": 14, "decimal_places": 0, "read_only": True}
HIDDEN = _("null until the step's batch is approved.")


def hidden_until_approved(description):
    return format_lazy("{} {}", description, HIDDEN)


# --- allocations ---------------------------------------------------------------------------------


class AllocationLineSerializer(serializers.Serializer):
    """One line of a calculation: a facility's term (or a ratio) and its tonnes."""

    facility = serializers.UUIDField(
        read_only=True,
        allow_null=True,
        help_text=_("The facility (id) the line is for; null for a line of the whole unit."),
    )
    label = serializers.CharField(read_only=True, help_text=_("What the line computes."))
    formula = serializers.CharField(read_only=True, help_text=_("The formula with its figures."))
    tonnes = serializers.CharField(
        read_only=True, help_text=_("The line's tonnes (tCO2), unrounded, as a decimal string.")
    )


class AllocationStepBatchSerializer(serializers.Serializer):
    """The province's batch a step of an allocation was computed in, and where it stands in the
    four-eyes workflow (drafted by one staff member, approved by another)."""

    id = serializers.UUIDField(source="public_id", read_only=True, help_text=_("The batch (id)."))
    status = serializers.ChoiceField(
        choices=BatchStatus.choices,
        read_only=True,
        help_text=_("draft, submitted (awaiting approval) or approved: only approval is final."),
    )
    submitted_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=_("When the batch was submitted for approval.")
    )
    approved_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=_("When a second staff member approved it.")
    )


class AllocationStepSerializer(serializers.Serializer):
    """A step of an allocation: its batch, and its figures once the batch is approved. The
    figures of a batch not yet approved are the province's work in progress: null."""

    step = ""

    def get_fields(self):
        batch = AllocationStepBatchSerializer(
            source=BATCH_OF_STEP[self.step],
            read_only=True,
            allow_null=True,
            help_text=_("The step's batch; null before the province has started the step."),
        )
        return {"batch": batch, **super().get_fields()}

    def to_representation(self, allocation: Allocation) -> dict:
        shown = super().to_representation(allocation)
        if not allocation.is_approved(self.step):
            shown.update((name, None) for name in shown if name != "batch")
        return shown


class CalculatedStepSerializer(AllocationStepSerializer):
    """A step computed from verified data, with its calculation line by line."""

    lines_path = ""

    lines = serializers.SerializerMethodField(
        help_text=hidden_until_approved(_("The calculation, line by line (per facility);"))
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["lines"] = fields.pop("lines")  # after the step's figures
        return fields

    @extend_schema_field(AllocationLineSerializer(many=True, allow_null=True))
    def get_lines(self, allocation: Allocation) -> list[dict]:
        # Lines name facilities by their sequential id: the API gives their public id.
        facilities = {f.pk: f.public_id for f in allocation.enterprise.facilities.all()}
        return [
            {
                "facility": facilities.get(line.get("facility_id")),
                "label": line.get("label", ""),
                "formula": line.get("formula", ""),
                "tonnes": line.get("tonnes", ""),
            }
            for line in getattr(allocation, self.lines_path) or []
        ]


class PreAllocationStepSerializer(CalculatedStepSerializer):
    """Pre-allocation: from the basis year's verified data, before the year's verification."""

    step = Step.PRE_ALLOCATION
    lines_path = "pre_allocation_lines"

    pre_allocated = serializers.DecimalField(
        **TONNES,
        allow_null=True,
        help_text=hidden_until_approved(_("Pre-allocated allowances (t);")),
    )


class DeterminationStepSerializer(CalculatedStepSerializer):
    """Determination: the true-up on the compliance year's verified data,
    to_issue = determined − pre_allocated − adjustments."""

    step = Step.DETERMINATION
    lines_path = "determination_lines"

    determined = serializers.DecimalField(
        **TONNES, allow_null=True, help_text=hidden_until_approved(_("Determined allowances (t);"))
    )
    pre_allocated = serializers.DecimalField(
        source="pre_allocated_deducted",
        **TONNES,
        allow_null=True,
        help_text=hidden_until_approved(
            _("The approved pre-allocation the determination deducted (t);")
        ),
    )
    adjustments = serializers.DecimalField(
        **TONNES,
        allow_null=True,
        help_text=hidden_until_approved(
            _("Adjustments netted (t; borrowed, under-surrendered, ...);")
        ),
    )
    to_issue = serializers.DecimalField(
        **TONNES,
        allow_null=True,
        help_text=hidden_until_approved(_("Still to issue (t; negative: to withdraw);")),
    )


class IssuanceStepSerializer(AllocationStepSerializer):
    """Allocation (issuance): the determination's to_issue issued in the registry."""

    step = Step.ALLOCATION

    issued = serializers.DecimalField(
        **TONNES, allow_null=True, help_text=hidden_until_approved(_("Issued allowances (t);"))
    )
    issued_on = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text=hidden_until_approved(_("The day of the issuance;")),
    )


class AllocationSerializer(UnitRecordSerializer):
    """A unit's allowances for a compliance year, through pre-allocation, determination and
    issuance. A step's figures are shown once its batch is approved (four-eyes rule); before
    that they are null and the batch says where the step stands."""

    id = serializers.UUIDField(source="public_id", read_only=True, help_text=PUBLIC_ID)
    url = serializers.HyperlinkedIdentityField(
        view_name="api:allocation-detail", lookup_field="public_id", help_text=URL
    )
    sector = serializers.CharField(
        source="plan.sector", read_only=True, help_text=_("The sector of the allocation plan.")
    )
    plan_year = serializers.IntegerField(
        source="plan.year", read_only=True, help_text=_("The year of the allocation plan applied.")
    )
    plan_method = serializers.ChoiceField(
        source="plan.method",
        choices=AllocationMethod.choices,
        read_only=True,
        help_text=_("The plan's allocation method."),
    )
    pre_allocation = PreAllocationStepSerializer(
        source="*", read_only=True, help_text=_("The pre-allocation step.")
    )
    determination = DeterminationStepSerializer(
        source="*", read_only=True, help_text=_("The determination step.")
    )
    issuance = IssuanceStepSerializer(
        source="*", read_only=True, help_text=_("The allocation (issuance) step.")
    )

    class Meta:
        model = Allocation
        fields = [
            "id",
            "url",
            "enterprise",
            "uscc",
            "enterprise_name",
            "province",
            "sector",
            "year",
            "plan_year",
            "plan_method",
            "pre_allocation",
            "determination",
            "issuance",
            "created_at",
            "updated_at",
        ]


# --- settlements ---------------------------------------------------------------------------------


class ObligationLineSerializer(serializers.Serializer):
    """One line of the obligation's calculation."""

    label = serializers.CharField(read_only=True, help_text=_("What the line computes."))
    formula = serializers.CharField(read_only=True, help_text=_("The formula with its figures."))
    tonnes = serializers.CharField(
        read_only=True, help_text=_("The line's tonnes (tCO2), as a decimal string.")
    )


class SurrenderSerializer(DescribedModelSerializer):
    """Allowances of a vintage, or CCERs, surrendered against the settlement."""

    kind = serializers.ChoiceField(
        choices=SurrenderKind.choices, read_only=True, help_text=_("Allowances or CCER.")
    )
    vintage = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("The allowances' vintage; null for CCER.")
    )

    class Meta:
        model = Surrender
        fields = ["kind", "vintage", "quantity", "surrendered_on", "registry_reference"]


class SurrenderedVintageSerializer(serializers.Serializer):
    """Allowances of one vintage surrendered against the settlement, in total."""

    vintage = serializers.IntegerField(read_only=True, help_text=_("The allowances' vintage."))
    quantity = serializers.DecimalField(**TONNES, help_text=_("Allowances surrendered (t)."))


class ShortfallCaseSerializer(DescribedModelSerializer):
    """The follow-up of a settlement not completed by its due date: the correction order, the
    fine range and the fine decided, and the shortfall deducted from next year's allocation."""

    id = serializers.UUIDField(source="public_id", read_only=True, help_text=PUBLIC_ID)
    deduction_year = serializers.IntegerField(
        source="deduction.year",
        read_only=True,
        allow_null=True,
        help_text=_("The allocation year the shortfall is deducted from; null if none."),
    )
    deduction_tonnes = serializers.DecimalField(
        source="deduction.tonnes",
        **TONNES,
        allow_null=True,
        help_text=_("The tonnes deducted from that year's allocation; null if none."),
    )

    class Meta:
        model = ShortfallCase
        fields = [
            "id",
            "shortfall",
            "correction_due",
            "average_price",
            "fine_min",
            "fine_max",
            "penalty_decided",
            "status",
            "note",
            "deduction_year",
            "deduction_tonnes",
            "created_at",
            "updated_at",
        ]


@dataclass
class _Surrendered:
    """What the prefetched surrenders of a settlement add up to."""

    allowances: Decimal = Decimal(0)
    ccer: Decimal = Decimal(0)
    by_vintage: dict = field(default_factory=dict)

    @classmethod
    def of(cls, settlement: Settlement) -> "_Surrendered":
        found = cls()
        for surrender in settlement.surrenders.all():
            if surrender.kind == SurrenderKind.CCER:
                found.ccer += surrender.quantity
                continue
            found.allowances += surrender.quantity
            vintage = surrender.vintage
            found.by_vintage[vintage] = (
                found.by_vintage.get(vintage, Decimal(0)) + surrender.quantity
            )
        return found


class SettlementSerializer(UnitRecordSerializer):
    """What a unit must surrender for a compliance year (the verified emissions, bounded by the
    plan's gap cap or gas-unit rule), what it has surrendered (allowances by vintage, CCER
    within the plan's limit), its status, and the shortfall case of a settlement not completed
    by its due date."""

    id = serializers.UUIDField(source="public_id", read_only=True, help_text=PUBLIC_ID)
    url = serializers.HyperlinkedIdentityField(
        view_name="api:settlement-detail", lookup_field="public_id", help_text=URL
    )
    calculation = ObligationLineSerializer(
        many=True, read_only=True, help_text=_("How the obligation was computed, line by line.")
    )
    surrendered = serializers.SerializerMethodField(
        help_text=_("Surrendered in all (t): allowances and CCER.")
    )
    allowances_surrendered = serializers.DecimalField(
        source="surrendered.allowances", **TONNES, help_text=_("Allowances surrendered (t).")
    )
    by_vintage = serializers.SerializerMethodField(
        help_text=_("Allowances surrendered by vintage, oldest first.")
    )
    ccer_surrendered = serializers.DecimalField(
        source="surrendered.ccer", **TONNES, help_text=_("CCERs surrendered (t).")
    )
    ccer_limit_pct = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        read_only=True,
        help_text=_("The plan's CCER limit, per cent of the obligation."),
    )
    ccer_allowed = serializers.SerializerMethodField(
        help_text=_("The most CCERs (t) that may count against the obligation.")
    )
    remaining = serializers.SerializerMethodField(
        help_text=_("The balance still to surrender (t); 0 once covered.")
    )
    shortfall = serializers.DecimalField(
        source="case.shortfall",
        **TONNES,
        allow_null=True,
        help_text=_("The shortfall (t) found at the close of the year; null without a case."),
    )
    case = ShortfallCaseSerializer(
        read_only=True, allow_null=True, help_text=_("The shortfall case; null if none.")
    )
    surrenders = SurrenderSerializer(
        many=True, read_only=True, help_text=_("The surrenders, in the order they were made.")
    )

    class Meta:
        model = Settlement
        fields = [
            "id",
            "url",
            "enterprise",
            "uscc",
            "enterprise_name",
            "province",
            "sector",
            "year",
            "verified_emissions",
            "allocated",
            "obligation",
            "cap_rule",
            "calculation",
            "surrendered",
            "allowances_surrendered",
            "by_vintage",
            "ccer_surrendered",
            "ccer_limit_pct",
            "ccer_allowed",
            "remaining",
            "due_on",
            "status",
            "settled_on",
            "shortfall",
            "case",
            "surrenders",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, settlement: Settlement) -> dict:
        settlement.surrendered = _Surrendered.of(settlement)
        return super().to_representation(settlement)

    @staticmethod
    def _tonnes(value: Decimal) -> str:
        return serializers.DecimalField(**TONNES).to_representation(value)

    @extend_schema_field(serializers.DecimalField(**TONNES))
    def get_surrendered(self, settlement: Settlement) -> str:
        found = settlement.surrendered
        return self._tonnes(found.allowances + found.ccer)

    @extend_schema_field(SurrenderedVintageSerializer(many=True))
    def get_by_vintage(self, settlement: Settlement) -> list[dict]:
        totals = settlement.surrendered.by_vintage
        return SurrenderedVintageSerializer(
            [{"vintage": vintage, "quantity": totals[vintage]} for vintage in sorted(totals)],
            many=True,
        ).data

    @extend_schema_field(serializers.DecimalField(**TONNES))
    def get_ccer_allowed(self, settlement: Settlement) -> str:
        return self._tonnes(ccer_allowance(settlement.obligation, settlement.ccer_limit_pct))

    @extend_schema_field(serializers.DecimalField(**TONNES))
    def get_remaining(self, settlement: Settlement) -> str:
        found = settlement.surrendered
        return self._tonnes(max(settlement.obligation - found.allowances - found.ccer, Decimal(0)))
