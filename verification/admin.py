from django.contrib import admin

from verification.models import Institution


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "uscc"]
    search_fields = ["name_zh", "uscc"]
    filter_horizontal = ["provinces"]
