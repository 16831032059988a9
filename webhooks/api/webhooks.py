"""/api/webhooks/: integrations' URLs and the events they want; `events/` lists the
catalogue, `{id}/ping/` sends a test event now. Re-enable a disabled webhook with a PATCH
of `enabled`."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from pbx.api.filters import STRING_LOOKUPS, TIMESTAMP_FIELDS, PbxFilterSet
from pbx.api.global_objects import GlobalObjectsMixin, GlobalTenantField
from pbx.api.serializers import DetailUrlField, PbxModelSerializer
from pbx.api.viewsets import PbxViewSet
from webhooks import addresses, delivery, events
from webhooks.api.deliveries import WebhookDeliverySerializer
from webhooks.models import Webhook


class WebhookSerializer(PbxModelSerializer):
    """A webhook: `url` (http or https, public addresses only), `events` (names or patterns
    such as `extension.*`), `secret` (generated when not given; shown only to a platform
    admin's full key, like other secrets), `enabled`, `description`."""

    url = DetailUrlField(view_name="webhook-detail")
    tenant = GlobalTenantField()
    target_url = serializers.CharField(
        source="url", max_length=500, help_text="Where events are POSTed: an http(s) URL."
    )
    events = serializers.ListField(
        child=serializers.CharField(max_length=100),
        max_length=200,
        help_text='Event names or patterns, e.g. ["extension.*", "call.completed"]; "*" for all.',
    )
    secret = serializers.CharField(
        max_length=128,
        min_length=16,
        required=False,
        allow_blank=True,
        help_text="Signing key of X-PBX-Signature; generated when left empty.",
    )

    class Meta:
        model = Webhook
        fields = [
            "id",
            "url",
            "tenant",
            "target_url",
            "events",
            "secret",
            "enabled",
            "description",
            "dead_in_a_row",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["dead_in_a_row", "disabled_reason"]
        secret_fields = ["secret"]
        aliases = {"endpoint": "target_url"}

    def validate_target_url(self, value):
        value = value.strip()
        try:
            serializers.URLField().run_validation(value)
            addresses.check_url(value)
        except serializers.ValidationError:
            raise serializers.ValidationError("Give an http or https URL.") from None
        except addresses.RefusedAddress as error:
            raise serializers.ValidationError(str(error)) from None
        return value

    def validate_events(self, value):
        try:
            return events.check_patterns(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs.get("enabled") and self.instance is not None and not self.instance.enabled:
            # Re-enabled: its count of dead deliveries starts again.
            attrs["dead_in_a_row"] = 0
            attrs["disabled_reason"] = ""
        return attrs


class WebhookFilterSet(PbxFilterSet):
    class Meta:
        model = Webhook
        fields = {
            "url": STRING_LOOKUPS,
            "enabled": ["exact"],
            "description": STRING_LOOKUPS,
            **TIMESTAMP_FIELDS,
        }


EVENTS = inline_serializer(
    "WebhookEvent", {"event": serializers.CharField(), "description": serializers.CharField()}, many=True
)


class WebhookViewSet(GlobalObjectsMixin, PbxViewSet):
    """Webhooks of tenants (their events only) and global ones (every event)."""

    queryset = Webhook.objects.all()
    serializer_class = WebhookSerializer
    filterset_class = WebhookFilterSet
    search_fields = ["url", "description"]
    ordering_fields = ["url", "enabled", "created_at", "updated_at", "id"]

    def reach_filter(self):
        # Unlike other global objects, global webhooks are not shown to tenants: they hear
        # every tenant's events, and where they send them is the platform's business.
        return PbxViewSet.reach_filter(self)

    @extend_schema(responses={200: EVENTS}, filters=False)
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def events(self, request):
        """The event catalogue: every event a webhook can subscribe to."""
        return Response([{"event": name, "description": text} for name, text in events.catalogue()])

    @extend_schema(request=None, responses={200: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def ping(self, request, pk=None):
        """Send a `webhook.ping` to this webhook now (once, no retries) and answer with the
        delivery and its attempt: a receiver that fails is reported, not an error."""
        request.data  # noqa: B018 (a body, if any, must be JSON: 400 invalid_json otherwise)
        webhook = self.get_object()
        sent = delivery.ping(webhook)
        return Response(WebhookDeliverySerializer(sent, context=self.get_serializer_context()).data)
