from django.db import migrations

from reporting.schemas_2026 import SCHEMAS

SOURCE = "企业温室气体排放核算与报告指南（发电设施）; domain-facts §6-8 (ranges: demo values)"


def load(apps, schema_editor):
    DataItemSchema = apps.get_model("reporting", "DataItemSchema")
    DataItem = apps.get_model("reporting", "DataItem")
    for sector, (formula_version, items) in SCHEMAS.items():
        schema, created = DataItemSchema.objects.get_or_create(
            year=2026, sector=sector, defaults={"formula_version": formula_version, "source": SOURCE}
        )
        if not created:
            continue
        DataItem.objects.bulk_create(
            DataItem(
                schema=schema,
                code=code,
                name_zh=name_zh,
                name_en=name_en,
                unit=unit,
                role=role,
                group=group,
                is_required=required,
                min_value=low,
                max_value=high,
                evidence_types=evidence,
                order=order,
            )
            for order, (code, name_zh, name_en, unit, role, group, required, low, high, evidence)
            in enumerate(items)
        )


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_data_item_schemas")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
