"""Voicemail greetings and messages: audio of a voicemail box of the extensions app.
A user_api caller reads the greetings and messages of the boxes it owns, files its
messages (`read`, `folder`) and deletes them."""

from rest_framework import serializers

from apikeys import roles
from extensions.models import Voicemail
from media.api.audio import AUDIO_FIELDS, AudioDownloadMixin, AudioFilterSet, AudioSerializer
from media.models import VoicemailGreeting, VoicemailMessage
from pbx.api.filters import STRING_LOOKUPS, TIME_LOOKUPS, TIMESTAMP_FIELDS
from pbx.api.references import ObjectIdField, check_ids
from pbx.api.serializers import DetailUrlField, TenantField
from pbx.api.viewsets import PbxViewSet


class VoicemailAudioSerializer(AudioSerializer):
    """Greetings and messages belong to a voicemail box of their tenant."""

    tenant = TenantField()
    voicemail = ObjectIdField(source="voicemail_id", help_text="Id of the tenant's voicemail box.")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs.get("voicemail_id") is not None:
            tenant = attrs.get("tenant") or self.instance.tenant
            check_ids(Voicemail, [attrs["voicemail_id"]], tenant, "voicemail", allow_global=False)
        return attrs


class VoicemailGreetingSerializer(VoicemailAudioSerializer):
    """A box's greeting of one `kind`: unavailable, busy, name or temporary."""

    url = DetailUrlField(view_name="voicemailgreeting-detail")

    class Meta:
        model = VoicemailGreeting
        fields = [
            "id",
            "url",
            "tenant",
            "voicemail",
            "kind",
            "description",
            *AUDIO_FIELDS,
            "created_at",
            "updated_at",
        ]
        validators = []
        download_view = "voicemailgreeting-download"
        aliases = {"voicemail_id": "voicemail", "greeting": "kind"}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        box = attrs.get("voicemail_id", getattr(self.instance, "voicemail_id", None))
        kind = attrs.get("kind", getattr(self.instance, "kind", VoicemailGreeting.Kind.UNAVAILABLE))
        taken = VoicemailGreeting.objects.filter(voicemail_id=box, kind=kind)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(
                {"kind": [f"Voicemail box {box} already has a {kind} greeting: change that one."]}
            )
        return attrs


class VoicemailGreetingFilterSet(AudioFilterSet):
    class Meta:
        model = VoicemailGreeting
        fields = {
            "voicemail": ["exact"],
            "kind": ["exact"],
            **AudioFilterSet.AUDIO_FIELDS,
            **TIMESTAMP_FIELDS,
        }


class VoicemailGreetingViewSet(AudioDownloadMixin, PbxViewSet):
    """Voicemail greetings of the caller's tenants (a user_api caller: its boxes')."""

    queryset = VoicemailGreeting.objects.all()
    serializer_class = VoicemailGreetingSerializer
    filterset_class = VoicemailGreetingFilterSet
    search_fields = ["description"]
    ordering_fields = ["voicemail", "kind", "created_at", "updated_at", "id"]
    owner_field = "voicemail__user"
    owner_only_reads = True


class VoicemailMessageSerializer(VoicemailAudioSerializer):
    """A message left in a box: who called, when, how long; filed in `folder`, `read` or not."""

    url = DetailUrlField(view_name="voicemailmessage-detail")

    class Meta:
        model = VoicemailMessage
        fields = [
            "id",
            "url",
            "tenant",
            "voicemail",
            "caller_id_name",
            "caller_id_number",
            "folder",
            "read",
            "received_at",
            *AUDIO_FIELDS,
            "created_at",
            "updated_at",
        ]
        validators = []
        download_view = "voicemailmessage-download"
        aliases = {
            "voicemail_id": "voicemail",
            "callerid_name": "caller_id_name",
            "callerid_number": "caller_id_number",
        }


class VoicemailMessageFilterSet(AudioFilterSet):
    class Meta:
        model = VoicemailMessage
        fields = {
            "voicemail": ["exact"],
            "folder": ["exact"],
            "read": ["exact"],
            "caller_id_number": STRING_LOOKUPS,
            "caller_id_name": STRING_LOOKUPS,
            **AudioFilterSet.AUDIO_FIELDS,
            "received_at": TIME_LOOKUPS,
            **TIMESTAMP_FIELDS,
        }


class VoicemailMessageViewSet(AudioDownloadMixin, PbxViewSet):
    """Voicemail messages of the caller's tenants. A user_api caller sees only its own
    boxes' messages, marks them read or files them (PATCH `read`, `folder`) and deletes them."""

    queryset = VoicemailMessage.objects.all()
    serializer_class = VoicemailMessageSerializer
    filterset_class = VoicemailMessageFilterSet
    search_fields = ["caller_id_name", "caller_id_number"]
    ordering_fields = ["received_at", "duration", "folder", "read", "created_at", "id"]
    owner_field = "voicemail__user"
    owner_only_reads = True
    owner_editable_fields = ("read", "folder")

    def check_role_write(self, instance, data):
        # An owner deletes its own messages (its queryset holds no others, so the object
        # DELETE finds is its own); the kernel refuses user_api deletions elsewhere.
        if self.request.method == "DELETE" and self.scope.role == roles.USER:
            return
        super().check_role_write(instance, data)
