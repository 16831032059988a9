"""Call recordings."""

from django.db.models import OuterRef, Subquery
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cdrs.models import CallRecord
from extensions.api.members import ExtensionIdField
from extensions.models import Extension
from media.api.audio import AUDIO_FIELDS, AudioDownloadMixin, AudioFilterSet, AudioSerializer
from media.models import Recording
from pbx.api.filters import STRING_LOOKUPS, TIME_LOOKUPS, TIMESTAMP_FIELDS
from pbx.api.references import check_ids
from pbx.api.serializers import DetailUrlField, TenantField
from pbx.api.viewsets import PbxViewSet


class CallRecordIdField(serializers.Field):
    """The id of the tenant's call record with the recording's `call_id`, or null: read
    from the list's annotation, or looked up for a single object just written."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, allow_null=True, **kwargs)

    def to_representation(self, recording):
        if hasattr(recording, "call_record_id"):
            return recording.call_record_id
        found = _call_records().filter(tenant_id=recording.tenant_id, call_id=recording.call_id).first()
        return found.pk if found else None


def _call_records():
    return CallRecord.objects.exclude(call_id="")


class RecordingSerializer(AudioSerializer):
    """A call recording: `call_id` is the call's id as the switch wrote it, and
    `call_record` the stored CDR of that call when there is one; `extension` the
    tenant's extension on the call."""

    url = DetailUrlField(view_name="recording-detail")
    call_record = extend_schema_field({"type": "integer", "nullable": True, "readOnly": True})(
        CallRecordIdField
    )()
    tenant = TenantField()
    extension = ExtensionIdField(required=False, allow_null=True, source="extension_id")

    class Meta:
        model = Recording
        fields = [
            "id",
            "url",
            "tenant",
            "call_id",
            "call_record",
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

    def get_queryset(self):
        # The call's CDR rides along with each row: one subquery, none per row.
        call_record = _call_records().filter(tenant_id=OuterRef("tenant_id"), call_id=OuterRef("call_id"))
        return super().get_queryset().annotate(call_record_id=Subquery(call_record.values("pk")[:1]))
