from django.contrib import admin

from bonnefoi.core.models import AuditLogEntry


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "object_type", "object_id", "structure"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "object_id", "actor__email"]
    list_select_related = ["actor", "structure"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
