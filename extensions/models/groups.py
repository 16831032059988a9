"""Groups of extensions: pickup and call groups, paging groups, conference rooms."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models

from extensions.models.extension import Extension, extension_number_validator
from pbx.models import DialplanNumberHolder, TenantOwnedModel

room_pin_validator = RegexValidator(r"^[0-9]{3,16}$", "Use 3 to 16 digits.")


class PickupGroup(TenantOwnedModel):
    """A named group of extensions for call pickup, in Asterisk's two halves (`kind`):
    the members of call group `sales` are the extensions whose ringing calls can be
    picked up (named_call_group); the members of pickup group `sales` may pick them up
    (named_pickup_group). A call group and a pickup group of one name pair up, so the
    name is unique per tenant and kind."""

    class Kind(models.TextChoices):
        PICKUP = "pickup"
        CALL = "call"

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.PICKUP)
    description = models.CharField(max_length=255, blank=True)
    members = models.ManyToManyField(Extension, through="PickupGroupMember", related_name="pickup_groups")

    class Meta:
        ordering = ["tenant_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "kind", "name"], name="pickupgroup_unique_kind_name")
        ]

    def __str__(self):
        return self.name


class GroupMember(models.Model):
    """One extension in a group's ordered member list; the subclass names the group."""

    extension = models.ForeignKey(Extension, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.extension} in {self.group}"

    def clean(self):
        super().clean()
        # The admin's raw id fields accept any id: keep the extension in the same tenant.
        group = getattr(self, "group", None) if self.group_id or "group" in self._state.fields_cache else None
        if self.extension_id and group is not None and self.extension.tenant_id != group.tenant_id:
            raise ValidationError({"extension": "Choose an extension of the group's tenant."})


class PickupGroupMember(GroupMember):
    group = models.ForeignKey(PickupGroup, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        ordering = ["group_id", "position"]
        constraints = [models.UniqueConstraint(fields=["group", "extension"], name="pickupmember_unique")]


class PagingGroup(DialplanNumberHolder, TenantOwnedModel):
    """A number that pages (or intercoms, when duplex) a list of extensions at once."""

    number = models.CharField(max_length=15, validators=[extension_number_validator])
    name = models.CharField(max_length=100, blank=True)
    duplex = models.BooleanField(default=False, help_text="Two-way audio (intercom) instead of one-way.")
    members = models.ManyToManyField(Extension, through="PagingGroupMember", related_name="paging_groups")

    class Meta:
        ordering = ["tenant_id", "number"]
        constraints = [models.UniqueConstraint(fields=["tenant", "number"], name="paginggroup_unique_number")]

    def __str__(self):
        return f"{self.number} {self.name}".strip()

    def dialplan_label(self):
        return f"paging group {self.number}" + (f" ({self.name})" if self.name else "")


class PagingGroupMember(GroupMember):
    group = models.ForeignKey(PagingGroup, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        ordering = ["group_id", "position"]
        constraints = [models.UniqueConstraint(fields=["group", "extension"], name="pagingmember_unique")]


class ConferenceRoom(DialplanNumberHolder, TenantOwnedModel):
    """A conference room reached by its number (MiRTA PBX `conferenceroom`)."""

    SECRET_FIELDS = ("pin", "admin_pin")

    number = models.CharField(max_length=15, validators=[extension_number_validator])
    name = models.CharField(max_length=100, blank=True)
    pin = models.CharField(max_length=16, blank=True, validators=[room_pin_validator])
    admin_pin = models.CharField(max_length=16, blank=True, validators=[room_pin_validator])
    max_users = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(1000)], help_text="0 for no limit."
    )
    record = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["tenant_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="conferenceroom_unique_number")
        ]

    def __str__(self):
        return f"{self.number} {self.name}".strip()

    def dialplan_label(self):
        return f"conference room {self.number}" + (f" ({self.name})" if self.name else "")
