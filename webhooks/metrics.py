"""The webhook queue's age for /metrics, read from the database at each scrape."""

import logging

from django.db import DatabaseError
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from webhooks.models import Delivery

logger = logging.getLogger(__name__)


class QueueAgeCollector:
    """`pbx_webhook_queue_age_seconds`: how long the delivery that has been due the longest
    has waited for a worker (0 when none is due).

    Due, rather than created: a delivery waiting out its backoff after a failure is not
    late (`pbx_webhook_deliveries_total{outcome="retried"}` tells of those), and one of a
    disabled webhook waits for its webhook, not for the workers. One query, on the index
    the workers claim with (`delivery_due`: pending rows by next_attempt_at), reading its
    first row. A worker's claim moves next_attempt_at one lease ahead, so a growing age
    means no worker is taking the queue, or not fast enough."""

    def describe(self):
        return [GaugeMetricFamily("pbx_webhook_queue_age_seconds", "")]

    def collect(self):
        now = timezone.now()
        try:
            oldest = (
                Delivery.objects.filter(status=Delivery.Status.PENDING, webhook__enabled=True)
                .order_by("next_attempt_at")
                .values_list("next_attempt_at", flat=True)
                .first()
            )
        except DatabaseError:
            # The scrape still answers with every other metric; the gauge's absence tells.
            logger.warning("pbx_webhook_queue_age_seconds: the database did not answer", exc_info=True)
            return
        yield GaugeMetricFamily(
            "pbx_webhook_queue_age_seconds",
            "Seconds the longest-due webhook delivery has waited for a worker (0: none is due).",
            value=max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
        )
