"""The webhooks app's resources."""

from pbx.api.routers import router
from webhooks.api import deliveries, webhooks

router.register("webhooks", webhooks.WebhookViewSet, basename="webhook")
router.register("webhook-deliveries", deliveries.DeliveryViewSet, basename="webhookdelivery")
