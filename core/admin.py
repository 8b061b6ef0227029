from django.contrib import admin

from core.models import AuditEvent, Heartbeat, Snapshot


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that change only through audited services (or never, like audit events)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "occurred_at",
        "actor_name",
        "tenant_code",
        "action",
        "target_type",
        "target_repr",
    ]
    list_filter = ["action", "target_type", "tenant_code"]
    search_fields = ["actor_name", "target_repr", "target_id"]


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "beat_count", "last_beat_at"]


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    """Snapshots are built by the nightly task or `manage.py build_snapshots`, never by hand."""

    list_display = ["dataset", "year", "province", "status", "built_at", "row_count", "size"]
    list_filter = ["dataset", "status", "year"]
    list_select_related = ["province"]
