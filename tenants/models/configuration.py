"""What a tenant configures about itself: settings (over the platform's), variables,
departments and emergency locations."""

from django.core.validators import RegexValidator
from django.db import models

from pbx.models import GlobalOrTenantModel, TenantOwnedModel, unique_in_tenant_and_globally

setting_code_validator = RegexValidator(
    r"^[A-Z][A-Z0-9_]{0,63}$", "Use up to 64 upper-case letters, digits or '_', starting with a letter."
)
variable_name_validator = RegexValidator(
    r"^[A-Za-z_][A-Za-z0-9_]{0,63}$", "Use up to 64 letters, digits or '_', not starting with a digit."
)
country_validator = RegexValidator(
    r"^[A-Z]{2}$", "Use the two-letter ISO 3166 country code, such as US or IT."
)
emergency_number_validator = RegexValidator(
    r"^\+?[1-9][0-9]{5,14}$", "Use an E.164 number such as +390212345678 (6 to 15 digits)."
)


class Setting(GlobalOrTenantModel):
    """A named value (MiRTA PBX `setting`): global for the platform, or a tenant's own,
    which overrides the global one of the same code for that tenant."""

    code = models.CharField(max_length=64, validators=[setting_code_validator])
    value = models.TextField(blank=True)
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["code", "tenant_id"]
        constraints = [
            *unique_in_tenant_and_globally("code", "setting_unique_code", "setting_unique_global_code"),
        ]

    def __str__(self):
        return self.code


class TenantVariable(TenantOwnedModel):
    """A tenant's named variable, available to its dial plan (MiRTA PBX `tenantvariable`)."""

    name = models.CharField(max_length=64, validators=[variable_name_validator])
    value = models.TextField(blank=True)
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["tenant_id", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="tenantvariable_unique_name")]

    def __str__(self):
        return self.name


class Department(TenantOwnedModel):
    """A department of the tenant's company, for its directory and reports (as in Thirdlane)."""

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["tenant_id", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="department_unique_name")]

    def __str__(self):
        return self.name


class Location(TenantOwnedModel):
    """An emergency location (as in Thirdlane): the address emergency services are given, and
    the caller ID number sent to them from phones at this location."""

    name = models.CharField(max_length=100)
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True, help_text="State, province or county.")
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, validators=[country_validator])
    emergency_caller_id = models.CharField(
        max_length=16,
        validators=[emergency_number_validator],
        help_text="The number emergency services see and can call back.",
    )
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["tenant_id", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="location_unique_name")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.country = (self.country or "").upper()
        super().save(*args, **kwargs)
