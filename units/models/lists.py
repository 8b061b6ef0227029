"""The annual list of key emission units: inclusion rules as data, the list of a province and
year (drafted, submitted, approved by a second person, published, corrected by revision), and
one entry per unit with the decision and why."""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.models import PublicModel


class Lookback(models.TextChoices):
    LATEST_VERIFIED = "latest_verified", _("Most recent verified year")
    ANY_YEAR = "any_year", _("Any year of a range")


class InclusionRule(models.Model):
    """The list conditions of one list year and sector (notice Appendix 1, domain-facts §2).

    `lookback` says which years' emissions count: the most recent verified year (2023 onward), or
    any year from `from_year` to `to_year` (the 2019-2020 wording). A unit on last year's list
    is removed when below the threshold `removal_years_below` years running, or when closed.
    """

    list_year = models.PositiveSmallIntegerField(_("list year"))
    sector = models.CharField(_("sector"), max_length=20)
    is_market_sector = models.BooleanField(
        _("trading market"), help_text=_("Otherwise: annual reporting management only.")
    )
    threshold_t = models.DecimalField(
        _("threshold (tCO2e of annual direct emissions)"), max_digits=12, decimal_places=2
    )
    lookback = models.CharField(
        _("which years count"),
        max_length=20,
        choices=Lookback.choices,
        default=Lookback.LATEST_VERIFIED,
    )
    from_year = models.PositiveSmallIntegerField(_("from year"), null=True, blank=True)
    to_year = models.PositiveSmallIntegerField(_("to year"), null=True, blank=True)
    include_new_build = models.BooleanField(
        _("include newly commissioned units expected to reach the threshold"), default=True
    )
    removal_years_below = models.PositiveSmallIntegerField(
        _("consecutive years below the threshold that remove a unit"), default=2
    )
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("inclusion rule")
        verbose_name_plural = _("inclusion rules")
        ordering = ["list_year", "sector"]
        constraints = [
            models.UniqueConstraint(
                fields=["list_year", "sector"], name="inclusion_rule_unique_year_sector"
            ),
            models.CheckConstraint(
                name="inclusion_rule_range_given_for_any_year",
                condition=Q(lookback="latest_verified")
                | Q(
                    lookback="any_year",
                    from_year__isnull=False,
                    to_year__isnull=False,
                    from_year__lte=models.F("to_year"),
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.list_year} {self.sector} ≥ {self.threshold_t:,.0f} t"


class ListStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for approval")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded by a revision")


class UnitList(PublicModel):
    """A province's list of key emission units for one year, in one revision."""

    # Formulation is audited as the number of units per decision, before and after.
    audit_labels = {
        "new": _("New"),
        "continuing": _("Continuing"),
        "removed": _("Removed"),
        "not_included": _("Not included"),
    }

    province = models.ForeignKey(
        "units.Province",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        related_name="unit_lists",
    )
    year = models.PositiveSmallIntegerField(_("list year"))
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    status = models.CharField(
        _("status"), max_length=12, choices=ListStatus.choices, default=ListStatus.DRAFT
    )
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    formulated_at = models.DateTimeField(_("formulated at"), null=True, blank=True)
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
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    correction_reason = models.TextField(_("reason for the correction"), blank=True)

    class Meta:
        verbose_name = _("key emission unit list")
        verbose_name_plural = _("key emission unit lists")
        ordering = ["province__code", "-year", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "year", "revision"], name="unit_list_unique_revision"
            ),
            # One list in the works per province and year, and one published.
            models.UniqueConstraint(
                fields=["province", "year"],
                condition=Q(status__in=["draft", "submitted", "approved"]),
                name="unit_list_one_open_per_year",
            ),
            models.UniqueConstraint(
                fields=["province", "year"],
                condition=Q(status="published"),
                name="unit_list_one_published_per_year",
            ),
            models.CheckConstraint(
                name="unit_list_four_eyes",
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("submitted_by")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.province} {self.year} r{self.revision}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("units:list-detail", kwargs={"public_id": self.public_id})

    @property
    def is_editable(self) -> bool:
        return self.status == ListStatus.DRAFT


