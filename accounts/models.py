import hashlib
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="zh-hans",
        help_text=_("The language of e-mails and reminders sent to this user."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Role(models.TextChoices):
    PROVINCIAL_STAFF = "provincial_staff", _("Provincial staff")
    ENTERPRISE_USER = "enterprise_user", _("Enterprise user")
    VERIFIER = "verifier", _("Verifier")
    MINISTRY_REVIEWER = "ministry_reviewer", _("Ministry reviewer")
    ADMINISTRATOR = "administrator", _("Administrator")


class Membership(models.Model):
    """One role of a user, with the scope it grants. A user may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    province = models.ForeignKey(
        "units.Province",
        verbose_name=_("province"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    city = models.ForeignKey(
        "units.City", verbose_name=_("city"), null=True, blank=True, on_delete=models.PROTECT
    )
    enterprise = models.ForeignKey(
        "units.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    institution = models.ForeignKey(
        "verification.Institution",
        verbose_name=_("verification institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    Q(
                        role="provincial_staff",
                        province__isnull=False,
                        enterprise__isnull=True,
                        institution__isnull=True,
                    )
                    | Q(
                        role="enterprise_user",
                        enterprise__isnull=False,
                        province__isnull=True,
                        city__isnull=True,
                        institution__isnull=True,
                    )
                    | Q(
                        role="verifier",
                        institution__isnull=False,
                        province__isnull=True,
                        city__isnull=True,
                        enterprise__isnull=True,
                    )
                    | Q(
                        role__in=["ministry_reviewer", "administrator"],
                        province__isnull=True,
                        city__isnull=True,
                        enterprise__isnull=True,
                        institution__isnull=True,
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "province", "city", "enterprise", "institution"],
                nulls_distinct=False,
                name="membership_unique_scope",
            ),
        ]

    def __str__(self) -> str:
        scope = self.city or self.province or self.enterprise or self.institution or ""
        return f"{self.user} · {self.get_role_display()} {scope}".strip()


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A REST API token. Only its SHA-256 is stored; the raw token is shown once when issued."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_token",
    )
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    prefix = models.CharField(_("prefix"), max_length=8)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
