"""API keys: `pbx_<prefix>_<secret>`, stored as the prefix plus a SHA-256 of the whole key.

Following Healthchecks: the prefix is public (shown in lists and logs, indexed for the
lookup), the digest is compared in constant time, and the key itself is shown once, at
creation. The fixed `pbx_` start lets secret scanners recognise a leaked key.
"""

import hashlib
import hmac
import ipaddress
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

KEY_START = "pbx_"
PREFIX_ALPHABET = "abcdefghijkmnopqrstuvwxyz23456789"  # no l, 0, 1: readable aloud
PREFIX_LENGTH = 10
LAST_USED_RESOLUTION = timedelta(minutes=1)


def digest(key):
    return hashlib.sha256(key.encode()).hexdigest()


def split_key(key):
    """The prefix of a well-formed key, or None."""
    if not key.startswith(KEY_START):
        return None
    prefix, _, secret = key[len(KEY_START) :].partition("_")
    if len(prefix) != PREFIX_LENGTH or len(secret) < 20:
        return None
    return prefix


def validate_cidrs(value):
    for cidr in value or []:
        try:
            ipaddress.ip_network(str(cidr), strict=False)
        except ValueError:
            raise ValidationError(f"{cidr!r} is not an IP address or CIDR network.") from None


class ApiKey(models.Model):
    """A credential for the API, bound to its owner and optionally to one tenant."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    tenant = models.ForeignKey(
        "tenants.Tenant",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_keys",
        help_text="Empty for a global key; otherwise the key reaches this tenant only.",
    )
    read_only = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    allowed_ips = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_cidrs],
        help_text="Networks (CIDR) the key may be used from; empty allows any.",
    )
    is_login_token = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.name} ({KEY_START}{self.prefix}_…)"

    @classmethod
    def issue(cls, **fields):
        """Create a key and return (api_key, the whole key). The whole key is never stored."""
        for _attempt in range(5):
            prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
            key = f"{KEY_START}{prefix}_{secrets.token_urlsafe(32)}"
            try:
                with transaction.atomic():
                    api_key = cls.objects.create(prefix=prefix, key_hash=digest(key), **fields)
                return api_key, key
            except IntegrityError:
                continue  # a prefix collision: astronomically rare, but cheap to survive
        raise RuntimeError("could not find a free API key prefix")

    def matches(self, key):
        return hmac.compare_digest(self.key_hash, digest(key))

    @property
    def is_revoked(self):
        return self.revoked_at is not None

    @property
    def is_expired(self):
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def allows_ip(self, address):
        if not self.allowed_ips:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(cidr, strict=False) for cidr in self.allowed_ips)

    def revoke(self):
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def touch(self):
        """Record use, at most once a minute, so that busy keys do not write on every call."""
        now = timezone.now()
        if self.last_used_at is None or now - self.last_used_at >= LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now
