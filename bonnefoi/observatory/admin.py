"""Technical view of the observatory's quality work in /gestion/ (read-only: writes go through
the back office and the services, which check the rights and write the audit log; aggregates
are rebuilt, never edited)."""

from django.contrib import admin

from bonnefoi.observatory.models import Action, ActionPlan, FilingVolume, RefreshRun, SpikeAlert


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SpikeAlert)
class SpikeAlertAdmin(ReadOnlyAdmin):
    list_display = ["entry", "week_start", "count", "baseline_mean", "threshold", "acknowledged_at"]
    list_select_related = ["entry"]
    date_hierarchy = "week_start"


class ActionInline(admin.TabularInline):
    model = Action
    fields = ["kind", "owner", "due_on", "status", "completed_on"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ActionPlan)
class ActionPlanAdmin(ReadOnlyAdmin):
    list_display = ["title", "structure", "procedure", "created_at"]
    list_select_related = ["structure", "procedure"]
    search_fields = ["title"]
    inlines = [ActionInline]


@admin.register(FilingVolume)
class FilingVolumeAdmin(ReadOnlyAdmin):
    list_display = ["structure", "procedure", "first_day", "last_day", "filings", "source"]
    list_select_related = ["structure", "procedure"]


@admin.register(RefreshRun)
class RefreshRunAdmin(ReadOnlyAdmin):
    list_display = ["kind", "started_at", "finished_at", "periods", "rows"]
