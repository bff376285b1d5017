"""Django admin (technical back office at /gestion/) for the correction channel.

Webhook endpoints: managed by the holders of `webhook.manage` (administrators) on the structures
of their subtree; every write goes through bonnefoi.cases.webhooks (URL check, random secret,
audit log without the secret). Deliveries are shown read-only, to follow retries.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from bonnefoi.cases import webhooks
from bonnefoi.cases.models import WebhookDelivery, WebhookEndpoint
from bonnefoi.cases.selectors import roles_with
from bonnefoi.structures.selectors import structures_visible_to


class WebhookEndpointForm(forms.ModelForm):
    class Meta:
        model = WebhookEndpoint
        fields = ["structure", "url", "is_active"]
        help_texts = {
            "structure": "Les dossiers de cette structure et des structures rattachées sont notifiés.",
            "url": "Adresse en https:// du système qui reçoit les notifications.",
        }

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            webhooks.check_endpoint_url(url)
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["url"]) from None
        return url


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    fields = ["created_at", "event", "case", "status", "attempts", "next_attempt_at", "last_error"]
    readonly_fields = fields
    ordering = ["-created_at"]
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("case")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "structure", "is_active", "created_at"]
    list_filter = ["is_active"]
    list_select_related = ["structure"]
    readonly_fields = ["secret", "created_at"]
    inlines = [DeliveryInline]

    def _managed(self, request):
        return structures_visible_to(request.user, roles_with("webhook.manage"))

    def get_queryset(self, request):
        return webhooks.endpoints_manageable_by(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "structure":
            kwargs["queryset"] = self._managed(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_inlines(self, request, obj):
        return self.inlines if obj else []  # deliveries exist only for a saved endpoint

    def get_fields(self, request, obj=None):
        fields = ["structure", "url", "is_active"]
        # The secret is shown once the endpoint exists: the receiver needs it to verify bodies.
        return [*fields, "secret", "created_at"] if obj else fields

    def _may_manage(self, request, obj=None) -> bool:
        if obj is not None:
            return webhooks.webhook_abilities(request.user, obj.structure)["manage"]
        return self._managed(request).exists()

    def has_module_permission(self, request):
        return request.user.is_active and self._may_manage(request)

    def has_view_permission(self, request, obj=None):
        return self._may_manage(request, obj)

    def has_add_permission(self, request):
        return self._may_manage(request)

    def has_change_permission(self, request, obj=None):
        return self._may_manage(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_manage(request, obj)

    def save_model(self, request, obj, form, change):
        webhooks.webhook_endpoint_save(
            actor=request.user, endpoint=obj, changed_fields=list(form.changed_data)
        )

    def delete_model(self, request, obj):
        webhooks.webhook_endpoint_delete(actor=request.user, endpoint=obj)

    def delete_queryset(self, request, queryset):
        for endpoint in queryset:
            webhooks.webhook_endpoint_delete(actor=request.user, endpoint=endpoint)
