"""User profiles: named sets of privileges for portal users (MiRTA PBX `userprofile`)."""

from django.conf import settings
from django.db import models

from pbx.models import TimestampedModel

# The privileges a profile can grant, with the stable ids MiRTA PBX's API sends
# (`"privileges": [12, 18, 25]`). Names are what this API stores and returns.
PRIVILEGES = {
    1: "extensions.view",
    2: "extensions.manage",
    3: "voicemail.view",
    4: "voicemail.manage",
    5: "devices.view",
    6: "devices.manage",
    7: "groups.manage",
    8: "conferences.manage",
    9: "contacts.view",
    10: "contacts.manage",
    11: "routing.view",
    12: "routing.manage",
    13: "queues.view",
    14: "queues.manage",
    15: "media.manage",
    16: "campaigns.manage",
    17: "cdrs.view",
    18: "cdrs.export",
    19: "recordings.view",
    20: "recordings.download",
    21: "reports.view",
    22: "settings.manage",
    23: "users.manage",
    24: "webhooks.manage",
    25: "flows.toggle",
    26: "own.forwarding",
    27: "own.voicemail",
    28: "own.devices",
}
PRIVILEGE_IDS = {name: number for number, name in PRIVILEGES.items()}


class UserProfile(TimestampedModel):
    """A named set of privileges, assigned to portal users (a platform object)."""

    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=255, blank=True)
    privileges = models.JSONField(default=list, blank=True, help_text="Privilege names, see PRIVILEGES.")
    reserved = models.BooleanField(default=False, help_text="Kept by the platform: not deletable.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class UserProfileAssignment(models.Model):
    """A user's main profile (one per user)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    profile = models.ForeignKey(UserProfile, on_delete=models.PROTECT, related_name="assignments")

    def __str__(self):
        return f"{self.user} as {self.profile}"
