"""Admin of webhooks, scoped like the rest: a tenant admin sees its tenants' webhooks and
their deliveries; global webhooks are the platform's. Deliveries are read-only, with their
attempts, and can be queued again (the "Redeliver" action)."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from pbx.admin import TabularInline, TenantScopedAdmin
from webhooks import addresses, delivery
from webhooks.models import Attempt, Delivery, Webhook


class WebhookForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")

    class Meta:
        model = Webhook
        fields = ["tenant", "url", "events", "secret", "enabled", "description"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            addresses.check_url(url)
        except addresses.RefusedAddress as error:
            raise forms.ValidationError(str(error)) from None
        return url

    def clean_events(self):
        from webhooks import events

        try:
            return events.check_patterns(self.cleaned_data["events"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


@admin.register(Webhook)
class WebhookAdmin(TenantScopedAdmin):
    form = WebhookForm
    list_display = ["url", "tenant", "enabled", "dead_in_a_row", "deliveries_link", "updated_at"]
    list_filter = ["enabled"]
    search_fields = ["url", "description"]
    readonly_fields = ["dead_in_a_row", "disabled_reason", "deliveries_link"]

    @admin.display(description="deliveries")
    def deliveries_link(self, webhook):
        if webhook.pk is None:
            return "-"
        url = reverse("admin:webhooks_delivery_changelist") + f"?webhook__id__exact={webhook.pk}"
        return format_html('<a href="{}">deliveries</a>', url)


class AttemptInline(TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ["time", "status_code", "response_ms", "error"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(TenantScopedAdmin):
    list_display = [
        "id",
        "event",
        "webhook",
        "status",
        "tries",
        "last_status_code",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["status", "event"]
    search_fields = ["event", "event_id"]
    list_select_related = ("webhook", "tenant")
    autocomplete_fields = ["webhook"]
    inlines = [AttemptInline]
    actions = ["redeliver"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Delivery._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Redeliver the selected deliveries")
    def redeliver(self, request, queryset):
        for item in queryset:
            delivery.redeliver(item)
        self.message_user(request, f"{queryset.count()} deliveries queued again.", messages.SUCCESS)
