"""Allowances: the allocation plans as data (method, benchmarks, correction factors, ratios,
caps, rounding per year and sector), each enterprise's allocation through pre-allocation,
determination and issuance (every step a province batch approved by a second staff member),
adjustments carried between years, review requests, and settlement with its surrenders and
shortfall cases. Every figure is stored with the inputs it was computed from, so a
recomputation reproduces it exactly."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import PublicModel

TONNES = {"max_digits": 14, "decimal_places": 0}


class AllocationMethod(models.TextChoices):
    POWER_BENCHMARK = "power_benchmark", _("Benchmark × generation × corrections + heat")
    INTENSITY = "intensity", _("Intensity benchmark × output")
    EQUAL_TO_VERIFIED = "equal_to_verified", _("Equal to verified emissions")


class PreAllocationBasis(models.TextChoices):
    OUTPUT = "output", _("The basis year's verified output × the benchmarks")
    EMISSIONS = "emissions", _("The basis year's verified emissions")
    NONE = "none", _("No pre-allocation")


class AllocationPlan(models.Model):
    """One sector's allocation rules for one compliance year.

    `cooling_factors` maps a facility's cooling (units.Cooling) to its factor;
    `load_factor_bands` is the piece-wise load (output) factor correction, highest band first:
    each band has `min` (load factor as a fraction) and either {"kind": "constant", "value"},
    {"kind": "linear", "a", "b", "pivot", "scale"} for a + b × (pivot − scale × F), or
    {"kind": "power", "coef", "base", "pivot", "scale"} for coef × base^(pivot − scale × F);
    `category_rules` assigns a facility its benchmark category, first match wins:
    [{"category", "fuels": [...], "min_capacity": MW or null}].
    """

    year = models.PositiveSmallIntegerField(_("compliance year"))
    sector = models.CharField(_("sector"), max_length=20)
    method = models.CharField(_("method"), max_length=20, choices=AllocationMethod.choices)
    pre_allocation_ratio = models.DecimalField(
        _("pre-allocation ratio"), max_digits=5, decimal_places=4, default=0
    )
    pre_allocation_basis = models.CharField(
        _("pre-allocation basis"), max_length=10, choices=PreAllocationBasis.choices,
        default=PreAllocationBasis.NONE,
    )  # fmt: skip
    basis_year = models.PositiveSmallIntegerField(_("pre-allocation basis year"), null=True)
    gap_cap_pct = models.DecimalField(
        _("compliance gap cap (per cent of verified emissions)"),
        max_digits=5, decimal_places=2, null=True, blank=True,
    )  # fmt: skip
    gas_units_capped = models.BooleanField(
        _("gas units surrender at most their allocation"), default=False
    )
    ccer_limit_pct = models.DecimalField(
        _("CCER limit (per cent of the obligation)"), max_digits=5, decimal_places=2, default=5
    )
    rounding_places = models.SmallIntegerField(_("rounding (decimal places of tonnes)"), default=0)
    cooling_factors = models.JSONField(_("cooling correction factors"), default=dict, blank=True)
    load_factor_bands = models.JSONField(_("load factor correction"), default=list, blank=True)
    load_factor_applies_to = models.JSONField(
        _("fuels the load factor correction applies to"), default=list, blank=True
    )
    category_rules = models.JSONField(_("benchmark category rules"), default=list, blank=True)
    review_window_days = models.PositiveSmallIntegerField(
        _("review request window (working days)"), default=7
    )
    decision_window_days = models.PositiveSmallIntegerField(
        _("review decision window (working days)"), default=10
    )
    output_item = models.CharField(
        _("output item"), max_length=60, blank=True,
        help_text=_("The verified activity item the output benchmark multiplies."),
    )  # fmt: skip
    heat_item = models.CharField(_("heat item"), max_length=60, blank=True)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("allocation plan")
        verbose_name_plural = _("allocation plans")
        ordering = ["-year", "sector"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sector"], name="allocation_plan_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.sector} ({self.method})"


class Benchmark(models.Model):
    """A plan's benchmark for one facility category: tCO2 per unit of output (MWh generated,
    t of clinker ...), and per GJ of heat supplied where the plan has a heat term."""

    plan = models.ForeignKey(
        AllocationPlan, verbose_name=_("plan"), on_delete=models.CASCADE,
        related_name="benchmarks",
    )  # fmt: skip
    category = models.CharField(_("category"), max_length=40)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150)
    output_value = models.DecimalField(_("output benchmark"), max_digits=12, decimal_places=6)
    output_unit = models.CharField(_("output benchmark unit"), max_length=30)
    heat_value = models.DecimalField(
        _("heat benchmark (tCO2/GJ)"), max_digits=12, decimal_places=6, null=True, blank=True
    )
    is_demo_value = models.BooleanField(
        _("demo value"), default=False, help_text=_("Not checked against the published plan.")
    )

    class Meta:
        verbose_name = _("benchmark")
        verbose_name_plural = _("benchmarks")
        ordering = ["plan", "category"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "category"], name="benchmark_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.output_value} {self.output_unit}"


class Step(models.TextChoices):
    PRE_ALLOCATION = "pre_allocation", _("Pre-allocation")
    DETERMINATION = "determination", _("Determination")
    ALLOCATION = "allocation", _("Allocation (issuance)")


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting approval")
    APPROVED = "approved", _("Approved")


class AllocationBatch(PublicModel):
    """One step of one sector's allocation in a province for a year: drafted by one staff
    member, approved by another. Approval makes its figures final and notifies the units."""

    province = models.ForeignKey(
        "units.Province", verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("compliance year"))
    sector = models.CharField(_("sector"), max_length=20)
    step = models.CharField(_("step"), max_length=16, choices=Step.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.DRAFT
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("prepared by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("allocation batch")
        verbose_name_plural = _("allocation batches")
        ordering = ["-year", "province", "sector", "step"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "year", "sector", "step"], name="allocation_batch_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.province} {self.year} {self.sector} {self.step}"

    def get_absolute_url(self) -> str:
        return reverse("quotas:batch-detail", kwargs={"public_id": self.public_id})


# The field of an Allocation that holds each step's batch.
BATCH_OF_STEP = {
    Step.PRE_ALLOCATION: "pre_allocation_batch",
    Step.DETERMINATION: "determination_batch",
    Step.ALLOCATION: "allocation_batch",
}


class Allocation(PublicModel):
    """An enterprise's allowances for a compliance year. Each figure is stored with the lines
    and inputs it came from (`*_lines`: per facility, formula and tonnes; `*_inputs`: every
    number read), so recomputing from the inputs gives the same figure."""

    enterprise = models.ForeignKey(
        "units.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT,
        related_name="allocations",
    )  # fmt: skip
    year = models.PositiveSmallIntegerField(_("compliance year"))
    plan = models.ForeignKey(
        AllocationPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="+"
    )
    pre_allocated = models.DecimalField(_("pre-allocated (t)"), null=True, blank=True, **TONNES)
    pre_allocation_lines = models.JSONField(_("pre-allocation calculation"), default=list)
    pre_allocation_inputs = models.JSONField(_("pre-allocation inputs"), default=dict)
    pre_allocation_batch = models.ForeignKey(
        AllocationBatch, verbose_name=_("pre-allocation batch"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="pre_allocations",
    )  # fmt: skip
    determined = models.DecimalField(_("determined (t)"), null=True, blank=True, **TONNES)
    determination_lines = models.JSONField(_("determination calculation"), default=list)
    determination_inputs = models.JSONField(_("determination inputs"), default=dict)
    adjustments = models.DecimalField(_("adjustments netted (t)"), default=0, **TONNES)
    to_issue = models.DecimalField(
        _("to issue (t; negative: to withdraw)"), null=True, blank=True, **TONNES
    )
    determination_batch = models.ForeignKey(
        AllocationBatch, verbose_name=_("determination batch"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="determinations",
    )  # fmt: skip
    issued = models.DecimalField(_("issued (t)"), null=True, blank=True, **TONNES)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    allocation_batch = models.ForeignKey(
        AllocationBatch, verbose_name=_("allocation batch"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="issuances",
    )  # fmt: skip

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["-year", "enterprise"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="allocation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("quotas:allocation-detail", kwargs={"public_id": self.public_id})

    def is_approved(self, step: str) -> bool:
        """Whether the step's figures are final: its batch approved by the second pair of eyes
        (a draft's figures change with each recalculation)."""
        batch = getattr(self, BATCH_OF_STEP[step])
        return batch is not None and batch.status == BatchStatus.APPROVED


class AdjustmentKind(models.TextChoices):
    BORROWED = "borrowed", _("① Borrowed allowances")
    HARDSHIP = "hardship", _("② Hardship advance")
    UNDER_SURRENDERED = "under_surrendered", _("③ Under-surrendered allowances")
    ENFORCEMENT = "enforcement", _("④ Enforcement recalculation")
    OTHER = "other", _("⑤ Other adjustment")


class Adjustment(PublicModel):
    """Tonnes to deduct from (positive) or add back to (negative) an enterprise's allocation of
    a year, netted at pre-allocation or determination (`netted_in`)."""

    enterprise = models.ForeignKey(
        "units.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT,
        related_name="allowance_adjustments",
    )  # fmt: skip
    year = models.PositiveSmallIntegerField(_("allocation year it applies to"))
    kind = models.CharField(_("kind"), max_length=20, choices=AdjustmentKind.choices)
    tonnes = models.DecimalField(_("tonnes to deduct"), **TONNES)
    reason = models.TextField(_("reason"))
    source = models.CharField(_("source record"), max_length=120, blank=True)
    netted_in = models.ForeignKey(
        Allocation, verbose_name=_("netted in"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="netted_adjustments",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("allowance adjustment")
        verbose_name_plural = _("allowance adjustments")
        ordering = ["-year", "enterprise", "created_at"]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year} {self.kind} {self.tonnes}"


class ReviewStatus(models.TextChoices):
    FILED = "filed", _("Awaiting decision")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")


class AllocationReview(PublicModel):
    """An enterprise's request to review its determined allocation, within the window of working
    days after notice; the province decides within its own window."""

    allocation = models.ForeignKey(
        Allocation, verbose_name=_("allocation"), on_delete=models.PROTECT,
        related_name="reviews",
    )  # fmt: skip
    grounds = models.TextField(_("grounds"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    filed_on = models.DateField(_("filed on"))
    decide_by = models.DateField(_("decision due by"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.FILED
    )
    decision = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("allocation review request")
        verbose_name_plural = _("allocation review requests")
        ordering = ["-filed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["allocation"], condition=Q(status="filed"), name="one_open_review"
            )
        ]

    def __str__(self) -> str:
        return f"{self.allocation} ({self.status})"


class SettlementStatus(models.TextChoices):
    OPEN = "open", _("Not yet settled")
    ON_TIME = "on_time", _("Settled on time")
    LATE = "late", _("Settled late")
    NOT_SETTLED = "not_settled", _("Not settled")


class Settlement(PublicModel):
    """What an enterprise must surrender for a compliance year, and what it has: the obligation
    is the verified emissions, bounded by the plan's gap cap or gas-unit rule (`cap_rule`)."""

    enterprise = models.ForeignKey(
        "units.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT,
        related_name="settlements",
    )  # fmt: skip
    year = models.PositiveSmallIntegerField(_("compliance year"))
    verified_emissions = models.DecimalField(_("verified emissions (t)"), **TONNES)
    allocated = models.DecimalField(_("allocated (t)"), **TONNES)
    obligation = models.DecimalField(
        _("to surrender (t)"), validators=[MinValueValidator(0)], **TONNES
    )
    cap_rule = models.CharField(_("cap applied"), max_length=20, blank=True)
    calculation = models.JSONField(_("calculation"), default=list)
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=12, choices=SettlementStatus.choices,
        default=SettlementStatus.OPEN,
    )  # fmt: skip
    settled_on = models.DateField(_("settled on"), null=True, blank=True)

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["-year", "enterprise"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="settlement_unique")
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("quotas:settlement-detail", kwargs={"public_id": self.public_id})


class SurrenderKind(models.TextChoices):
    ALLOWANCE = "allowance", _("Allowances")
    CCER = "ccer", _("CCER")


class Surrender(models.Model):
    """Allowances (of a vintage) or CCERs surrendered against a settlement, recorded by staff
    or imported from the registry's export."""

    settlement = models.ForeignKey(
        Settlement, verbose_name=_("settlement"), on_delete=models.PROTECT,
        related_name="surrenders",
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=10, choices=SurrenderKind.choices)
    vintage = models.PositiveSmallIntegerField(_("vintage"), null=True, blank=True)
    quantity = models.DecimalField(_("quantity (t)"), validators=[MinValueValidator(1)], **TONNES)
    surrendered_on = models.DateField(_("surrendered on"))
    registry_reference = models.CharField(_("registry reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("surrender")
        verbose_name_plural = _("surrenders")
        ordering = ["settlement", "surrendered_on", "pk"]
        constraints = [
            models.CheckConstraint(name="surrender_positive", condition=Q(quantity__gt=0)),
            models.CheckConstraint(
                name="surrender_vintage_for_allowances",
                condition=Q(kind="ccer") | Q(vintage__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.vintage or ''} {self.quantity}"


class PenaltyRule(models.Model):
    """The penalty for not surrendering, per year as data: a fine range (fixed amounts, or a
    multiple of the average market price × the shortfall), and the deduction of the shortfall
    from next year's allocation."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    fine_min = models.DecimalField(
        _("lowest fine (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    fine_max = models.DecimalField(
        _("highest fine (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    price_multiple_min = models.DecimalField(
        _("lowest multiple of the average price"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
    )
    price_multiple_max = models.DecimalField(
        _("highest multiple of the average price"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
    )
    deduct_next_year = models.BooleanField(
        _("deduct the shortfall from next year's allocation"), default=True
    )
    correction_days = models.PositiveSmallIntegerField(_("days to correct"), default=30)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("penalty rule")
        verbose_name_plural = _("penalty rules")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Correction ordered")
    CORRECTED = "corrected", _("Corrected")
    PENALISED = "penalised", _("Penalty decided")
    CLOSED = "closed", _("Case closed")


class ShortfallCase(PublicModel):
    """The follow-up of a settlement not completed by its deadline: the correction order, the
    penalty range per the rules, and the deduction carried to next year's allocation."""

    settlement = models.OneToOneField(
        Settlement, verbose_name=_("settlement"), on_delete=models.PROTECT,
        related_name="case",
    )  # fmt: skip
    shortfall = models.DecimalField(_("shortfall (t)"), **TONNES)
    correction_due = models.DateField(_("correct by"))
    average_price = models.DecimalField(
        _("average market price (CNY/t)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    fine_min = models.DecimalField(
        _("lowest fine (CNY)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    fine_max = models.DecimalField(
        _("highest fine (CNY)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    penalty_decided = models.DecimalField(
        _("fine decided (CNY)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    deduction = models.OneToOneField(
        Adjustment, verbose_name=_("deduction from next year"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="case",
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("shortfall case")
        verbose_name_plural = _("shortfall cases")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.settlement} {self.shortfall}"


class ComplianceTarget(models.Model):
    """An interim settlement target as data (e.g. 95% of enterprises settled by a date)."""

    year = models.PositiveSmallIntegerField(_("compliance year"))
    share_pct = models.DecimalField(_("share of enterprises (%)"), max_digits=5, decimal_places=2)
    by_date = models.DateField(_("by"))
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("compliance target")
        verbose_name_plural = _("compliance targets")
        ordering = ["-year", "by_date"]
        constraints = [
            models.UniqueConstraint(fields=["year", "by_date"], name="compliance_target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.share_pct}% by {self.by_date}"
