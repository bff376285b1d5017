"""Django admin (technical back office at /gestion/): every write goes through the services, so
paths, pseudonyms and the audit log stay right."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from bonnefoi.structures import services
from bonnefoi.structures.abilities import agent_abilities
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
        changed = list(form.changed_data)
        if "parent" in changed and obj.parent is not None:
            services.structure_move(actor=request.user, structure=obj, new_parent=obj.parent)
            changed.remove("parent")
        if changed:
            services.structure_update(actor=request.user, structure=obj, changed_fields=changed)


class AgentCreationForm(forms.ModelForm):
    email = forms.EmailField(label="Adresse e-mail professionnelle")

    class Meta:
        model = Agent
        fields = ["structure", "first_name", "last_name", "position"]

    def clean(self):
        # Run the service's checks here, so that a refusal shows on the form instead of a 500.
        cleaned_data = super().clean()
        if cleaned_data.get("structure") and cleaned_data.get("email"):
            errors = services.agent_create_errors(
                structure=cleaned_data["structure"], email=cleaned_data["email"]
            )
            for field, message in errors.items():
                self.add_error(field, message)
        return cleaned_data


class AnonymityExceptionForm(forms.ModelForm):
    approver = None  # the signed-in user, set by AnonymityExceptionAdmin.get_form

    class Meta:
        model = AnonymityException
        fields = ["agent", "ground", "justification", "valid_from", "valid_until"]

    def clean(self):
        # Run the service's checks here, so that a refusal shows on the form instead of a 500/403.
        cleaned_data = super().clean()
        agent = cleaned_data.get("agent")
        if agent is not None and not agent_abilities(self.approver, agent)["grant_anonymity"]:
            self.add_error(
                "agent",
                "Vous ne pouvez pas approuver d'exception pour cet agent : il faut être "
                "administrateur de sa structure, et ne pas être l'agent lui-même.",
            )
        fields = ["ground", "justification", "valid_from", "valid_until"]
        if all(cleaned_data.get(field) is not None for field in fields):
            errors = services.anonymity_exception_errors(**{f: cleaned_data[f] for f in fields})
            # Dates in the wrong order are already reported by the model's check constraint.
            errors.pop("valid_until", None)
            for field, message in errors.items():
                self.add_error(field, message)
        return cleaned_data


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
        return [
            "user",
            "structure",
            "first_name",
            "last_name",
            "position",
            "pseudonym",
            "front_line",
            "manager",
        ]

    def save_model(self, request, obj, form, change):
        if change:
            services.agent_update(actor=request.user, agent=obj, changed_fields=form.changed_data)
            return
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
    form = AnonymityExceptionForm
    actions = ["revoke"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        form_class.approver = request.user  # a new class per request: no state is shared
        return form_class

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
