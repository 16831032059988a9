"""Provisioning phones and managed devices (MiRTA PBX `provisioningphone`, Thirdlane's managed devices)."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from extensions.models.extension import Extension
from pbx.models import TenantOwnedModel

MAC_DIGITS = re.compile(r"^[0-9a-f]{12}$")


def normalize_mac(value):
    """`00:11:22:AA:BB:CC`, `00-11-22-aa-bb-cc`, `0011.22aa.bbcc` -> `001122aabbcc`."""
    digits = re.sub(r"[\s:.\-]", "", str(value or "")).lower()
    if not MAC_DIGITS.match(digits):
        raise ValidationError(f"{value!r} is not a MAC address: give 12 hex digits, e.g. 00:11:22:AA:BB:CC.")
    return digits


class Device(TenantOwnedModel):
    """A phone or device the platform provisions. Its MAC address is unique across all
    tenants: one physical device belongs to one tenant."""

    SECRET_FIELDS = ("provisioning_password",)

    name = models.CharField(max_length=100)
    mac_address = models.CharField(max_length=12, unique=True, help_text="12 lower-case hex digits.")
    vendor = models.CharField(max_length=50, blank=True, help_text="e.g. yealink, polycom, snom.")
    model = models.CharField(max_length=50, blank=True, help_text="e.g. T54W.")
    provisioning_username = models.CharField(max_length=64, blank=True)
    provisioning_password = models.CharField(max_length=128, blank=True)
    button_layout = models.JSONField(default=list, blank=True, help_text="Programmable keys.")
    phonebooks = models.JSONField(default=list, blank=True, help_text="Remote phonebooks: name and URL.")
    enabled = models.BooleanField(default=True)
    description = models.CharField(max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="devices"
    )

    class Meta:
        ordering = ["tenant_id", "name"]

    def __str__(self):
        return f"{self.name} ({self.mac_address})"

    def clean(self):
        super().clean()
        # The admin stores only keys and phonebooks the API would accept.
        from extensions.api.devices import ButtonSerializer, PhonebookSerializer
        from pbx.api.children import clean_items

        clean_items(self, button_layout=ButtonSerializer, phonebooks=PhonebookSerializer)


class DeviceLine(models.Model):
    """A line key of a device, registered as one of the tenant's extensions."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="lines")
    line = models.PositiveSmallIntegerField()
    extension = models.ForeignKey(Extension, on_delete=models.CASCADE, related_name="device_lines")
    label = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["device_id", "line"]
        constraints = [models.UniqueConstraint(fields=["device", "line"], name="deviceline_unique_line")]

    def __str__(self):
        return f"line {self.line} of {self.device.name}"

    def clean(self):
        super().clean()
        # The admin's raw id fields accept any id: keep the extension in the same tenant.
        owner = (
            getattr(self, "device", None) if self.device_id or "device" in self._state.fields_cache else None
        )
        if self.extension_id and owner is not None and self.extension.tenant_id != owner.tenant_id:
            raise ValidationError({"extension": "Choose an extension of the device's tenant."})
