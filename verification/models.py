from django.db import models
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
