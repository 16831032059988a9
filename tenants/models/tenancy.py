"""Tenants (one customer's phone system), the servers they run on, the resellers that
sell them, and memberships."""

import ipaddress
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from pbx.models import TimestampedModel, stable_uuid_field

tenant_code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_-]{0,31}$",
    "Use 1 to 32 upper-case letters, digits, '-' or '_', starting with a letter or digit.",
)
sip_domain_validator = RegexValidator(
    r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$",
    "Enter a host name such as acme.pbx.example.com (letters, digits, '-' and dots).",
    flags=re.IGNORECASE,
)


class Reseller(TimestampedModel):
    """A company that resells the platform's tenants to its own customers."""

    name = models.CharField(max_length=100, unique=True)
    contact_email = models.EmailField(blank=True)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


def server_address_validator(value):
    """A host name (as for SIP domains) or a real IPv4/IPv6 address. Dotted digits that
    are no IPv4 address (such as 300.1.2.3) and colons that are no IPv6 address are
    refused rather than taken for host names."""
    try:
        ipaddress.ip_address(value)
        return
    except ValueError:
        pass
    looks_like_ip = ":" in value or re.fullmatch(r"[0-9.]+", value or "")
    if looks_like_ip or not re.fullmatch(sip_domain_validator.regex, value or ""):
        raise ValidationError(
            f"{value!r} is neither a host name (such as pbx1.example.net) nor an IP address.",
            code="invalid",
        )


# The URL schemes of each kind's control interface.
CONTROL_SCHEMES = {"asterisk": ("ami",), "freeswitch": ("esl",), "kamailio": ("http", "https")}


def control_url_validator(value):
    """`ami://user:secret@host:5038` (Asterisk), `esl://:password@host:8021`
    (FreeSWITCH) or `http://host:5071/RPC` (Kamailio's JSON-RPC, http or https): the
    scheme, a host and a port are required."""
    parts = urlsplit(value or "")
    try:
        port = parts.port
    except ValueError:
        port = None
    if (
        parts.scheme not in {s for schemes in CONTROL_SCHEMES.values() for s in schemes}
        or not parts.hostname
        or not port
    ):
        raise ValidationError(
            "Use ami://user:secret@host:5038 (Asterisk), esl://:password@host:8021 (FreeSWITCH) "
            "or http://host:5071/RPC (Kamailio).",
            code="invalid",
        )


class Server(TimestampedModel):
    """A switch server tenants are placed on (a platform object, as in Thirdlane)."""

    # The control URL carries the AMI secret or the ESL password.
    SECRET_FIELDS = ("control_url",)

    class Kind(models.TextChoices):
        ASTERISK = "asterisk", "Asterisk"
        FREESWITCH = "freeswitch", "FreeSWITCH"
        KAMAILIO = "kamailio", "Kamailio"

    class Role(models.TextChoices):
        PBX = "pbx", "PBX (calls and features)"
        MEDIA = "media", "Media (recording, conferencing)"
        PROXY = "proxy", "SIP proxy / session border controller"
        REGISTRAR = "registrar", "Registrar"

    name = models.CharField(max_length=100, unique=True)
    address = models.CharField(max_length=253, validators=[server_address_validator])
    sip_port = models.PositiveIntegerField(
        default=5060,
        validators=[MinValueValidator(1), MaxValueValidator(65535)],
        help_text="The port its SIP service listens on: where Kamailio sends the calls that need media.",
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PBX)
    kind = models.CharField(
        max_length=16,
        choices=Kind.choices,
        blank=True,
        help_text="The switch software, which says how pbx places click-to-dial calls on it.",
    )
    control_url = models.CharField(
        max_length=255,
        blank=True,
        validators=[control_url_validator],
        help_text="Where pbx reaches its control interface: ami://user:secret@host:5038 (Asterisk "
        "AMI), esl://:password@host:8021 (FreeSWITCH event socket) or http://host:5071/RPC "
        "(Kamailio's JSON-RPC).",
    )
    enabled = models.BooleanField(default=True)
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Tenant(TimestampedModel):
    """One customer's phone system: every tenant-owned object points here."""

    uuid = stable_uuid_field()  # FusionPBX's domain_uuid, DjangoPBX's domain_id

    class PaymentType(models.TextChoices):
        PRE_PAID = "Pre Paid"
        POST_PAID = "Post Paid"

    code = models.CharField(
        max_length=32,
        unique=True,
        validators=[tenant_code_validator],
        help_text="Upper-case short name used in URLs, keys and ?tenant=, such as ACME.",
    )
    name = models.CharField(max_length=100)
    sip_domain = models.CharField(
        max_length=253,
        unique=True,
        validators=[sip_domain_validator],
        help_text="The SIP domain the tenant's phones register to.",
    )
    enabled = models.BooleanField(default=True)
    reseller = models.ForeignKey(
        Reseller, null=True, blank=True, on_delete=models.PROTECT, related_name="tenants"
    )
    server = models.ForeignKey(
        "tenants.Server",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tenants",
        help_text="The switch server the tenant is placed on.",
    )
    routing_profile = models.ForeignKey(
        "routing.RoutingProfile",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="tenants",
        help_text="The outbound routes the tenant's extensions dial with, unless theirs says otherwise.",
    )
    payment_type = models.CharField(
        max_length=9,
        choices=PaymentType.choices,
        blank=True,
        help_text="How the tenant pays: Pre Paid or Post Paid (MiRTA PBX te_payment_type), for the "
        "operator's billing; pbx itself does not rate calls.",
    )

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.code

    def save(self, *args, **kwargs):
        self.code = (self.code or "").strip().upper()
        self.sip_domain = (self.sip_domain or "").strip().lower()
        super().save(*args, **kwargs)


class Membership(models.Model):
    """A user's access to a tenant; the user's role says what the access allows."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="membership_unique_user_tenant")
        ]

    def __str__(self):
        return f"{self.user} in {self.tenant}"
