from django.db import migrations


def backfill(apps, schema_editor):
    """Lists published before entries kept their own copy: freeze them as the units are now."""
    ListEntry = apps.get_model("units", "ListEntry")
    entries = list(
        ListEntry.objects.filter(
            unit_list__status__in=["published", "superseded"], published_uscc=""
        ).select_related("enterprise__city", "enterprise__industry")
    )
    for entry in entries:
        enterprise, city, industry = entry.enterprise, entry.enterprise.city, entry.enterprise.industry
        entry.published_name = enterprise.name_zh
        entry.published_uscc = enterprise.uscc
        entry.published_city_zh = city.name_zh if city else ""
        entry.published_city_en = city.name_en if city else ""
        entry.published_industry_code = industry.code
        entry.published_industry_zh = industry.name_zh
        entry.published_industry_en = industry.name_en
    ListEntry.objects.bulk_update(
        entries,
        [
            "published_name",
            "published_uscc",
            "published_city_zh",
            "published_city_en",
            "published_industry_code",
            "published_industry_zh",
            "published_industry_en",
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [("units", "0006_freeze_published_entries")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
