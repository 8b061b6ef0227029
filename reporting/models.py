"""Enterprise reporting. So far: the data items of each sector and year as data (what a monthly
certification or report asks for, its unit, range and evidence), and the role each item plays in
computing emissions. Certifications, reports and plans build on these."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import PublicModel


class ItemRole(models.TextChoices):
    """How the emissions calculation uses an item; items of one `group` work together."""

    FUEL_CONSUMPTION = "fuel_consumption", _("Fuel consumption")
    NET_CALORIFIC_VALUE = "ncv", _("Net calorific value")
    CARBON_CONTENT = "carbon_content", _("Carbon content per unit calorific value")
    OXIDATION_RATE = "oxidation_rate", _("Oxidation rate")
    PROCESS_ACTIVITY = "process_activity", _("Process activity data")
    PROCESS_FACTOR = "process_factor", _("Process emission factor")
    PRODUCTION = "production", _("Production or operating data")
    REPORTED_EMISSIONS = "reported_emissions", _("Emissions reported as a total")


class DataItemSchema(models.Model):
    """The items a sector reports for one year, and the formula version that turns them into
    emissions. A new year's schema is a data change: copy the rows, edit them."""

    year = models.PositiveSmallIntegerField(_("year"))
    sector = models.CharField(_("sector"), max_length=20)
    formula_version = models.CharField(_("formula version"), max_length=40)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("data item schema")
        verbose_name_plural = _("data item schemas")
        ordering = ["year", "sector"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "sector"], name="data_item_schema_unique_year_sector"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.sector} ({self.formula_version})"


class DataItem(models.Model):
    schema = models.ForeignKey(
        DataItemSchema, verbose_name=_("schema"), on_delete=models.CASCADE, related_name="items"
    )
    code = models.CharField(_("code"), max_length=60)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150)
    unit = models.CharField(_("unit"), max_length=30)
    role = models.CharField(_("role"), max_length=20, choices=ItemRole.choices)
    group = models.CharField(
        _("group"), max_length=30, blank=True, help_text=_("e.g. the fuel the item belongs to")
    )
    is_required = models.BooleanField(_("required"), default=True)
    min_value = models.DecimalField(
        _("lowest plausible value"), max_digits=18, decimal_places=6, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("highest plausible value"), max_digits=18, decimal_places=6, null=True, blank=True
    )
    evidence_types = models.JSONField(_("required evidence"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("data item")
        verbose_name_plural = _("data items")
        ordering = ["schema", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["schema", "code"], name="data_item_unique_code"),
            models.CheckConstraint(
                name="data_item_range_ordered",
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=models.F("max_value")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.unit})"


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    ACCEPTED = "accepted", _("Accepted")
    SUPERSEDED = "superseded", _("Superseded by a new version")


class ValidationThreshold(models.Model):
    """Numbers the validation rules use (e.g. the month-over-month change that warns), as data."""

    code = models.CharField(_("code"), max_length=60, unique=True)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=4)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("validation threshold")
        verbose_name_plural = _("validation thresholds")

    def __str__(self) -> str:
        return f"{self.code} = {self.value}"


