from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import PublicModel
from units.validators import validate_uscc


class Institution(PublicModel):
    """A verification (technical review) service institution. Verifier users belong to one."""

    name_zh = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    qualifications = models.TextField(_("qualifications"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    provinces = models.ManyToManyField(
        "units.Province",
        verbose_name=_("provinces served"),
        related_name="institutions",
        blank=True,
    )

    class Meta:
        verbose_name = _("verification institution")
        verbose_name_plural = _("verification institutions")
        ordering = ["name_zh"]

    def __str__(self) -> str:
        return self.name_zh


class RelationshipKind(models.TextChoices):
    CONSULTANCY = "consultancy", _("Consultancy or report preparation")
    EQUITY = "equity", _("Shareholding or investment")
    PERSONNEL = "personnel", _("Shared personnel or family ties")
    OTHER = "other", _("Other interest")


class Relationship(PublicModel):
    """A relationship an institution declares with an enterprise; while it lasts, the
    institution may not verify that enterprise."""

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="relationships",
    )
    enterprise = models.ForeignKey(
        "units.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="institution_relationships",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RelationshipKind.choices)
    description = models.TextField(_("description"), blank=True)
    from_year = models.PositiveSmallIntegerField(_("from year"))
    to_year = models.PositiveSmallIntegerField(
        _("to year"), null=True, blank=True, help_text=_("Empty while it lasts.")
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("declared by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("declared relationship")
        verbose_name_plural = _("declared relationships")
        ordering = ["institution", "enterprise", "-from_year"]
        constraints = [
            models.CheckConstraint(
                name="relationship_years_ordered",
                condition=Q(to_year__isnull=True) | Q(to_year__gte=models.F("from_year")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution} – {self.enterprise} ({self.get_kind_display()})"

    def covers(self, year: int) -> bool:
        return self.from_year <= year and (self.to_year is None or year <= self.to_year)


class VerificationPolicy(models.Model):
    """The year's verification rules as data: how many consecutive years one institution may
    verify the same enterprise, and the objection and re-review windows in working days."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    max_consecutive_years = models.PositiveSmallIntegerField(
        _("most consecutive years by one institution")
    )
    objection_window_days = models.PositiveSmallIntegerField(_("objection window (working days)"))
    review_window_days = models.PositiveSmallIntegerField(_("re-review window (working days)"))
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("verification policy")
        verbose_name_plural = _("verification policies")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class HolidayDate(models.Model):
    """A day that differs from the weekday rule, for a year the holiday library does not cover
    yet: a public holiday on a weekday, or an official make-up working day on a weekend."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"), default=False, help_text=_("Ticked for a make-up working day.")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("holiday or make-up working day")
        verbose_name_plural = _("holidays and make-up working days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    CONCLUDED = "concluded", _("Conclusion submitted")
    RETURNED = "returned", _("Conclusion returned")
    CONFIRMED = "confirmed", _("Confirmed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_ASSIGNMENT = ["assigned", "concluded", "returned", "confirmed"]


class Assignment(PublicModel):
    """The verification (technical review) of one enterprise's annual report for a year by one
    institution and its team: the work, the conclusion, its confirmation by the province."""

    report = models.ForeignKey(
        "reporting.AnnualReport",
        verbose_name=_("annual report"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    enterprise = models.ForeignKey(
        "units.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="verification_assignments",
    )
    year = models.PositiveSmallIntegerField(_("reporting year"))
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("team"), related_name="+", blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=AssignmentStatus.choices,
        default=AssignmentStatus.ASSIGNED,
    )  # fmt: skip
    due_date = models.DateField(_("due date"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    document_review = models.TextField(_("document review"), blank=True)
    document_reviewed_on = models.DateField(_("document review date"), null=True, blank=True)
    site_visit = models.TextField(_("on-site check"), blank=True)
    site_visited_on = models.DateField(_("on-site check date"), null=True, blank=True)
    verified_emissions = models.DecimalField(
        _("verified emissions (tCO2e)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    conclusion = models.TextField(_("conclusion"), blank=True)
    conservative_basis = models.TextField(
        _("basis of the conservative estimate"),
        blank=True,
        help_text=_("Required when a non-conformity was not rectified."),
    )
    concluded_at = models.DateTimeField(_("conclusion submitted at"), null=True, blank=True)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("conclusion submitted by"), null=True,
        blank=True, on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    review_comment = models.TextField(_("province's comment"), blank=True)
    times_returned = models.PositiveSmallIntegerField(
        _("times the conclusion was returned"), default=0
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("verification assignment")
        verbose_name_plural = _("verification assignments")
        ordering = ["-year", "enterprise"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year"],
                condition=Q(status__in=OPEN_ASSIGNMENT),
                name="assignment_one_open_per_unit_year",
            ),
        ]
        indexes = [models.Index(fields=["institution", "year", "status"])]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year} → {self.institution}"

    def get_absolute_url(self) -> str:
        return reverse("verification:assignment-detail", kwargs={"public_id": self.public_id})


class NonConformityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RECTIFIED = "rectified", _("Rectified")
    NOT_RECTIFIED = "not_rectified", _("Not rectified")


class NonConformity(PublicModel):
    """A non-conformity the verifier found, and whether the enterprise rectified it."""

    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        on_delete=models.CASCADE,
        related_name="non_conformities",
    )
    item_code = models.CharField(_("item"), max_length=60, blank=True)
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=14, choices=NonConformityStatus.choices,
        default=NonConformityStatus.OPEN,
    )  # fmt: skip
    rectification = models.TextField(_("rectification"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("non-conformity")
        verbose_name_plural = _("non-conformities")
        ordering = ["assignment", "created_at"]

    def __str__(self) -> str:
        return self.description[:60]


class VerifiedActivity(models.Model):
    """Verified activity data per facility (power generated, heat supplied, output), what quota
    determination needs."""

    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        on_delete=models.CASCADE,
        related_name="activity",
    )
    facility = models.ForeignKey(
        "units.Facility", verbose_name=_("facility"), on_delete=models.PROTECT, related_name="+"
    )
    item_code = models.CharField(_("item"), max_length=60)
    value = models.DecimalField(
        _("value"), max_digits=18, decimal_places=4, validators=[MinValueValidator(0)]
    )
    unit = models.CharField(_("unit"), max_length=30)

    class Meta:
        verbose_name = _("verified activity data")
        verbose_name_plural = _("verified activity data")
        ordering = ["assignment", "facility", "item_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "facility", "item_code"], name="verified_activity_unique"
            ),
            models.CheckConstraint(
                name="verified_activity_not_negative", condition=Q(value__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility} {self.item_code} {self.value} {self.unit}"


class VerifiedFigures(models.Model):
    """What a confirmation made final, written once: the verified emissions and activity data
    that quota determination reads. A decision on an objection revises it (audited)."""

    assignment = models.OneToOneField(
        Assignment,
        verbose_name=_("assignment"),
        on_delete=models.PROTECT,
        related_name="figures",
    )
    enterprise = models.ForeignKey(
        "units.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="verified_figures",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    emissions = models.DecimalField(
        _("verified emissions (tCO2e)"), max_digits=14, decimal_places=2
    )
    activity = models.JSONField(
        _("verified activity data"),
        default=list,
        help_text=_("Per facility: facility id, item, value, unit."),
    )
    confirmed_on = models.DateField(_("confirmed on"))

    class Meta:
        verbose_name = _("verified figures")
        verbose_name_plural = _("verified figures")
        ordering = ["-year", "enterprise"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="verified_figures_once")
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year}: {self.emissions}"


class ObjectionStatus(models.TextChoices):
    FILED = "filed", _("Awaiting re-review")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")


class Objection(PublicModel):
    """An enterprise's request for re-review of a confirmed verification result, filed within the
    window of working days; the province decides within its window, finally."""

    assignment = models.OneToOneField(
        Assignment,
        verbose_name=_("assignment"),
        on_delete=models.PROTECT,
        related_name="objection",
    )
    grounds = models.TextField(_("grounds"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    filed_on = models.DateField(_("filed on"))
    decide_by = models.DateField(_("decision due by"))
    status = models.CharField(
        _("status"), max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.FILED
    )
    decision = models.TextField(_("decision"), blank=True)
    revised_emissions = models.DecimalField(
        _("revised verified emissions (tCO2e)"), max_digits=14, decimal_places=2, null=True,
        blank=True,
    )  # fmt: skip
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-filed_on"]

    def __str__(self) -> str:
        return f"{self.assignment} ({self.get_status_display()})"


class SpotCheck(PublicModel):
    """A staff spot check of a confirmed verification: a deviation found counts against the
    institution's quality in the yearly evaluation."""

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.PROTECT,
        related_name="spot_checks",
    )  # fmt: skip
    checked_on = models.DateField(_("checked on"))
    deviation_found = models.BooleanField(_("material deviation found"), default=False)
    deviation_tonnes = models.DecimalField(
        _("deviation (tCO2e)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")
        ordering = ["-checked_on"]

    def __str__(self) -> str:
        return f"{self.assignment} {self.checked_on}"


class EvaluationScheme(models.Model):
    """The year's rubric for evaluating institutions, as data: weights of timeliness, quality
    and compliance (points out of 100), quality deductions per finding, grade bands, the fewest
    reports to be graded, and the compliance checklist (items marked `veto` fail the
    institution outright when not met)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    weights = models.JSONField(_("weights"))
    deductions = models.JSONField(_("quality deductions per finding"))
    bands = models.JSONField(_("grade bands"))
    min_reports = models.PositiveSmallIntegerField(_("fewest reports to be graded"))
    checklist = models.JSONField(_("compliance checklist"))
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("evaluation scheme")
        verbose_name_plural = _("evaluation schemes")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting approval")
    PUBLISHED = "published", _("Published")


class EvaluationRound(PublicModel):
    """A province's evaluation of its institutions for a year (due Nov 30): prepared by one staff
    member, approved and published by another."""

    province = models.ForeignKey(
        "units.Province", verbose_name=_("province"), on_delete=models.PROTECT,
        related_name="evaluation_rounds",
    )  # fmt: skip
    year = models.PositiveSmallIntegerField(_("year"))
    scheme = models.ForeignKey(
        EvaluationScheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EvaluationStatus.choices,
        default=EvaluationStatus.DRAFT,
    )  # fmt: skip
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
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation of institutions")
        verbose_name_plural = _("evaluations of institutions")
        ordering = ["-year", "province"]
        constraints = [
            models.UniqueConstraint(fields=["province", "year"], name="evaluation_round_unique")
        ]

    def __str__(self) -> str:
        return f"{self.province} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("verification:evaluation-detail", kwargs={"public_id": self.public_id})


class InstitutionEvaluation(models.Model):
    """One institution's scores in a round, with the figures they were computed from."""

    round = models.ForeignKey(
        EvaluationRound, verbose_name=_("evaluation"), on_delete=models.CASCADE,
        related_name="evaluations",
    )  # fmt: skip
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    reports = models.PositiveIntegerField(_("reports verified"))
    timeliness = models.DecimalField(_("timeliness"), max_digits=6, decimal_places=2)
    quality = models.DecimalField(_("quality"), max_digits=6, decimal_places=2)
    compliance = models.DecimalField(_("compliance"), max_digits=6, decimal_places=2)
    total = models.DecimalField(_("total score"), max_digits=6, decimal_places=2)
    grade = models.CharField(
        _("grade"), max_length=20, blank=True, help_text=_("Empty when not graded.")
    )
    vetoed = models.BooleanField(_("failed on a veto item"), default=False)
    checklist = models.JSONField(_("compliance checklist answers"), default=dict, blank=True)
    inputs = models.JSONField(_("figures used"), default=dict, blank=True)

    class Meta:
        verbose_name = _("institution evaluation")
        verbose_name_plural = _("institution evaluations")
        ordering = ["round", "-total"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "institution"], name="institution_evaluation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution} {self.total} {self.grade}"
