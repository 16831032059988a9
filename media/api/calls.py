"""Call recordings."""

from extensions.api.members import ExtensionIdField
from extensions.models import Extension
from media.api.audio import AUDIO_FIELDS, AudioDownloadMixin, AudioFilterSet, AudioSerializer
from media.models import Recording
from pbx.api.filters import STRING_LOOKUPS, TIME_LOOKUPS, TIMESTAMP_FIELDS
from pbx.api.references import check_ids
from pbx.api.serializers import DetailUrlField, TenantField
from pbx.api.viewsets import PbxViewSet


class RecordingSerializer(AudioSerializer):
    """A call recording: `call_id` is the call's id as the switch wrote it (the CDR's
    once call records are stored); `extension` the tenant's extension on the call."""

    url = DetailUrlField(view_name="recording-detail")
    tenant = TenantField()
    extension = ExtensionIdField(required=False, allow_null=True, source="extension_id")

    class Meta:
        model = Recording
        fields = [
            "id",
            "url",
            "tenant",
            "call_id",
            "extension",
            "description",
            "recorded_at",
            *AUDIO_FIELDS,
            "created_at",
            "updated_at",
        ]
        validators = []
        download_view = "recording-download"
        aliases = {"uuid": "call_id"}  # FreeSWITCH names the call by its uuid

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs.get("extension_id") is not None:
            tenant = attrs.get("tenant") or self.instance.tenant
            check_ids(Extension, [attrs["extension_id"]], tenant, "extension", allow_global=False)
        return attrs


class RecordingFilterSet(AudioFilterSet):
    class Meta:
        model = Recording
        fields = {
            "call_id": ["exact", "startswith"],
            "extension": ["exact"],
            **AudioFilterSet.AUDIO_FIELDS,
            "description": STRING_LOOKUPS,
            "recorded_at": TIME_LOOKUPS,
            **TIMESTAMP_FIELDS,
        }


class RecordingViewSet(AudioDownloadMixin, PbxViewSet):
    """Call recordings of the caller's tenants (a user_api caller: its extensions')."""

    queryset = Recording.objects.all()
    serializer_class = RecordingSerializer
    filterset_class = RecordingFilterSet
    search_fields = ["call_id", "description"]
    ordering_fields = ["recorded_at", "duration", "size", "created_at", "id"]
    owner_field = "extension__user"
    owner_only_reads = True
