from django.db import migrations

from verification.policy_2026 import POLICY_2026, SCHEME_2026


def load(apps, schema_editor):
    VerificationPolicy = apps.get_model("verification", "VerificationPolicy")
    EvaluationScheme = apps.get_model("verification", "EvaluationScheme")
    VerificationPolicy.objects.get_or_create(
        year=POLICY_2026["year"], defaults={k: v for k, v in POLICY_2026.items() if k != "year"}
    )
    EvaluationScheme.objects.get_or_create(
        year=SCHEME_2026["year"], defaults={k: v for k, v in SCHEME_2026.items() if k != "year"}
    )


class Migration(migrations.Migration):
    dependencies = [("verification", "0002_verification_workflow")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
