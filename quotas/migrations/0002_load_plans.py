from django.db import migrations

from quotas.plans_data import COMPLIANCE_TARGETS, PENALTY_RULES, PLANS


def load(apps, schema_editor):
    AllocationPlan = apps.get_model("quotas", "AllocationPlan")
    Benchmark = apps.get_model("quotas", "Benchmark")
    PenaltyRule = apps.get_model("quotas", "PenaltyRule")
    ComplianceTarget = apps.get_model("quotas", "ComplianceTarget")
    for data in PLANS:
        data = dict(data)
        benchmarks = data.pop("benchmarks")
        plan, created = AllocationPlan.objects.get_or_create(
            year=data.pop("year"), sector=data.pop("sector"), defaults=data
        )
        if not created:
            continue
        for category, zh, en, output, unit, heat, demo in benchmarks:
            Benchmark.objects.create(
                plan=plan, category=category, name_zh=zh, name_en=en, output_value=output,
                output_unit=unit, heat_value=heat, is_demo_value=demo,
            )  # fmt: skip
    for data in PENALTY_RULES:
        PenaltyRule.objects.get_or_create(year=data["year"], defaults=data)
    for data in COMPLIANCE_TARGETS:
        ComplianceTarget.objects.get_or_create(
            year=data["year"], by_date=data["by_date"], defaults=data
        )


class Migration(migrations.Migration):
    dependencies = [("quotas", "0001_allowances")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
