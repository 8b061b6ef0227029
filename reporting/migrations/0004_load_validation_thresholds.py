from django.db import migrations

THRESHOLDS = [
    ("month_over_month_change_pct", 50, "Warn when a monthly quantity moves by more than this % from the month before"),
    ("annual_reconciliation_tolerance_pct", 2, "Warn when an annual figure differs from the sum of its months by more than this %"),
]  # fmt: skip


def load(apps, schema_editor):
    ValidationThreshold = apps.get_model("reporting", "ValidationThreshold")
    for code, value, description in THRESHOLDS:
        ValidationThreshold.objects.get_or_create(
            code=code, defaults={"value": value, "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [("reporting", "0003_monthly_certifications")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
