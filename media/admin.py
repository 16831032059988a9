"""Admin of the media app, scoped to the staff user's tenants. Audio is uploaded with
the same checks as the API and played on each audio object's page (an `<audio>`
element fed by the admin's own audio view, with byte ranges so the player can seek)."""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html

from media import audio
from media.api.audio import read_upload, serve_audio
from media.models import (
    MediaFile,
    MusicOnHold,
    MusicOnHoldEntry,
    Recording,
    VoicemailGreeting,
    VoicemailMessage,
)
from pbx.admin import TabularInline, TenantScopedAdmin
from pbx.api.exceptions import ApiError


class AudioAdminForm(forms.ModelForm):
    """An audio object's form: `upload` replaces the audio (required on creation) and is
    checked like an API upload (format, size)."""

    upload = forms.FileField(required=False, allow_empty_file=True, help_text=f"{audio.ACCEPTED}.")

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload is None:
            if self.instance.pk is None:
                raise forms.ValidationError("Choose the audio file.")
            return None
        try:
            data = read_upload(upload)
            return data, audio.inspect(data)
        except ApiError as error:
            raise forms.ValidationError(str(error.detail)) from None


class AudioAdmin(TenantScopedAdmin):
    """Base of the audio objects' admins: the upload, the measurements and a player."""

    form = AudioAdminForm
    audio_fields = ["upload", "player", "format", "duration", "size", "sample_rate", "channels"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "player", *AUDIO_READONLY]

    @admin.display(description="audio")
    def player(self, obj):
        if obj is None or obj.pk is None or not obj.file:
            return "-"
        info = self.opts.app_label, self.opts.model_name
        url = reverse(f"admin:{info[0]}_{info[1]}_audio", args=[obj.pk])
        return format_html('<audio controls preload="metadata" src="{}"></audio>', url)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        audio_view = self.admin_site.admin_view(self.audio_view)
        return [
            path("<path:object_id>/audio/", audio_view, name=f"{info[0]}_{info[1]}_audio"),
            *super().get_urls(),
        ]

    def audio_view(self, request, object_id):
        """The object's audio, to whoever may view the object here."""
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404("No such object.")
        try:
            return serve_audio(request, obj)
        except ApiError as error:
            raise Http404(str(error.detail)) from None

    def save_model(self, request, obj, form, change):
        sent = form.cleaned_data.get("upload")
        replaced = obj.file.name if sent and change else None
        if sent:
            for name, value in audio.stored_fields(*sent).items():
                setattr(obj, name, value)
        super().save_model(request, obj, form, change)
        if replaced:
            storage = obj.file.storage
            transaction.on_commit(lambda: storage.delete(replaced))


AUDIO_READONLY = ["format", "duration", "size", "sample_rate", "channels"]


@admin.register(MediaFile)
class MediaFileAdmin(AudioAdmin):
    """Media files; those without a tenant are the platform's."""

    list_display = ["name", "tenant", "format", "duration", "size", "updated_at"]
    list_filter = ["format"]
    search_fields = ["name", "description"]
    fields = ["tenant", "name", "description", *AudioAdmin.audio_fields]


class MusicOnHoldEntryInline(TabularInline):
    model = MusicOnHoldEntry
    extra = 0
    autocomplete_fields = ["media_file"]
    verbose_name_plural = "playlist, in order"


@admin.register(MusicOnHold)
class MusicOnHoldAdmin(TenantScopedAdmin):
    """Music on hold classes and their playlists."""

    list_display = ["name", "tenant", "is_default", "random", "updated_at"]
    list_filter = ["is_default", "random"]
    search_fields = ["name", "description"]
    inlines = [MusicOnHoldEntryInline]


@admin.register(Recording)
class RecordingAdmin(AudioAdmin):
    """Call recordings."""

    list_display = ["recorded_at", "call_id", "tenant", "extension", "duration", "size"]
    list_filter = ["format"]
    search_fields = ["call_id", "description"]
    date_hierarchy = "recorded_at"
    autocomplete_fields = ["extension"]
    fields = ["tenant", "call_id", "extension", "description", "recorded_at", *AudioAdmin.audio_fields]


@admin.register(VoicemailGreeting)
class VoicemailGreetingAdmin(AudioAdmin):
    """Voicemail greetings."""

    list_display = ["voicemail", "kind", "tenant", "duration", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["description", "voicemail__mailbox"]
    autocomplete_fields = ["voicemail"]
    fields = ["tenant", "voicemail", "kind", "description", *AudioAdmin.audio_fields]


@admin.register(VoicemailMessage)
class VoicemailMessageAdmin(AudioAdmin):
    """Voicemail messages."""

    list_display = [
        "received_at",
        "voicemail",
        "caller_id_number",
        "caller_id_name",
        "folder",
        "read",
        "duration",
    ]
    list_filter = ["folder", "read"]
    search_fields = ["caller_id_number", "caller_id_name", "voicemail__mailbox"]
    date_hierarchy = "received_at"
    autocomplete_fields = ["voicemail"]
    fields = [
        "tenant",
        "voicemail",
        "caller_id_name",
        "caller_id_number",
        "folder",
        "read",
        "received_at",
        *AudioAdmin.audio_fields,
    ]
