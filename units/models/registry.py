from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from core.models import PublicModel
from units.validators import validate_uscc


class Province(models.Model):
    """A tenant: one of the 31 provinces or the Xinjiang Production and Construction Corps."""

    code = models.CharField(_("code"), max_length=6, unique=True, help_text=_("GB/T 2260 code"))
    name_zh = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80)
    short_name_zh = models.CharField(_("short Chinese name"), max_length=20)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_zh


class City(models.Model):
    """A prefecture-level city (or league, prefecture, division) inside a province."""

    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="cities"
    )
    code = models.CharField(_("code"), max_length=6, blank=True)
    name_zh = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["province__code", "code", "name_zh"]
        constraints = [
            models.UniqueConstraint(fields=["province", "name_zh"], name="city_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name_zh


class Sector(models.TextChoices):
    POWER = "power", _("Power generation")
    STEEL = "steel", _("Steel")
    CEMENT = "cement", _("Cement")
    ALUMINIUM = "aluminium", _("Aluminium smelting")
    PETROCHEMICAL = "petrochemical", _("Petrochemical")
    CHEMICAL = "chemical", _("Chemical")
    FLAT_GLASS = "flat_glass", _("Flat glass")
    COPPER = "copper", _("Copper smelting")
    PAPER = "paper", _("Papermaking")
    AVIATION = "aviation", _("Civil aviation")


class Industry(models.Model):
    """A GB/T 4754 industry code and the MEE sector it belongs to."""

    code = models.CharField(_("industry code"), max_length=4)
    standard = models.CharField(_("standard"), max_length=20, default="GB/T 4754-2017")
    name_zh = models.CharField(_("Chinese name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=120)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    is_market_sector = models.BooleanField(
        _("in the trading market"),
        help_text=_(
            "Power, steel, cement and aluminium; the others are under reporting management."
        ),
    )

    class Meta:
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        ordering = ["sector", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "sector", "standard"], name="industry_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class EnterpriseStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged")


class EnterpriseQuerySet(models.QuerySet):
    def with_latest_emissions(self) -> "EnterpriseQuerySet":
        """Annotate the most recent year's direct emissions (verified preferred over reported)."""
        latest = AnnualEmissions.objects.filter(enterprise=OuterRef("pk")).order_by(
            "-year", "-source"
        )
        return self.annotate(
            latest_year=Subquery(latest.values("year")[:1]),
            latest_direct_emissions=Subquery(latest.values("direct_emissions")[:1]),
        )


class Enterprise(PublicModel):
    """A key emission unit: one legal entity, identified by its unified social credit code."""

    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    name_zh = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="enterprises"
    )
    city = models.ForeignKey(
        City,
        verbose_name=_("city"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    industry = models.ForeignKey(
        Industry, verbose_name=_("industry"), on_delete=models.PROTECT, related_name="enterprises"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EnterpriseStatus.choices,
        default=EnterpriseStatus.ACTIVE,
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    is_in_pilot_market = models.BooleanField(
        _("in a pilot market"),
        default=False,
        help_text=_("Also covered by a regional pilot market (to detect double coverage)."),
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("key emission unit")
        verbose_name_plural = _("key emission units")
        ordering = ["province__code", "name_zh"]
        indexes = [
            models.Index(fields=["province", "name_zh"]),
            models.Index(fields=["province", "status"]),
        ]

    def __str__(self) -> str:
        return self.name_zh

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("units:enterprise-detail", kwargs={"public_id": self.public_id})


class FacilityCategory(models.TextChoices):
    GENERATING_UNIT = "generating_unit", _("Generating unit")
    PRODUCTION_LINE = "production_line", _("Production line")
    BOILER = "boiler", _("Boiler")
    KILN = "kiln", _("Kiln")
    ELECTROLYSIS = "electrolysis", _("Electrolysis series")
    OTHER = "other", _("Other")


class Fuel(models.TextChoices):
    COAL = "coal", _("Coal")
    COAL_GANGUE = "coal_gangue", _("Coal gangue")
    NATURAL_GAS = "natural_gas", _("Natural gas")
    OIL = "oil", _("Oil")
    BIOMASS_COFIRED = "biomass_cofired", _("Biomass co-fired")
    ELECTRICITY = "electricity", _("Electricity")
    OTHER = "other", _("Other")


class Cooling(models.TextChoices):
    WATER = "water", _("Water cooling")
    AIR = "air", _("Air cooling")
    NOT_APPLICABLE = "na", _("Not applicable")


class Facility(PublicModel):
    """A generating unit or production line of an enterprise."""

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="facilities",
    )
    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(_("category"), max_length=20, choices=FacilityCategory.choices)
    capacity = models.DecimalField(
        _("capacity"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    capacity_unit = models.CharField(_("capacity unit"), max_length=20, help_text=_("e.g. MW, t/d"))
    fuel = models.CharField(_("fuel"), max_length=20, choices=Fuel.choices)
    cooling = models.CharField(
        _("cooling"), max_length=5, choices=Cooling.choices, default=Cooling.NOT_APPLICABLE
    )
    commissioned_on = models.DateField(_("commissioned on"), null=True, blank=True)

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["enterprise", "name"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="facility_unique_name"),
            models.CheckConstraint(
                condition=models.Q(capacity__gt=0), name="facility_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.name}"


class EmissionsSource(models.TextChoices):
    REPORTED = "reported", _("Reported")
    VERIFIED = "verified", _("Verified")


class AnnualEmissions(models.Model):
    """An enterprise's emissions for one year, as reported or as verified (tCO2e)."""

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="annual_emissions",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(_("source"), max_length=10, choices=EmissionsSource.choices)
    direct_emissions = models.DecimalField(
        _("direct emissions (tCO2e)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    indirect_emissions = models.DecimalField(
        _("indirect emissions (tCO2e)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("annual emissions")
        verbose_name_plural = _("annual emissions")
        ordering = ["enterprise", "-year", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year", "source"], name="annual_emissions_unique_year_source"
            ),
            models.CheckConstraint(
                condition=models.Q(direct_emissions__gte=0),
                name="annual_emissions_direct_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year} {self.get_source_display()}"
