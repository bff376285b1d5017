"""Django admin (technical back office at /gestion/): every write goes through the services, so
paths, pseudonyms and the audit log stay right."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from bonnefoi.structures import services
from bonnefoi.structures.models import Agent, AnonymityException, Structure


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "sp_code", "city", "commune_insee", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "sp_code", "city", "commune_insee"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    readonly_fields = ["path"]

    def save_model(self, request, obj, form, change):
        if not change:
            created = services.structure_create(
                actor=request.user,
                **{f: form.cleaned_data.get(f) for f in form.cleaned_data if f != "path"},
            )
            obj.pk, obj.path = created.pk, created.path
            return
        if "parent" in form.changed_data and obj.parent is not None:
            services.structure_move(actor=request.user, structure=obj, new_parent=obj.parent)
            form.changed_data.remove("parent")
        super().save_model(request, obj, form, change)


class AgentCreationForm(forms.ModelForm):
    email = forms.EmailField(label="Adresse e-mail professionnelle")

    class Meta:
        model = Agent
        fields = ["structure", "first_name", "last_name", "position"]


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "position", "structure", "pseudonym"]
    search_fields = ["last_name", "first_name", "pseudonym", "user__email"]
    autocomplete_fields = ["structure"]
    list_select_related = ["structure"]
    readonly_fields = ["pseudonym", "user"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = AgentCreationForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["email", "structure", "first_name", "last_name", "position"]
        return ["user", "structure", "first_name", "last_name", "position", "pseudonym"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        created = services.agent_create(actor=request.user, **form.cleaned_data)
        obj.pk = created.pk


@admin.register(AnonymityException)
class AnonymityExceptionAdmin(admin.ModelAdmin):
    list_display = ["agent", "ground", "valid_from", "valid_until", "approved_by", "revoked_at"]
    list_filter = ["ground"]
    search_fields = ["agent__pseudonym", "agent__last_name"]
    autocomplete_fields = ["agent"]
    list_select_related = ["agent", "approved_by"]
    fields = ["agent", "ground", "justification", "valid_from", "valid_until"]
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        # Register entries are not edited: they are revoked and, if needed, granted again.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        created = services.anonymity_exception_grant(actor=request.user, **form.cleaned_data)
        obj.pk = created.pk

    @admin.action(description="Lever les exceptions sélectionnées")
    def revoke(self, request, queryset):
        for exception in queryset.filter(revoked_at__isnull=True):
            try:
                services.anonymity_exception_revoke(
                    actor=request.user, exception=exception, reason="Levée depuis la gestion."
                )
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, str(exc), messages.ERROR)
