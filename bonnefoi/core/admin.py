from django.contrib import admin
from dsfr.models import DsfrConfig

from bonnefoi.core.models import AuditLogEntry

# The site configuration lives in settings (bonnefoi.core.context_processors), not in
# django-dsfr's DsfrConfig table: hide that table so nobody edits a setting that is never read.
admin.site.unregister(DsfrConfig)


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
