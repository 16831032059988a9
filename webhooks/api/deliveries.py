"""/api/webhook-deliveries/: the outbox, read-only, each delivery with its attempts;
`{id}/redeliver/` queues one again (a dead one too)."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from pbx.api.filters import STRING_LOOKUPS, TIME_LOOKUPS, PbxFilterSet
from pbx.api.serializers import DetailUrlField, PbxModelSerializer, TenantField
from pbx.api.viewsets import PbxViewSet
from webhooks import delivery
from webhooks.models import Attempt, Delivery


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = ["time", "status_code", "response_ms", "error"]
        read_only_fields = fields


class WebhookDeliverySerializer(PbxModelSerializer):
    """One event for one webhook, its state and every attempt made."""

    url = DetailUrlField(view_name="webhookdelivery-detail")
    tenant = TenantField(read_only=True, allow_null=True)
    payload = serializers.JSONField(read_only=True)
    attempts = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "url",
            "tenant",
            "webhook",
            "event",
            "event_id",
            "status",
            "tries",
            "next_attempt_at",
            "created_at",
            "delivered_at",
            "last_status_code",
            "last_error",
            "payload",
            "attempts",
        ]
        read_only_fields = fields
        change_logged = False
        taggable = False


class DeliveryFilterSet(PbxFilterSet):
    webhook = django_filters.NumberFilter(field_name="webhook_id")

    class Meta:
        model = Delivery
        fields = {
            "event": STRING_LOOKUPS,
            "event_id": ["exact"],
            "status": ["exact"],
            "created_at": TIME_LOOKUPS,
            "delivered_at": TIME_LOOKUPS,
            "next_attempt_at": TIME_LOOKUPS,
            "last_status_code": ["exact"],
        }


class _Absent:
    """An inherited method this resource does not have: the router binds no route to it
    (DRF binds only the actions a viewset has), so the list and detail routes answer GET."""

    def __get__(self, instance, owner):
        raise AttributeError


class DeliveryViewSet(PbxViewSet):
    """Deliveries of the webhooks within the caller's reach: a tenant's webhooks' own;
    those of global webhooks (every tenant's events) only to platform-wide callers."""

    queryset = Delivery.objects.prefetch_related("attempts")
    serializer_class = WebhookDeliverySerializer
    filterset_class = DeliveryFilterSet
    http_method_names = ["get", "head", "post", "options"]
    search_fields = ["event", "event_id"]
    ordering_fields = ["id", "created_at", "next_attempt_at", "delivered_at"]
    create = update = partial_update = destroy = bulk_update = bulk_destroy = _Absent()

    @extend_schema(request=None, responses={200: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def redeliver(self, request, pk=None):
        """Queue this delivery again now, with a fresh count of tries (its attempts stay)."""
        request.data  # noqa: B018 (a body, if any, must be JSON: 400 invalid_json otherwise)
        queued = delivery.redeliver(self.get_object())
        return Response(self.get_serializer(queued).data)
