"""Audio the PBX plays and keeps: media files (prompts, hold music), music-on-hold
playlists, call recordings, and voicemail greetings and messages.

Every audio row keeps its file in Django's default storage (PBX_MEDIA_ROOT on disk
unless STORAGES says otherwise) and what media.audio measured of it: format, duration,
size, sample rate and channels. A file leaves storage when its row is deleted and the
deletion commits (media.signals).
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from extensions.models import Extension, Voicemail
from media.audio import FORMAT_CHOICES, content_type_of
from pbx.models import GlobalOrTenantModel, TenantOwnedModel, unique_in_tenant_and_globally


def audio_path(instance, filename):
    """`<tenant id or global>/<kind>/<random>.<ext>`: names a client cannot choose or
    guess, grouped per tenant so an operator can find (or move) a tenant's files."""
    owner = f"tenant-{instance.tenant_id}" if instance.tenant_id else "global"
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"{owner}/{instance._meta.model_name}/{uuid.uuid4().hex}.{extension}"


class AudioFile(models.Model):
    """The stored audio and its measurements, shared by every audio model."""

    file = models.FileField(upload_to=audio_path, max_length=255, editable=False)
    format = models.CharField(max_length=10, choices=FORMAT_CHOICES, editable=False)
    duration = models.FloatField(default=0, editable=False, help_text="Seconds.")
    size = models.PositiveBigIntegerField(default=0, editable=False, help_text="Bytes.")
    sample_rate = models.PositiveIntegerField(default=0, editable=False, help_text="Hz.")
    channels = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        abstract = True

    @property
    def content_type(self):
        return content_type_of(self.format)


class MediaFile(AudioFile, GlobalOrTenantModel):
    """A sound the switch plays: a prompt, a greeting, hold music (MiRTA PBX `mediafile`).
    Global ones are the platform's; `MEDIAFILE-<id>` as a destination."""

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            *unique_in_tenant_and_globally("name", "mediafile_unique_name", "mediafile_unique_global"),
        ]

    def __str__(self):
        return self.name


class MusicOnHold(GlobalOrTenantModel):
    """A music-on-hold class: an ordered playlist of media files, or a `custom` command
    that streams audio. One per tenant may be the default; `MUSICONHOLD-<id>` as a
    destination."""

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True)
    is_default = models.BooleanField(default=False, help_text="The tenant's (or the platform's) default.")
    random = models.BooleanField(default=False, help_text="Shuffle the playlist instead of playing in order.")
    custom = models.CharField(
        max_length=255, blank=True, help_text="A command whose output is played instead of the files."
    )

    class Meta:
        verbose_name = "music on hold"
        verbose_name_plural = "music on hold"
        ordering = ["name"]
        constraints = [
            *unique_in_tenant_and_globally("name", "musiconhold_unique_name", "musiconhold_unique_global"),
            # At most one default per tenant, and one among the global classes.
            models.UniqueConstraint(
                fields=["tenant"], condition=models.Q(is_default=True), name="musiconhold_one_default"
            ),
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True, tenant__isnull=True),
                name="musiconhold_one_global_default",
            ),
        ]

    def __str__(self):
        return self.name


class MusicOnHoldEntry(models.Model):
    """One file of a playlist, at its position."""

    music_on_hold = models.ForeignKey(MusicOnHold, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveSmallIntegerField(default=0)
    media_file = models.ForeignKey(MediaFile, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name_plural = "music on hold entries"
        ordering = ["music_on_hold_id", "position"]

    def __str__(self):
        return f"{self.media_file} in {self.music_on_hold}"

    def clean(self):
        super().clean()
        # The admin's raw id field accepts any id: the tenant's own files or global ones.
        if self.media_file_id and self.music_on_hold_id:
            owner = self.music_on_hold.tenant_id
            if self.media_file.tenant_id not in (owner, None):
                raise ValidationError(
                    {"media_file": "Choose a media file of the same tenant, or a global one."}
                )


class Recording(AudioFile, TenantOwnedModel):
    """A call recording. `call_id` is the switch's id of the call (the CDR's `call_id`
    once call records exist); kept as text so a recording can arrive before its CDR.
    A user_api caller hears the recordings of its own extensions."""

    call_id = models.CharField(max_length=128, blank=True, db_index=True, help_text="The call's id.")
    extension = models.ForeignKey(
        Extension,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recordings",
        help_text="The tenant's extension on the call; its user may listen to the recording.",
    )
    description = models.CharField(max_length=255, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["tenant", "recorded_at"], name="recording_tenant_time")]

    def __str__(self):
        return f"recording {self.call_id or self.pk}"

    def clean(self):
        super().clean()
        if self.extension_id and self.tenant_id and self.extension.tenant_id != self.tenant_id:
            raise ValidationError({"extension": "Choose an extension of the same tenant."})


class VoicemailAudio(AudioFile, TenantOwnedModel):
    """Audio of a voicemail box, in the box's tenant."""

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.voicemail_id and self.tenant_id and self.voicemail.tenant_id != self.tenant_id:
            raise ValidationError({"voicemail": "Choose a voicemail box of the same tenant."})


class VoicemailGreeting(VoicemailAudio):
    """A voicemail box's recorded greeting, one per kind."""

    class Kind(models.TextChoices):
        UNAVAILABLE = "unavailable", "Unavailable"
        BUSY = "busy", "Busy"
        NAME = "name", "Name"
        TEMPORARY = "temporary", "Temporary (overrides the others)"

    voicemail = models.ForeignKey(Voicemail, on_delete=models.CASCADE, related_name="greetings")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.UNAVAILABLE)
    description = models.CharField(max_length=255, blank=True, help_text="What it says, for people.")

    class Meta:
        ordering = ["voicemail_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["voicemail", "kind"], name="voicemailgreeting_one_per_kind")
        ]

    def __str__(self):
        return f"{self.kind} greeting of {self.voicemail_id}"


class VoicemailMessage(VoicemailAudio):
    """A message left in a voicemail box, filed in a folder (Asterisk's names)."""

    class Folder(models.TextChoices):
        INBOX = "INBOX"
        OLD = "Old"
        WORK = "Work"
        FAMILY = "Family"
        FRIENDS = "Friends"
        URGENT = "Urgent"

    voicemail = models.ForeignKey(Voicemail, on_delete=models.CASCADE, related_name="messages")
    caller_id_name = models.CharField(max_length=64, blank=True)
    caller_id_number = models.CharField(max_length=64, blank=True)
    folder = models.CharField(max_length=8, choices=Folder.choices, default=Folder.INBOX)
    read = models.BooleanField(default=False)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["tenant", "received_at"], name="vmmessage_tenant_time")]

    def __str__(self):
        caller = self.caller_id_number or self.caller_id_name or "unknown caller"
        return f"message from {caller}"
