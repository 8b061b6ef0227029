from django.db import migrations

from units.reference_data import INDUSTRIES, PROVINCES


def load(apps, schema_editor):
    Province = apps.get_model("units", "Province")
    Industry = apps.get_model("units", "Industry")
    for code, name_zh, short_name_zh, name_en in PROVINCES:
        Province.objects.update_or_create(
            code=code,
            defaults={"name_zh": name_zh, "short_name_zh": short_name_zh, "name_en": name_en},
        )
    for code, sector, is_market_sector, name_zh, name_en in INDUSTRIES:
        Industry.objects.update_or_create(
            code=code,
            sector=sector,
            standard="GB/T 4754-2017",
            defaults={"is_market_sector": is_market_sector, "name_zh": name_zh, "name_en": name_en},
        )


class Migration(migrations.Migration):
    dependencies = [("units", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