class Submission(PublicModel):
    """What every kind of submission shares: versions of one enterprise's record for a period on
    the state machine of reporting.submissions (draft -> submitted -> returned | accepted ->
    superseded), who submitted and who reviewed it. Only a draft is ever edited; a correction of
    a submitted, returned or accepted version is a new version that supersedes it."""

    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=12, choices=SubmissionStatus.choices, default=SubmissionStatus.DRAFT
    )
    supersedes = models.OneToOneField(
        "self", verbose_name=_("previous version"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="next_version",
    )  # fmt: skip
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    review_comment = models.TextField(_("review comment"), blank=True)

    class Meta:
        abstract = True

    @property
    def is_editable(self) -> bool:
        return self.status == SubmissionStatus.DRAFT


class Calculated(models.Model):
    """The data items' values of a submission that computes emissions (a monthly certification,
    an annual report), the explanations of its warnings and the calculation it stores."""

    schema = models.ForeignKey(DataItemSchema, verbose_name=_("schema"), on_delete=models.PROTECT)
    values = models.JSONField(_("values"), default=dict, blank=True)
    explanations = models.JSONField(_("explanations of warnings"), default=dict, blank=True)
    emissions = models.DecimalField(
        _("computed emissions (tCO2)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    calculation = models.JSONField(_("calculation"), default=list, blank=True)
    formula_version = models.CharField(_("formula version"), max_length=40, blank=True)

    class Meta:
        abstract = True


class MonthlyCertification(Submission, Calculated):
    """One version of an enterprise's monthly certification of accounting data.

    draft -> submitted -> returned | accepted -> superseded. Only a draft is ever edited; a
    correction of a submitted, returned or accepted version is a new version.
    """

    enterprise = models.ForeignKey(
        "units.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="monthly_certifications",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))

    class Meta:
        verbose_name = _("monthly certification")
        verbose_name_plural = _("monthly certifications")
        ordering = ["enterprise", "-year", "-month", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year", "month", "version"],
                name="certification_unique_version",
            ),
            # One version in the works, and one standing (submitted, returned or accepted).
            models.UniqueConstraint(
                fields=["enterprise", "year", "month"],
                condition=Q(status="draft"),
                name="certification_one_draft",
            ),
            models.UniqueConstraint(
                fields=["enterprise", "year", "month"],
                condition=Q(status__in=["submitted", "returned", "accepted"]),
                name="certification_one_standing",
            ),
            models.CheckConstraint(
                name="certification_month_valid", condition=Q(month__gte=1, month__lte=12)
            ),
        ]
        indexes = [models.Index(fields=["status", "year", "month"])]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year}-{self.month:02d} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("reporting:certification-detail", kwargs={"public_id": self.public_id})

    @property
    def period_start(self) -> date:
        return date(self.year, self.month, 1)


class Severity(models.TextChoices):
    ERROR = "error", _("Error")
    WARNING = "warning", _("Warning")


class ValidationFinding(models.Model):
    """What a validation rule found in one certification version. Errors block submission;
    warnings need the enterprise's explanation, and staff may waive them with a justification."""

    certification = models.ForeignKey(
        MonthlyCertification,
        verbose_name=_("certification"),
        on_delete=models.CASCADE,
        related_name="findings",
    )
    rule = models.CharField(_("rule"), max_length=40)
    item_code = models.CharField(_("item"), max_length=60, blank=True)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    params = models.JSONField(_("figures"), default=dict, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("waived by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    waived_at = models.DateTimeField(_("waived at"), null=True, blank=True)
    waiver_justification = models.TextField(_("justification for the waiver"), blank=True)

    class Meta:
        verbose_name = _("validation finding")
        verbose_name_plural = _("validation findings")
        ordering = ["certification", "severity", "rule", "item_code"]

    def __str__(self) -> str:
        return f"{self.severity} {self.rule} {self.item_code}"

    @property
    def key(self) -> str:
        """Stable across re-validation, so an explanation stays attached to its finding."""
        return f"{self.rule}:{self.item_code}"


ALLOWED_EVIDENCE_EXTENSIONS = {"pdf", "png", "jpg", "jpeg", "xlsx"}


def evidence_path(instance: "StoredFile", filename: str) -> str:
    return f"evidence/{instance.owner.enterprise.public_id}/{instance.sha256}/{filename}"


class StoredFile(PublicModel):
    """A supporting document, with the SHA-256 of its bytes and the server's time of receipt
    (`created_at`). Subclasses say what it supports (`owner`)."""

    kind = models.CharField(_("kind of evidence"), max_length=40)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    lab_report_number = models.CharField(_("lab report number"), max_length=100, blank=True)
    lab_report_date = models.DateField(_("lab report date"), null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name


class EvidenceFile(StoredFile):
    """Evidence of one monthly certification version (optionally of one item)."""

    certification = models.ForeignKey(
        MonthlyCertification,
        verbose_name=_("certification"),
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    item_code = models.CharField(_("item"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["certification", "created_at"]

    @property
    def owner(self) -> MonthlyCertification:
        return self.certification


class PlanSection(models.TextChoices):
    """The sections of a data quality control plan, each required before submission."""

    BOUNDARY = "boundary", _("Accounting boundary")
    FACILITIES = "facilities", _("Main emission facilities")
    PARAMETERS = "parameters", _("Parameter monitoring methods")
    RESPONSIBILITIES = "responsibilities", _("Division of responsibilities")
    QA_QC = "qa_qc", _("Quality assurance and quality control")


class QualityControlPlan(Submission):
    """One version of an enterprise's data quality control plan for a year, due by Dec 31 of
    the year before. Same life cycle as a monthly certification:
    draft -> submitted -> returned | accepted -> superseded; only a draft is edited."""

    enterprise = models.ForeignKey(
        "units.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="quality_control_plans",
    )
    year = models.PositiveSmallIntegerField(_("plan year"))
    content = models.JSONField(_("content"), default=dict, blank=True)

    class Meta:
        verbose_name = _("data quality control plan")
        verbose_name_plural = _("data quality control plans")
        ordering = ["enterprise", "-year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year", "version"], name="plan_unique_version"
            ),
            models.UniqueConstraint(
                fields=["enterprise", "year"],
                condition=Q(status="draft"),
                name="plan_one_draft",
            ),
            models.UniqueConstraint(
                fields=["enterprise", "year"],
                condition=Q(status__in=["submitted", "returned", "accepted"]),
                name="plan_one_standing",
            ),
        ]
        indexes = [models.Index(fields=["status", "year"])]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("reporting:plan-detail", kwargs={"public_id": self.public_id})

    @property
    def period_start(self) -> date:
        return date(self.year, 1, 1)

    def sections(self) -> list[tuple[str, str, str]]:
        """(key, label, text) of every section, in order."""
        return [(key, label, self.content.get(key, "")) for key, label in PlanSection.choices]


class AnnualReport(Submission, Calculated):
    """One version of an enterprise's annual emission report for a year (due Mar 31 of the year
    after), with its emissions by source, its findings and its reconciliation against the
    year's monthly certifications. For the other key industries it carries the supplementary
    data report as well (output and intensity). Same life cycle as the other submissions:
    draft -> submitted -> returned | accepted -> superseded; only a draft is edited."""

    enterprise = models.ForeignKey(
        "units.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="annual_reports",
    )
    year = models.PositiveSmallIntegerField(_("reporting year"))
    findings = models.JSONField(_("findings"), default=list, blank=True)
    reconciliation = models.JSONField(_("reconciliation"), default=list, blank=True)
    months_certified = models.PositiveSmallIntegerField(_("months certified"), default=0)
    supplementary = models.JSONField(_("supplementary data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("annual emission report")
        verbose_name_plural = _("annual emission reports")
        ordering = ["enterprise", "-year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year", "version"], name="annual_report_unique_version"
            ),
            models.UniqueConstraint(
                fields=["enterprise", "year"],
                condition=Q(status="draft"),
                name="annual_report_one_draft",
            ),
            models.UniqueConstraint(
                fields=["enterprise", "year"],
                condition=Q(status__in=["submitted", "returned", "accepted"]),
                name="annual_report_one_standing",
            ),
        ]
        indexes = [models.Index(fields=["status", "year"])]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("reporting:report-detail", kwargs={"public_id": self.public_id})

    @property
    def period_start(self) -> date:
        return date(self.year, 1, 1)


class ReportAttachment(StoredFile):
    """A document attached to an annual report version (the report itself, test reports,
    production statements)."""

    report = models.ForeignKey(
        AnnualReport,
        verbose_name=_("annual report"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )

    class Meta:
        verbose_name = _("report attachment")
        verbose_name_plural = _("report attachments")
        ordering = ["report", "created_at"]

    @property
    def owner(self) -> AnnualReport:
        return self.report
