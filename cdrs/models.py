"""Call detail records: the largest table by far, written by switches, read by people.

A record is history: it keeps the numbers as the switch gave them, and the extension,
DID and trunk it was resolved to at ingest. Those links carry no database constraint
and no cascade, so deleting an extension later neither rewrites millions of rows nor
loses the call; the record keeps the id, and the numbers tell what it was.
"""

from django.db import models

from cdrs import formats
from pbx.models import TenantOwnedModel


class CallRecord(TenantOwnedModel):
    """One call (DjangoPBX's CDR fields under our names)."""

    INBOUND, OUTBOUND, INTERNAL = "inbound", "outbound", "internal"
    DIRECTIONS = [(INBOUND, "Inbound"), (OUTBOUND, "Outbound"), (INTERNAL, "Internal")]
    DISPOSITIONS = [(value, value.title()) for value in formats.DISPOSITIONS]

    # Indexed by (tenant, start, id) below, which serves every lookup by tenant: an index
    # on the tenant alone (a foreign key's default) costs each insert and led the planner
    # to read a tenant's whole history for one month's statistics.
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="cdrs_callrecord_set", db_index=False
    )
    call_id = models.CharField(max_length=128, help_text="The switch's id of the call; unique per tenant.")
    direction = models.CharField(max_length=8, choices=DIRECTIONS)
    caller_name = models.CharField(max_length=128, blank=True)
    caller_number = models.CharField(max_length=64, blank=True)
    destination_number = models.CharField(max_length=64, blank=True)
    extension = models.ForeignKey(
        "extensions.Extension",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        help_text="The tenant's extension in the call, resolved at ingest.",
    )
    did = models.ForeignKey(
        "routing.DID",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    trunk = models.ForeignKey(
        "routing.Trunk",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    start = models.DateTimeField()
    answer = models.DateTimeField(null=True, blank=True)
    end = models.DateTimeField(null=True, blank=True)
    duration = models.PositiveIntegerField(default=0, help_text="Seconds from start to end.")
    billsec = models.PositiveIntegerField(default=0, help_text="Seconds from answer to end.")
    disposition = models.CharField(max_length=10, choices=DISPOSITIONS)
    hangup_cause = models.CharField(max_length=64, blank=True)
    account_code = models.CharField(max_length=32, blank=True)
    recording = models.CharField(
        max_length=255, blank=True, help_text="Where the switch stored the recording."
    )
    raw = models.JSONField(null=True, blank=True, help_text="What the switch sent, when kept.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "call_id"], name="cdr_unique_call_id")]
        indexes = [
            models.Index(fields=["tenant", "start", "id"], name="cdr_tenant_start"),
            models.Index(fields=["tenant", "extension", "start", "id"], name="cdr_tenant_extension_start"),
            models.Index(fields=["start"], name="cdr_start"),  # retention and platform-wide ranges
        ]

    def __str__(self):
        return f"{self.call_id}: {self.caller_number} -> {self.destination_number}"

    @property
    def ring_seconds(self):
        """Seconds the call rang before it was answered (or before it ended unanswered)."""
        return max(self.duration - self.billsec, 0)
