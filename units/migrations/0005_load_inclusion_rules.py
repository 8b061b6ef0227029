from django.db import migrations

# Notice Appendix 1 (domain-facts §2): annual direct emissions >= 26,000 tCO2e, confirmed by the
# most recent verification, plus newly commissioned units expected to reach it; removal after two
# consecutive years below, or closure. The 2026 list (2025 notice) and 2027 list (2026 notice).
MARKET = ["power", "steel", "cement", "aluminium"]
REPORTING_ONLY = ["petrochemical", "chemical", "flat_glass", "copper", "paper", "aviation"]
SOURCES = {
    2026: "关于做好2025年全国碳排放权交易市场有关工作的通知 附件1",
    2027: "关于做好2026年全国碳排放权交易市场有关工作的通知 附件1",
}


def load(apps, schema_editor):
    InclusionRule = apps.get_model("units", "InclusionRule")
    for list_year, source in SOURCES.items():
        for sector in MARKET + REPORTING_ONLY:
            InclusionRule.objects.get_or_create(
                list_year=list_year,
                sector=sector,
                defaults={
                    "is_market_sector": sector in MARKET,
                    "threshold_t": 26000,
                    "lookback": "latest_verified",
                    "include_new_build": True,
                    "removal_years_below": 2,
                    "source": source,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("units", "0004_unit_lists")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
