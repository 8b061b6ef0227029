"""Enterprise reporting. So far: the data items of each sector and year as data (what a monthly
certification or report asks for, its unit, range and evidence), and the role each item plays in
computing emissions. Certifications, reports and plans build on these."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
