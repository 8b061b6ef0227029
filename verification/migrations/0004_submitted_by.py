"""Who submitted the round is a column now (the four-eyes check read it from the audit trail):
filled from the latest "submitted" status event of each."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def from_audit_trail(apps, schema_editor):
    Model = apps.get_model("verification", "evaluationround")
    AuditEvent = apps.get_model("core", "AuditEvent")
    submitters = {}
    events = AuditEvent.objects.filter(
        target_type="verification.evaluationround",
        action="status",
        changes__status__after="submitted",
    ).order_by("occurred_at", "pk")
    for target_id, actor_id in events.values_list("target_id", "actor_id"):
        submitters[target_id] = actor_id  # the latest wins
    for row in Model.objects.filter(submitted_by__isnull=True).only("pk"):
        actor_id = submitters.get(str(row.pk))
        if actor_id is not None:
            Model.objects.filter(pk=row.pk).update(submitted_by_id=actor_id)


class Migration(migrations.Migration):
    dependencies = [
        ("verification", "0003_load_2026_policy"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("core", "0003_calculate_action"),
    ]

    operations = [
        migrations.AddField(
            model_name="evaluationround",
            name="submitted_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="submitted by",
            ),
        ),
        migrations.RunPython(from_audit_trail, migrations.RunPython.noop),
    ]
