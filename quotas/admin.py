from django.contrib import admin

from quotas.models import AllocationPlan, Benchmark, ComplianceTarget, PenaltyRule


class BenchmarkInline(admin.TabularInline):
    model = Benchmark
    extra = 0


@admin.register(AllocationPlan)
class AllocationPlanAdmin(admin.ModelAdmin):
    """Plans are data: a new year's plan is entered here, not coded."""

    list_display = ["year", "sector", "method", "pre_allocation_ratio", "gap_cap_pct"]
    list_filter = ["year", "sector", "method"]
    inlines = [BenchmarkInline]


admin.site.register(PenaltyRule)
admin.site.register(ComplianceTarget)
