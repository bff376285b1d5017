from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from bonnefoi.accounts.models import Membership, User
from bonnefoi.structures import services


class MembershipInline(admin.TabularInline):
    """Read-only view of a user's roles: granting and withdrawing go through MembershipAdmin."""

    model = Membership
    fk_name = "user"
    extra = 0
    fields = ["structure", "role", "is_active", "granted_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "is_active", "is_staff", "is_superuser", "last_login"]
    search_fields = ["email"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Droits", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal: list[str] = []
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Roles are granted and withdrawn through the services (checks + audit), never deleted."""

    list_display = ["user", "structure", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__email", "structure__name"]
    autocomplete_fields = ["user", "structure"]
    list_select_related = ["user", "structure"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "structure", "role", "granted_by"] if obj else ["granted_by"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change or obj.is_active:
            saved = services.membership_grant(
                actor=request.user, user=obj.user, structure=obj.structure, role=obj.role
            )
            obj.pk = saved.pk
        else:
            services.membership_revoke(actor=request.user, membership=obj)
