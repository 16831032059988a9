"""The way in: DIDs, the public numbers a tenant's calls arrive on."""

import contextlib
import re

from django.core.exceptions import ValidationError
from django.db import models

from pbx.models import TenantOwnedModel, stable_uuid_field

E164 = re.compile(r"^\+[1-9][0-9]{5,14}$")


SEPARATORS = re.compile(r"[\s\-.()/]")


def strip_separators(text):
    """`+39 (06) 1111-1111` -> `+390611111111`: the spaces, dashes, dots, slashes and
    parentheses people write in numbers go, and a leading + stays (a + further on is a
    separator too: a query string's encoded space). Every number compared with a stored
    one goes through here, as the stored one did: blacklisted caller IDs and callers,
    DIDs, dialed numbers."""
    text = SEPARATORS.sub("", str(text))
    return text[:1] + text[1:].replace("+", "")


def normalize_e164(text):
    """`+39 02 1234 5678`, `0039 (02) 12345678` or `390212345678` -> `+390212345678`.
    Raises ValueError naming what is wrong."""
    raw = str(text).strip()
    digits = strip_separators(raw)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif not digits.startswith("+"):
        digits = "+" + digits
    if not E164.match(digits):
        raise ValueError(
            f"{raw!r} is not an international number: write it in E.164, such as +390212345678 "
            "(country code first, 6 to 15 digits)."
        )
    return digits


def e164_validator(value):
    try:
        if normalize_e164(value) != value:
            raise ValueError(f"{value!r} is not normalized")
    except ValueError as error:
        raise ValidationError(str(error)) from None


class DID(TenantOwnedModel):
    """A public number (direct inward dialing), held by one tenant across the whole
    platform, and where its calls go: the `DID` slot, or `DID-UNCONDITIONAL` above all
    else; `DID-SMS` and `DID-FAXSUCCESS` for messages and received faxes. With a
    schedule, calls outside it take the schedule's `NOTCONDITION` destinations."""

    uuid = stable_uuid_field()  # FusionPBX's destination_uuid, DjangoPBX's inbound route id
    number = models.CharField(max_length=16, unique=True, validators=[e164_validator], help_text="E.164.")
    description = models.CharField(max_length=255, blank=True)
    schedule = models.ForeignKey(
        "routing.Schedule",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="dids",
        help_text="Calls outside the schedule follow its NOTCONDITION destinations.",
    )
    enabled = models.BooleanField(default=True)

    class Meta:
        verbose_name = "DID"
        ordering = ["number"]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        with contextlib.suppress(ValueError):  # full_clean() and the serializer report it
            self.number = normalize_e164(self.number)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.schedule_id and self.tenant_id and self.schedule.tenant_id != self.tenant_id:
            raise ValidationError({"schedule": "Choose a schedule of the DID's tenant."})