@dataclass(frozen=True)
class AsPublished:
    name: str
    uscc: str
    city_zh: str
    city_en: str
    industry_code: str
    industry_zh: str
    industry_en: str

    @property
    def city_name(self) -> str:
        english = get_language() and get_language().startswith("en")
        return (self.city_en if english and self.city_en else self.city_zh) or ""

    @property
    def industry_name(self) -> str:
        english = get_language() and get_language().startswith("en")
        return self.industry_en if english and self.industry_en else self.industry_zh


class ListScope(models.TextChoices):
    MARKET = "market", _("Trading market")
    REPORTING_ONLY = "reporting_only", _("Annual reporting management")


class Decision(models.TextChoices):
    NEW = "new", _("New")
    CONTINUING = "continuing", _("Continuing")
    REMOVED = "removed", _("Removed")
    NOT_INCLUDED = "not_included", _("Not included")


class ListEntry(PublicModel):
    """One unit's place on a list: what the rule proposed and why, and the decision taken."""

    unit_list = models.ForeignKey(
        UnitList, verbose_name=_("list"), on_delete=models.CASCADE, related_name="entries"
    )
    enterprise = models.ForeignKey(
        "units.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="list_entries",
    )
    scope = models.CharField(_("scope"), max_length=15, choices=ListScope.choices)
    proposed = models.CharField(_("proposed"), max_length=12, choices=Decision.choices)
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices)
    reason_code = models.CharField(_("reason"), max_length=30)
    explanation = models.JSONField(_("figures and rule"), default=dict, blank=True)
    basis_emissions = models.DecimalField(
        _("emissions considered (tCO2e)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # As published: a published list says what it said that day, whatever is renamed later.
    published_name = models.CharField(_("name as published"), max_length=200, blank=True)
    published_uscc = models.CharField(_("code as published"), max_length=18, blank=True)
    published_city_zh = models.CharField(_("city as published"), max_length=50, blank=True)
    published_city_en = models.CharField(
        _("city as published (English)"), max_length=80, blank=True
    )
    published_industry_code = models.CharField(
        _("industry code as published"), max_length=4, blank=True
    )
    published_industry_zh = models.CharField(_("industry as published"), max_length=80, blank=True)
    published_industry_en = models.CharField(
        _("industry as published (English)"), max_length=120, blank=True
    )
    override_reason = models.TextField(_("reason for overriding"), blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("overridden by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")
        ordering = ["unit_list", "scope", "enterprise__name_zh"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit_list", "enterprise"], name="list_entry_unique_unit"
            ),
            models.CheckConstraint(
                name="list_entry_override_has_reason",
                condition=Q(decision=models.F("proposed")) | ~Q(override_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_list}: {self.enterprise} {self.decision}"

    @property
    def is_overridden(self) -> bool:
        return self.decision != self.proposed

    def as_published(self) -> AsPublished:
        """The unit as its list published it; before publication, the unit as it is now."""
        if self.published_uscc:
            return AsPublished(
                self.published_name,
                self.published_uscc,
                self.published_city_zh,
                self.published_city_en,
                self.published_industry_code,
                self.published_industry_zh,
                self.published_industry_en,
            )
        enterprise, city, industry = self.enterprise, self.enterprise.city, self.enterprise.industry
        return AsPublished(
            enterprise.name_zh,
            enterprise.uscc,
            city.name_zh if city else "",
            city.name_en if city else "",
            industry.code,
            industry.name_zh,
            industry.name_en,
        )

    @property
    def is_listed(self) -> bool:
        """Published in the disclosure: included units, and removed ones with their remark."""
        return self.decision != Decision.NOT_INCLUDED
