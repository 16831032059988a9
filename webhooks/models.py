"""Webhooks and their deliveries: the outbox the worker sends from (docs/webhooks.md)."""

import secrets

from django.db import models
from django.db.models.functions import Now

from pbx.models import GlobalOrTenantModel


def new_secret():
    return "whsec_" + secrets.token_urlsafe(32)


class Webhook(GlobalOrTenantModel):
    """An integration's URL and the events it wants. A tenant's webhook hears that tenant's
    events only; a global one (no tenant) hears every event of the platform."""

    SECRET_FIELDS = ("secret",)

    url = models.URLField(max_length=500, help_text="http(s) URL the events are POSTed to.")
    events = models.JSONField(
        default=list,
        blank=True,
        help_text='Event names or patterns: "extension.created", "extension.*", "*.deleted", "*".',
    )
    secret = models.CharField(
        max_length=128, blank=True, help_text="HMAC-SHA256 key of X-PBX-Signature; generated when empty."
    )
    enabled = models.BooleanField(default=True)
    description = models.CharField(max_length=200, blank=True)
    dead_in_a_row = models.PositiveIntegerField(
        default=0, help_text="Deliveries that died since the last one that got through."
    )
    disabled_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["enabled"], name="webhook_enabled")]

    def __str__(self):
        return self.description or self.url

    def save(self, *args, **kwargs):
        if not self.secret:
            self.secret = new_secret()
        super().save(*args, **kwargs)


class Delivery(models.Model):
    """One event for one webhook: the outbox row the worker claims, sends and retries.

    `next_attempt_at` is when it is due; a worker's claim moves it one lease ahead, so a
    delivery whose worker died is due again when the lease ends (at-least-once)."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        DEAD = "dead"

    # Indexes are few on purpose: CDR ingest writes a row per call and webhook here.
    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )  # delivery_webhook covers it
    # The webhook's tenant (empty for a global webhook's): who may read the delivery.
    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    event = models.CharField(max_length=100, help_text="extension.created, call.completed ...")
    event_id = models.CharField(
        max_length=64, help_text="The event's id; the same for every webhook it goes to."
    )
    payload = models.JSONField(help_text="The JSON body sent.")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_default=Status.PENDING
    )
    tries = models.PositiveIntegerField(default=0, db_default=0, help_text="Attempts since (re)queued.")
    next_attempt_at = models.DateTimeField(db_default=Now())
    claim = models.CharField(max_length=32, blank=True, default="", db_default="")
    created_at = models.DateTimeField(db_default=Now())
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            # The worker's claim: due pending rows, oldest first.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="delivery_due",
            ),
            models.Index(fields=["webhook", "-id"], name="delivery_webhook"),
            models.Index(fields=["tenant", "-id"], name="delivery_tenant"),
        ]

    def __str__(self):
        return f"{self.event} -> {self.webhook_id} ({self.status})"


class Attempt(models.Model):
    """One POST of a delivery: when, the answer's status code, how long it took, the error."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    time = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["delivery", "id"]

    def __str__(self):
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.status_code or self.error[:40]}"
