from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts.scoping import actor_for
from core.admin import ReadOnlyAdmin
from deadlines import services
from deadlines.models import DeadlineRule, ExtensionRequest, Notification, Obligation, ReminderStep


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    """The calendar is data: administrators edit each year's rules here."""

    list_display = [
        "year", "kind", "party", "sectors", "market_scope", "due_kind", "due_month", "due_day",
        "offset_days", "province", "is_provisional",
    ]  # fmt: skip
    list_filter = ["year", "kind", "party", "is_provisional", "province"]
    readonly_fields = ["public_id", "inherited_from", "confirmed_at"]
    actions = ["confirm"]

    @admin.action(description=_("Confirm the provisional rules of the selected rules' years"))
    def confirm(self, request, queryset):
        actor = actor_for(request.user)
        confirmed = sum(
            services.confirm_rules(actor=actor, year=year)
            for year in sorted(set(queryset.values_list("year", flat=True)))
        )
        self.message_user(
            request, _("%(count)d rules confirmed.") % {"count": confirmed}, messages.SUCCESS
        )


@admin.register(ReminderStep)
class ReminderStepAdmin(admin.ModelAdmin):
    list_display = ["offset_days", "repeat_every_days"]


@admin.register(Obligation)
class ObligationAdmin(ReadOnlyAdmin):
    list_display = ["kind", "province", "enterprise", "period_start", "due_on", "status", "met_at"]
    list_filter = ["kind", "status", "province"]
    list_select_related = ["province", "enterprise"]
    search_fields = ["enterprise__name_zh", "enterprise__uscc"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = ["obligation", "requested_due_on", "status", "granted_due_on"]
    list_select_related = ["obligation__province", "obligation__enterprise"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "kind", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
