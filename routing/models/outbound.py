"""The way out: SIP trunks (platform objects), outbound routes with their dial patterns,
and routing profiles, the ordered sets of routes that tenants and extensions dial with."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from pbx.models import GlobalOrTenantModel, TimestampedModel, stable_uuid_field, unique_in_tenant_and_globally

host_validator = RegexValidator(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*$"
    r"|^[0-9A-Fa-f:.]{2,45}$",
    "Use a host name or an IP address, without port or scheme.",
)
sip_user_validator = RegexValidator(
    r"^[A-Za-z0-9._\-+*#]{1,64}$", "Use up to 64 letters, digits or . _ - + * #."
)


class Trunk(TimestampedModel):
    """A SIP trunk or gateway to a carrier: a platform object, which the platform
    administrator assigns to the tenants that may send calls over it."""

    uuid = stable_uuid_field()  # DjangoPBX's gateway id
    SECRET_FIELDS = ("password",)

    class Transport(models.TextChoices):
        UDP = "udp"
        TCP = "tcp"
        TLS = "tls"
        WS = "ws"
        WSS = "wss"

    name = models.CharField(max_length=64, unique=True)
    description = models.CharField(max_length=255, blank=True)
    host = models.CharField(
        max_length=253, validators=[host_validator], help_text="Carrier proxy or gateway."
    )
    port = models.PositiveIntegerField(
        default=5060, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    transport = models.CharField(max_length=3, choices=Transport.choices, default=Transport.UDP)
    username = models.CharField(max_length=64, blank=True, validators=[sip_user_validator])
    password = models.CharField(max_length=128, blank=True)
    register = models.BooleanField(
        default=False, help_text="Register to the carrier with username and password."
    )
    from_user = models.CharField(max_length=64, blank=True, validators=[sip_user_validator])
    from_domain = models.CharField(max_length=253, blank=True, validators=[host_validator])
    codecs = models.JSONField(default=list, blank=True, help_text="Allowed codecs in order of preference.")
    max_channels = models.PositiveIntegerField(default=0, help_text="Concurrent calls; 0 for no limit.")
    enabled = models.BooleanField(default=True)
    tenants = models.ManyToManyField("tenants.Tenant", blank=True, related_name="trunks")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.register and not (self.username and self.password):
            raise ValidationError({"register": "A registering trunk needs a username and a password."})


# Asterisk's pattern letters: X any digit, Z 1-9, N 2-9, [..] a set, `.` one or more of
# anything, `!` zero or more. Everything else is literal.
dial_pattern_validator = RegexValidator(
    r"^_?(\+|[0-9*#XZNxzn]|\[[0-9\-]+\])+[.!]?$|^_?[.!]$",
    "Use digits, * # +, X (any digit), Z (1-9), N (2-9), [1-5] sets, and a final . or !, such as _00X. or 911.",
)


def pattern_regex(pattern):
    """An Asterisk dial pattern as an anchored regular expression."""
    body = pattern[1:] if pattern.startswith("_") else pattern
    parts, index = [], 0
    while index < len(body):
        char = body[index].upper()
        if char == "[":
            end = body.index("]", index)
            parts.append(f"[{body[index + 1 : end]}]")
            index = end + 1
            continue
        parts.append(
            {"X": "[0-9]", "Z": "[1-9]", "N": "[2-9]", ".": "[0-9*#+]+", "!": "[0-9*#+]*"}.get(
                char, re.escape(char)
            )
        )
        index += 1
    return re.compile("^" + "".join(parts) + "$")


class OutboundRoute(GlobalOrTenantModel):
    """Where dialed numbers leave the PBX: the numbers it takes (its dial patterns, each
    with strip and prepend) and the trunks it tries, in failover order. A global route
    (no tenant) is the platform's; routing profiles put routes in order."""

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True)
    priority = models.PositiveSmallIntegerField(
        default=100, help_text="Lower first, among the routes a routing profile does not order."
    )
    emergency = models.BooleanField(
        default=False, help_text="Emergency numbers: tried before every other route."
    )
    enabled = models.BooleanField(default=True)
    trunks = models.ManyToManyField(Trunk, through="OutboundRouteTrunk", related_name="routes")

    class Meta:
        ordering = ["priority", "name"]
        constraints = [
            *unique_in_tenant_and_globally(
                "name", "outboundroute_unique_name", "outboundroute_unique_global_name"
            ),
        ]

    def __str__(self):
        return self.name


class DialPattern(models.Model):
    """One dial pattern of a route: the numbers it matches, how many leading digits to
    strip and what to prepend before the number goes to the trunk."""

    route = models.ForeignKey(OutboundRoute, on_delete=models.CASCADE, related_name="patterns")
    position = models.PositiveSmallIntegerField(default=0)
    match = models.CharField(max_length=40, validators=[dial_pattern_validator])
    strip = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(20)])
    prepend = models.CharField(
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^(\+|\+?[0-9*#]+)$", "Use digits, * or #, optionally after +.")],
    )

    class Meta:
        ordering = ["route_id", "position"]

    def __str__(self):
        return self.match

    def number_sent(self, dialed):
        """The dialed number after strip and prepend, or None when the pattern does not match."""
        if not pattern_regex(self.match).match(dialed):
            return None
        return self.prepend + dialed[self.strip :]


class OutboundRouteTrunk(models.Model):
    """A trunk of a route, in failover order."""

    route = models.ForeignKey(OutboundRoute, on_delete=models.CASCADE, related_name="route_trunks")
    trunk = models.ForeignKey(Trunk, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["route_id", "position"]
        constraints = [models.UniqueConstraint(fields=["route", "trunk"], name="routetrunk_unique")]

    def __str__(self):
        return f"{self.trunk} in {self.route}"


class RoutingProfile(TimestampedModel):
    """An ordered set of the platform's outbound routes (MiRTA PBX `routingprofile`): a
    platform object, like in MiRTA PBX. Tenants and extensions
    are assigned one; an extension's overrides its tenant's."""

    class Type(models.TextChoices):
        VOICE = "VOICE"
        SMS = "SMS"

    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=255, blank=True)
    type = models.CharField(max_length=5, choices=Type.choices, default=Type.VOICE)
    routes = models.ManyToManyField(OutboundRoute, through="RoutingProfileRoute", related_name="profiles")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class RoutingProfileRoute(models.Model):
    """A route's place in a routing profile."""

    profile = models.ForeignKey(RoutingProfile, on_delete=models.CASCADE, related_name="profile_routes")
    route = models.ForeignKey(OutboundRoute, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["profile_id", "position"]
        constraints = [models.UniqueConstraint(fields=["profile", "route"], name="profileroute_unique")]

    def __str__(self):
        return f"{self.route} in {self.profile}"

    def clean(self):
        super().clean()
        # A profile serves many tenants: one tenant's own route would leak to the others.
        if self.route_id and self.route.tenant_id is not None:
            raise ValidationError({"route": "Choose a global route: a profile serves every tenant given it."})
