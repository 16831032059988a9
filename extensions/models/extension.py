"""Extensions: the phones and endpoints of a tenant, numbered in its dial plan."""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from pbx.models import DialplanNumberHolder, TenantOwnedModel, stable_uuid_field

extension_number_validator = RegexValidator(r"^[0-9]{1,15}$", "Use 1 to 15 digits.")
dial_string_validator = RegexValidator(
    r"^\+?[0-9*#]{1,32}$", "Use up to 32 digits, * or #, optionally starting with +."
)
sip_username_validator = RegexValidator(
    r"^[A-Za-z0-9._\-+]{1,64}$", "Use up to 64 letters, digits, '.', '_', '-' or '+'."
)

CODECS = [
    "ulaw",
    "alaw",
    "g722",
    "g729",
    "opus",
    "gsm",
    "ilbc",
    "speex",
    "g726",
    "h263",
    "h264",
    "vp8",
    "vp9",
]


_UNKNOWN = object()  # an extension's stored user before it was read or saved


def generate_sip_password():
    return secrets.token_urlsafe(18)


class Extension(DialplanNumberHolder, TenantOwnedModel):
    """A phone or endpoint of a tenant, reached by its number (MiRTA PBX, FusionPBX, DjangoPBX)."""

    uuid = stable_uuid_field()

    class Tech(models.TextChoices):
        SIP = "SIP"
        PJSIP = "PJSIP"
        VIRTUAL = "VIRTUAL", "Virtual (no device)"
        CUSTOM = "CUSTOM", "Custom dial string"

    # Techs that register a device and so need a SIP username and password.
    REGISTERING = (Tech.SIP, Tech.PJSIP)

    number = models.CharField(max_length=15, validators=[extension_number_validator])
    name = models.CharField(max_length=100, blank=True)
    tech = models.CharField(max_length=8, choices=Tech.choices, default=Tech.PJSIP)
    password = models.CharField(max_length=128, blank=True, help_text="SIP secret / PJSIP auth password.")
    sip_username = models.CharField(
        max_length=64,
        blank=True,
        validators=[sip_username_validator],
        help_text="The username the device registers with; the number when empty.",
    )
    caller_id_name = models.CharField(max_length=80, blank=True, help_text="Shown on internal calls.")
    caller_id_number = models.CharField(max_length=32, blank=True)
    outbound_caller_id_name = models.CharField(max_length=80, blank=True, help_text="Sent to trunks.")
    outbound_caller_id_number = models.CharField(max_length=32, blank=True)
    enabled = models.BooleanField(default=True)
    do_not_disturb = models.BooleanField(default=False)
    forward_all_enabled = models.BooleanField(default=False)
    forward_all_destination = models.CharField(max_length=32, blank=True, validators=[dial_string_validator])
    forward_busy_enabled = models.BooleanField(default=False)
    forward_busy_destination = models.CharField(max_length=32, blank=True, validators=[dial_string_validator])
    forward_no_answer_enabled = models.BooleanField(default=False)
    forward_no_answer_destination = models.CharField(
        max_length=32, blank=True, validators=[dial_string_validator]
    )
    forward_unavailable_enabled = models.BooleanField(
        default=False, help_text="Forward when the device is not registered."
    )
    forward_unavailable_destination = models.CharField(
        max_length=32, blank=True, validators=[dial_string_validator]
    )
    ring_timeout = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(300)],
        help_text="Seconds to ring before the no-answer forward or destination.",
    )
    call_limit = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="Most simultaneous calls; empty for no limit.",
    )
    max_contacts = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Devices that may register at once (PJSIP AOR max_contacts).",
    )
    codecs = models.JSONField(default=list, blank=True, help_text="Allowed codecs in order of preference.")
    routing_profile = models.ForeignKey(
        "routing.RoutingProfile",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="extensions",
        help_text="Overrides the tenant's routing profile.",
    )
    mailbox = models.CharField(
        max_length=15,
        blank=True,
        validators=[extension_number_validator],
        help_text="Voicemail box number.",
    )
    toll_allow = models.CharField(
        max_length=100,
        blank=True,
        help_text="Call classes allowed, e.g. local,domestic,international.",
    )
    account_code = models.CharField(max_length=32, blank=True)
    description = models.CharField(max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="extensions",
        help_text="The user this extension belongs to.",
    )

    class Meta:
        ordering = ["tenant_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="extension_unique_number"),
            models.UniqueConstraint(fields=["tenant", "sip_username"], name="extension_unique_sip_username"),
        ]

    def __str__(self):
        return f"{self.number} {self.name}".strip()

    def dialplan_label(self):
        return f"extension {self.number}" + (f" ({self.name})" if self.name else "")

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_user_id = instance.__dict__.get("user_id", _UNKNOWN)
        return instance

    def save(self, *args, **kwargs):
        if not self.sip_username:
            self.sip_username = self.number
        if self.tech in self.REGISTERING and not self.password:
            self.password = generate_sip_password()
        adding = self._state.adding
        super().save(*args, **kwargs)
        if not adding and getattr(self, "_stored_user_id", _UNKNOWN) != self.user_id:
            self._voicemails_follow_user()
        self._stored_user_id = self.user_id

    def _voicemails_follow_user(self):
        """The boxes of an extension belong to its user (the user_api role reads and
        changes them): a new user takes them over, each change logged."""
        from pbx import changelog

        for box in self.voicemails.exclude(user_id=self.user_id):
            before = changelog.snapshot(box)
            box.extension = self  # the save derives the owner from it, without a query
            box.save(update_fields=["user", "updated_at"])
            changelog.record(box, changelog.UPDATE, before)
