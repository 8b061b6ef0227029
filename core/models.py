import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.datasets import dataset_choices


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class PublicModel(TimeStampedModel):
    """A record addressed from URLs and the API by a UUID, never by its sequential id."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    IMPORT = "import", _("Imported")
    STATUS = "status", _("Status changed")
    LOGIN = "login", _("Logged in")
    TOKEN = "token", _("API token issued")
    CALCULATE = "calculate", _("Calculated")


class AuditEventQuerySet(models.QuerySet):
    def for_target(self, target: models.Model) -> "AuditEventQuerySet":
        return self.filter(target_type=target_label(target), target_id=str(target.pk))

    def update(self, **kwargs):
        raise TypeError("audit events are append-only")

    def delete(self):
        raise TypeError("audit events are append-only")


def target_label(target: models.Model | type[models.Model]) -> str:
    return target._meta.label_lower


class AuditEvent(models.Model):
    """One append-only record of a state change: who, when, what, before and after."""

    occurred_at = models.DateTimeField(_("occurred at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    tenant_code = models.CharField(_("province code"), max_length=6, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    target_type = models.CharField(_("target type"), max_length=100)
    target_id = models.CharField(_("target id"), max_length=64)
    target_repr = models.CharField(_("target"), max_length=300)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-occurred_at"])]

    def __str__(self) -> str:
        return (
            f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.target_repr}"
        )

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("audit events are append-only")


class Heartbeat(models.Model):
    """Written by the beat-scheduled heartbeat task, so operators can see the worker is alive."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    beat_count = models.PositiveBigIntegerField(_("beats"), default=0)
    last_beat_at = models.DateTimeField(_("last beat at"), null=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return self.name


class SnapshotStatus(models.TextChoices):
    BUILDING = "building", _("Being built")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


def snapshot_path(instance: "Snapshot", filename: str) -> str:
    return f"snapshots/{instance.year}/{instance.dataset}/{filename}"


class Snapshot(PublicModel):
    """A bulk snapshot: one dataset of one year as a zip of CSV files with a manifest of their
    row counts and SHA-256 checksums, for one province or (no province) the whole country.

    One row per dataset, year and province, rebuilt in place: the file served is always the
    last complete build. A build that fails leaves the previous file in place (still ready)
    and says so in `error`; a snapshot never built completely is `failed` and has no file."""

    dataset = models.CharField(_("dataset"), max_length=40, choices=dataset_choices)
    year = models.PositiveSmallIntegerField(_("year"))
    province = models.ForeignKey(
        "units.Province",
        verbose_name=_("province"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty for a national snapshot (every province)."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SnapshotStatus.choices, default=SnapshotStatus.BUILDING
    )
    file = models.FileField(_("file"), upload_to=snapshot_path, max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(
        _("SHA-256"), max_length=64, blank=True, help_text=_("SHA-256 of the zip file.")
    )
    manifest = models.JSONField(
        _("manifest"),
        default=dict,
        blank=True,
        help_text=_("The manifest.json of the zip: every file with its rows, bytes, SHA-256."),
    )
    row_count = models.PositiveBigIntegerField(
        _("rows"), default=0, help_text=_("Rows of all the CSV files (headers not counted).")
    )
    built_at = models.DateTimeField(
        _("built at"), null=True, blank=True, help_text=_("When the file served was built.")
    )
    error = models.TextField(
        _("error"), blank=True, help_text=_("Why the last build failed; empty if it succeeded.")
    )
    failed_at = models.DateTimeField(
        _("failed at"),
        null=True,
        blank=True,
        help_text=_("When the last build failed; empty if it succeeded."),
    )

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["dataset", "-year", "province__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "year", "province"],
                condition=Q(province__isnull=False),
                name="snapshot_unique_per_province",
            ),
            models.UniqueConstraint(
                fields=["dataset", "year"],
                condition=Q(province__isnull=True),
                name="snapshot_unique_national",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dataset} {self.year} {self.scope_code}"

    @property
    def scope_code(self) -> str:
        """The province's code, or "national"."""
        return self.province.code if self.province_id else "national"

    @property
    def download_name(self) -> str:
        return f"{self.dataset}-{self.year}-{self.scope_code}.zip"
