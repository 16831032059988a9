"""Tenants (one customer's phone system), the resellers that sell them, and memberships."""

import re

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from pbx.models import TimestampedModel

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


class Tenant(TimestampedModel):
    """One customer's phone system: every tenant-owned object points here."""

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


tag_name_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_.-]{0,49}$",
    "Use up to 50 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit.",
)
tag_color_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour such as #1f77b4.")


class Tag(TimestampedModel):
    """A label that any object can carry (pbx/api/tags.py): a tenant's, for its objects,
    or global (no tenant), for objects that have no tenant."""

    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=50, validators=[tag_name_validator])
    color = models.CharField(max_length=7, blank=True, validators=[tag_color_validator])
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["tenant_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="tag_unique_name"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(tenant__isnull=True), name="tag_unique_global_name"
            ),
        ]

    def __str__(self):
        return self.name


class TaggedObject(models.Model):
    """One tag on one object of any app, named by its model's label and id, so that no
    app needs a relation of its own. Written by the kernel (pbx/api/tags.py) only."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="assignments")
    object_type = models.CharField(max_length=100, help_text="The model's label, e.g. extensions.extension.")
    object_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tag", "object_type", "object_id"], name="tagged_object_unique")
        ]
        indexes = [models.Index(fields=["object_type", "object_id"], name="tagged_object")]

    def __str__(self):
        return f"{self.tag} on {self.object_type}:{self.object_id}"
