from django.db import migrations

from deadlines.notice_2026 import REMINDER_LADDER, RULES_2026, SOURCE


def load(apps, schema_editor):
    DeadlineRule = apps.get_model("deadlines", "DeadlineRule")
    ReminderStep = apps.get_model("deadlines", "ReminderStep")
    if not DeadlineRule.objects.filter(year=2026, province__isnull=True).exists():
        DeadlineRule.objects.bulk_create(
            DeadlineRule(year=2026, source=SOURCE, confirmed_at=None, **values) for values in RULES_2026
        )
    for offset_days, repeat_every_days in REMINDER_LADDER:
        ReminderStep.objects.get_or_create(
            offset_days=offset_days, defaults={"repeat_every_days": repeat_every_days}
        )


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
