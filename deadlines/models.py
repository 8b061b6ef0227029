"""The compliance calendar as data (rules), what each party must do (obligations), the reminder
ladder, notifications (inbox and e-mail), extension requests and calendar feeds."""

import calendar
import uuid
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import PublicModel


class ObligationKind(models.TextChoices):
    ANNUAL_REPORT = "annual_report", _("Annual emission report")
    SUPPLEMENTARY_REPORT = "supplementary_report", _("Supplementary data report")
    MONTHLY_CERTIFICATION = "monthly_certification", _("Monthly certification of accounting data")
    QUALITY_CONTROL_PLAN = "quality_control_plan", _("Data quality control plan")
    VERIFICATION = "verification", _("Verification of emission reports")
    PRE_ALLOCATION = "pre_allocation", _("Quota pre-allocation")
    DETERMINATION = "determination", _("Quota determination")
    ALLOCATION = "allocation", _("Quota allocation")
    LIST_PUBLICATION = "list_publication", _("Publication of the key emission unit list")
    INSTITUTION_EVALUATION = "institution_evaluation", _("Evaluation of verification institutions")
    SETTLEMENT = "settlement", _("Quota settlement")


class Party(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    PROVINCE = "province", _("Province")


class MarketScope(models.TextChoices):
    MARKET = "market", _("Units in the trading market")
    REPORTING_ONLY = "reporting_only", _("Units under reporting management only")
    ALL = "all", _("All units")


class PeriodKind(models.TextChoices):
    YEAR = "year", _("Year")
    MONTH = "month", _("Month")


class DueKind(models.TextChoices):
    FIXED_DATE = "fixed", _("Fixed date")
    DAYS_AFTER_PERIOD = "offset", _("Natural days after the end of the period")


class DeadlineRule(models.Model):
    """One line of an annual notice: who must do what, for which sectors, by when.

    `year` is the notice's year. The period an obligation covers is `period_year_offset` years
    from it (the 2026 notice asks for 2025 reports, offset -1, and 2027 plans, offset +1); monthly
    rules cover each month of that year. A rule with a province is that province's internal
    deadline in front of the national rule it names as `parent`.
    """

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    year = models.PositiveSmallIntegerField(_("notice year"))
    kind = models.CharField(_("obligation"), max_length=30, choices=ObligationKind.choices)
    party = models.CharField(_("who acts"), max_length=12, choices=Party.choices)
    per_enterprise = models.BooleanField(
        _("one per enterprise"),
        default=True,
        help_text=_("One obligation per covered enterprise, or else one per province."),
    )
    sectors = models.JSONField(
        _("sectors"),
        default=list,
        blank=True,
        help_text=_("Sector keys (power, steel, ...); empty means every sector."),
    )
    market_scope = models.CharField(
        _("market scope"), max_length=15, choices=MarketScope.choices, default=MarketScope.ALL
    )
    period_kind = models.CharField(
        _("period"), max_length=5, choices=PeriodKind.choices, default=PeriodKind.YEAR
    )
    period_year_offset = models.SmallIntegerField(
        _("period year offset"), default=0, help_text=_("-1: the year before the notice year.")
    )
    due_kind = models.CharField(_("due date rule"), max_length=6, choices=DueKind.choices)
    due_month = models.PositiveSmallIntegerField(_("due month"), null=True, blank=True)
    due_day = models.PositiveSmallIntegerField(_("due day"), null=True, blank=True)
    due_year_offset = models.SmallIntegerField(_("due year offset"), default=0)
    offset_days = models.PositiveSmallIntegerField(
        _("days after period end"), null=True, blank=True
    )
    province = models.ForeignKey(
        "units.Province",
        verbose_name=_("province"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadline_rules",
        help_text=_("Set for a province's internal deadline; empty for the national rule."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("national rule"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="internal_deadlines",
    )
    is_provisional = models.BooleanField(
        _("provisional"),
        default=False,
        help_text=_("Inherited from an earlier notice; confirm once this year's notice is out."),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    inherited_from = models.ForeignKey(
        "self",
        verbose_name=_("inherited from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["year", "kind", "party", "id"]
        constraints = [
            models.CheckConstraint(
                name="deadline_rule_due_date_is_defined",
                condition=(
                    Q(
                        due_kind="fixed",
                        due_month__gte=1,
                        due_month__lte=12,
                        due_day__gte=1,
                        due_day__lte=31,
                    )
                    | Q(due_kind="offset", offset_days__isnull=False)
                ),
            ),
            # Two sweeps inheriting a year's rules at once create each copy once.
            models.UniqueConstraint(
                fields=["year", "inherited_from"],
                condition=Q(inherited_from__isnull=False),
                name="deadline_rule_inherited_once_per_year",
            ),
            models.CheckConstraint(
                name="deadline_rule_internal_has_parent",
                condition=Q(province__isnull=True, parent__isnull=True)
                | Q(province__isnull=False, parent__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        sectors = ",".join(self.sectors) or "*"
        return f"{self.year} {self.get_kind_display()} [{sectors}/{self.market_scope}]"

    @property
    def period_year(self) -> int:
        return self.year + self.period_year_offset

    def periods(self) -> list[tuple[date, date]]:
        """(start, end) of every period this rule creates an obligation for."""
        year = self.period_year
        if self.period_kind == PeriodKind.MONTH:
            return [
                (date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))
                for month in range(1, 13)
            ]
        return [(date(year, 1, 1), date(year, 12, 31))]

    def due_on(self, period_end: date) -> date:
        if self.due_kind == DueKind.DAYS_AFTER_PERIOD:
            return period_end + timedelta(days=self.offset_days)
        year = self.year + self.due_year_offset
        return date(
            year, self.due_month, min(self.due_day, calendar.monthrange(year, self.due_month)[1])
        )

    def applies_to(self, *, sector: str, in_market: bool) -> bool:
        if self.sectors and sector not in self.sectors:
            return False
        if self.market_scope == MarketScope.MARKET:
            return in_market
        if self.market_scope == MarketScope.REPORTING_ONLY:
            return not in_market
        return True


class ObligationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MET_ON_TIME = "met_on_time", _("Met on time")
    MET_LATE = "met_late", _("Met late")
    MISSED = "missed", _("Overdue")


class ObligationQuerySet(models.QuerySet):
    def unmet(self):
        return self.filter(status__in=[ObligationStatus.OPEN, ObligationStatus.MISSED])

    def overdue(self, today: date):
        return self.unmet().filter(due_on__lt=today)


class Obligation(PublicModel):
    """One thing one party must do for one period, by one date."""

    rule = models.ForeignKey(
        DeadlineRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="obligations"
    )
    kind = models.CharField(_("obligation"), max_length=30, choices=ObligationKind.choices)
    province = models.ForeignKey(
        "units.Province",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        related_name="obligations",
    )
    enterprise = models.ForeignKey(
        "units.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="obligations",
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    original_due_on = models.DateField(_("statutory due date"))
    due_on = models.DateField(_("due date"), db_index=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ObligationStatus.choices, default=ObligationStatus.OPEN
    )
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    met_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("met by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    fulfilment = models.CharField(
        _("fulfilled by"),
        max_length=120,
        blank=True,
        help_text=_(
            "The record that fulfilled it (e.g. reporting.monthlycertification:42); "
            "empty if marked by hand."
        ),
    )
    met_note = models.TextField(_("note"), blank=True)

    objects = ObligationQuerySet.as_manager()

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ["due_on", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "enterprise", "period_start"],
                condition=Q(enterprise__isnull=False),
                name="obligation_unique_per_enterprise_period",
            ),
            models.UniqueConstraint(
                fields=["rule", "province", "period_start"],
                condition=Q(enterprise__isnull=True),
                name="obligation_unique_per_province_period",
            ),
        ]
        indexes = [
            models.Index(fields=["province", "status", "due_on"]),
            models.Index(fields=["enterprise", "due_on"]),
            models.Index(fields=["kind", "period_start"]),
        ]

    def __str__(self) -> str:
        who = self.enterprise or self.province
        return f"{self.get_kind_display()} {self.period_label} · {who}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("deadlines:obligation-detail", kwargs={"public_id": self.public_id})

    @property
    def period_label(self) -> str:
        if self.period_start.month == 1 and self.period_end.month == 12:
            return str(self.period_start.year)
        return f"{self.period_start:%Y-%m}"

    @property
    def is_met(self) -> bool:
        return self.status in (ObligationStatus.MET_ON_TIME, ObligationStatus.MET_LATE)

    def days_left(self, today: date) -> int:
        return (self.due_on - today).days


class ReminderStep(models.Model):
    """One rung of the reminder ladder: days relative to the due date (negative: before).

    A step with `repeat_every_days` repeats after its first day while the obligation is unmet.
    """

    offset_days = models.SmallIntegerField(_("days from due date"), unique=True)
    repeat_every_days = models.PositiveSmallIntegerField(
        _("repeat every (days)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("reminder step")
        verbose_name_plural = _("reminder steps")
        ordering = ["offset_days"]

    def __str__(self) -> str:
        return f"{self.offset_days:+d}"


class NotificationKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    OVERDUE = "overdue", _("Overdue")
    DIGEST = "digest", _("Overdue digest")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    EXTENSION_DECIDED = "extension_decided", _("Extension decided")
    LIST_INCLUDED = "list_included", _("On the list of key emission units")
    LIST_REMOVED = "list_removed", _("Removed from the list of key emission units")
    VERIFICATION_ASSIGNED = "verification_assigned", _("Verification assigned")
    VERIFICATION_RETURNED = "verification_returned", _("Verification conclusion returned")
    VERIFICATION_RESULT = "verification_result", _("Verification result")
    OBJECTION_FILED = "objection_filed", _("Objection to a verification result")
    OBJECTION_DECIDED = "objection_decided", _("Re-review decision")
    CONCLUSION_SUBMITTED = "conclusion_submitted", _("Verification conclusion submitted")
    ALLOCATION_NOTICE = "allocation_notice", _("Allowance allocation notice")


class Notification(models.Model):
    """An inbox message, also e-mailed. `dedupe_key` makes every reminder unique in the database,
    so two sweeps, or one sweep run twice, can never create the same reminder twice."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=NotificationKind.choices)
    obligation = models.ForeignKey(
        Obligation,
        verbose_name=_("obligation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    context = models.JSONField(_("context"), default=dict, blank=True)
    dedupe_key = models.CharField(_("deduplication key"), max_length=120, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_claimed_at = models.DateTimeField(_("e-mail claimed at"), null=True, blank=True)
    email_claim = models.CharField(max_length=32, blank=True, db_index=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.recipient} {self.kind} {self.dedupe_key}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class ExtensionRequest(PublicModel):
    obligation = models.ForeignKey(
        Obligation,
        verbose_name=_("obligation"),
        on_delete=models.CASCADE,
        related_name="extension_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_due_on = models.DateField(_("requested due date"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    granted_due_on = models.DateField(_("granted due date"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["obligation"],
                condition=Q(status="pending"),
                name="extension_one_pending_per_obligation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.obligation} → {self.requested_due_on}"


class CalendarFeed(models.Model):
    """A user's secret iCal URL. Only the token's SHA-256 is stored; revoking deletes nothing
    but makes the URL answer 404."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user} feed"
