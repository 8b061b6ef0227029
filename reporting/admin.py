from django.contrib import admin

from reporting.models import DataItem, DataItemSchema


class DataItemInline(admin.TabularInline):
    model = DataItem
    extra = 0


@admin.register(DataItemSchema)
class DataItemSchemaAdmin(admin.ModelAdmin):
    """Each sector's items are data: a new year's schema is added and edited here."""

    list_display = ["year", "sector", "formula_version"]
    list_filter = ["year", "sector"]
    inlines = [DataItemInline]
