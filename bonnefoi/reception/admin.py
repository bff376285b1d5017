"""Technical view of the premises data in /gestion/ (read-only: writes go through the back office
and the services; checklists come from their data files)."""

from django.contrib import admin

from bonnefoi.reception.models import Audit, ChecklistVersion, CorrectiveAction


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "valid_from", "audit_period_months", "unverified"]


@admin.register(Audit)
class AuditAdmin(ReadOnlyAdmin):
    list_display = ["site", "kind", "visited_on", "checklist", "score"]
    list_filter = ["kind", "checklist"]
    list_select_related = ["site", "checklist"]


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(ReadOnlyAdmin):
    list_display = ["criterion", "audit", "due_on", "status"]
    list_filter = ["status"]
    list_select_related = ["criterion", "audit__site"]
