"""The company directory, follow-me and web call widgets."""

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from extensions.models.extension import Extension, dial_string_validator
from pbx.models import TenantOwnedModel


class Contact(TenantOwnedModel):
    """An entry of the tenant's company directory (Thirdlane's Company Contacts)."""

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    display_name = models.CharField(
        max_length=150, blank=True, help_text="The name phones show; first and last name when empty."
    )
    company = models.CharField(max_length=150, blank=True)
    numbers = models.JSONField(default=list, blank=True, help_text='[{"type": "work", "number": "+3902..."}]')
    email = models.EmailField(blank=True)
    department = models.ForeignKey(
        "tenants.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["tenant_id", "last_name", "first_name", "company"]

    def __str__(self):
        return self.shown_name or "contact"

    def clean(self):
        super().clean()
        # The admin stores only numbers the API would accept (a bad one broke every read).
        from extensions.api.directory import ContactNumberSerializer
        from pbx.api.children import clean_items

        clean_items(self, numbers=ContactNumberSerializer)

    @property
    def shown_name(self):
        """The directory's name for the contact: the display name, else first and last
        name, else the company."""
        full = " ".join(part for part in (self.first_name, self.last_name) if part)
        return self.display_name or full or self.company


class FollowMe(TenantOwnedModel):
    """An extension's follow-me: numbers rung in order after the extension itself
    (DjangoPBX follow-me; FusionPBX follow_me_destinations)."""

    extension = models.OneToOneField(Extension, on_delete=models.CASCADE, related_name="follow_me")
    enabled = models.BooleanField(default=True)
    ring_extension_first = models.BooleanField(default=True)
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["tenant_id", "extension_id"]

    def __str__(self):
        return f"follow-me of {self.extension}"

    def clean(self):
        super().clean()
        # The admin's raw id fields accept any id: keep the extension in the same tenant.
        if self.extension_id and self.tenant_id and self.extension.tenant_id != self.tenant_id:
            raise ValidationError({"extension": "Choose an extension of the same tenant."})


class FollowMeEntry(models.Model):
    """One step of a follow-me: an outside number or another extension of the tenant
    (exactly one of them), rung `delay` seconds after the call starts, for `ring_time`.
    An entry that rings an extension keeps that extension in use."""

    follow_me = models.ForeignKey(FollowMe, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveSmallIntegerField()
    number = models.CharField(max_length=32, blank=True, validators=[dial_string_validator])
    extension = models.ForeignKey(
        Extension, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    delay = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(300)])
    ring_time = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(5), MaxValueValidator(300)]
    )

    class Meta:
        ordering = ["follow_me_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["follow_me", "position"], name="followme_unique_position"),
            models.CheckConstraint(
                condition=(Q(extension__isnull=True) & ~Q(number=""))
                | (Q(extension__isnull=False) & Q(number="")),
                name="followmeentry_number_or_extension",
            ),
        ]

    def __str__(self):
        return f"{self.number or self.extension} after {self.delay}s"

    def clean(self):
        super().clean()
        if bool(self.number) == bool(self.extension_id):
            raise ValidationError("Give a number or an extension, not both.")
        # The admin's raw id fields accept any id: keep the extension in the same tenant.
        owner = self.follow_me if self.follow_me_id or "follow_me" in self._state.fields_cache else None
        if self.extension_id and owner is not None:
            if self.extension.tenant_id != owner.tenant_id:
                raise ValidationError({"extension": "Choose an extension of the follow-me's tenant."})
            if self.extension_id == owner.extension_id:
                raise ValidationError({"extension": "The follow-me's own extension rings first anyway."})


def generate_widget_token():
    return secrets.token_urlsafe(24)


class WebCallWidget(TenantOwnedModel):
    """A click-to-call button for the tenant's web site: visitors on the allowed origins
    call the widget's destination (its `WEBCALL` slot)."""

    name = models.CharField(max_length=100)
    allowed_origins = models.JSONField(default=list, blank=True, help_text="e.g. https://www.example.com")
    enabled = models.BooleanField(default=True)
    token = models.CharField(
        max_length=64,
        unique=True,
        default=generate_widget_token,
        editable=False,
        help_text="Public embed token.",
    )

    class Meta:
        ordering = ["tenant_id", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="webcallwidget_unique_name")]

    def __str__(self):
        return self.name
