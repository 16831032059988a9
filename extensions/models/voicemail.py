"""Voicemail boxes (MiRTA PBX `voicemail`, DjangoPBX voicemails)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from extensions.models.extension import Extension, extension_number_validator
from pbx.models import TenantOwnedModel

pin_validator = RegexValidator(r"^[0-9]{4,16}$", "Use 4 to 16 digits.")


def detach_from_extension(collector, field, sub_objs, using):
    """on_delete of a box's extension: the box stays, without its extension and so
    without an owner (SET_NULL on both columns, in the deletion's own queries)."""
    models.SET_NULL(collector, field, sub_objs, using)
    collector.add_field_update(field.model._meta.get_field("user"), None, sub_objs)


class Voicemail(TenantOwnedModel):
    """A voicemail box, numbered in its own space (`mailbox`), usually an extension's."""

    SECRET_FIELDS = ("pin",)

    mailbox = models.CharField(max_length=15, validators=[extension_number_validator])
    name = models.CharField(max_length=100, blank=True, help_text="The box owner's full name.")
    pin = models.CharField(max_length=16, blank=True, validators=[pin_validator])
    email = models.EmailField(blank=True, help_text="Where new messages are sent.")
    attach_audio = models.BooleanField(default=True, help_text="Attach the recording to the email.")
    delete_after_email = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)
    extension = models.ForeignKey(
        Extension, null=True, blank=True, on_delete=detach_from_extension, related_name="voicemails"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="voicemails",
        editable=False,
        help_text="The owner: the user of the box's extension, kept in step with it.",
    )

    class Meta:
        ordering = ["tenant_id", "mailbox"]
        constraints = [models.UniqueConstraint(fields=["tenant", "mailbox"], name="voicemail_unique_mailbox")]

    def __str__(self):
        return f"{self.mailbox} ({self.name})" if self.name else self.mailbox

    def clean(self):
        super().clean()
        # The admin's raw id fields accept any id: keep the extension in the same tenant.
        if self.extension_id and self.tenant_id and self.extension.tenant_id != self.tenant_id:
            raise ValidationError({"extension": "Choose an extension of the same tenant."})

    def save(self, *args, **kwargs):
        # The owner is derived, never set: the extension's user, or nobody.
        self.user_id = self.extension.user_id if self.extension_id is not None else None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "extension" in update_fields:
            kwargs["update_fields"] = {*update_fields, "user"}
        super().save(*args, **kwargs)
