"""Media files and music on hold: global (the platform's) or a tenant's."""

from django.db import transaction
from rest_framework import serializers

from media.api.audio import AUDIO_FIELDS, AudioDownloadMixin, AudioFilterSet, AudioSerializer
from media.models import MediaFile, MusicOnHold
from pbx import changelog
from pbx.api.children import IdRowsField, WithChildRowsSerializer, ids_of
from pbx.api.filters import STRING_LOOKUPS, TIMESTAMP_FIELDS, PbxFilterSet
from pbx.api.global_objects import GlobalObjectsMixin, GlobalTenantField
from pbx.api.references import check_ids
from pbx.api.serializers import DetailUrlField, PbxModelSerializer
from pbx.api.viewsets import PbxViewSet


class MediaFileSerializer(AudioSerializer):
    """A media file: a prompt or a piece of hold music (`MEDIAFILE-<id>`)."""

    url = DetailUrlField(view_name="mediafile-detail")
    tenant = GlobalTenantField()

    class Meta:
        model = MediaFile
        fields = ["id", "url", "tenant", "name", "description", *AUDIO_FIELDS, "created_at", "updated_at"]
        validators = []
        unique_per_tenant = ["name"]
        download_view = "mediafile-download"
        # MiRTA PBX: me_name, and the file as data_base64 or its column's name me_data.
        aliases = {"me_name": "name", "me_data": "data_base64", "me_description": "description"}


class MediaFileFilterSet(AudioFilterSet):
    class Meta:
        model = MediaFile
        fields = {
            "name": STRING_LOOKUPS,
            **AudioFilterSet.AUDIO_FIELDS,
            **TIMESTAMP_FIELDS,
        }


class MediaFileViewSet(AudioDownloadMixin, GlobalObjectsMixin, PbxViewSet):
    """Media files, global and per tenant; `<id>/download/` gives the audio."""

    queryset = MediaFile.objects.all()
    serializer_class = MediaFileSerializer
    filterset_class = MediaFileFilterSet
    search_fields = ["name", "description"]
    ordering_fields = ["name", "duration", "size", "created_at", "updated_at", "id"]


class MediaFileIdsField(IdRowsField):
    """The playlist: media file ids in order, also written `"MEDIAFILE-12"` (MiRTA PBX)."""

    def to_internal_value(self, data):
        if isinstance(data, list):
            data = [_media_file_id(item) for item in data]
        return super().to_internal_value(data)


def _media_file_id(item):
    if isinstance(item, str) and item.upper().startswith("MEDIAFILE-") and item[10:].isdigit():
        return int(item[10:])
    if isinstance(item, dict) and str(item.get("type", "")).upper() == "MEDIAFILE":
        return item.get("id")
    return item


class MusicOnHoldSerializer(WithChildRowsSerializer, PbxModelSerializer):
    """A music-on-hold class: `mediafiles` is its playlist, in order (ids of the tenant's
    or global media files); `is_default` (MiRTA PBX `default`) makes it the tenant's
    default, which un-sets the previous one."""

    url = DetailUrlField(view_name="musiconhold-detail")
    tenant = GlobalTenantField()
    mediafiles = MediaFileIdsField(related_name="entries", id_field="media_file")

    class Meta:
        model = MusicOnHold
        fields = [
            "id",
            "url",
            "tenant",
            "name",
            "description",
            "is_default",
            "random",
            "custom",
            "mediafiles",
            "created_at",
            "updated_at",
        ]
        validators = []
        unique_per_tenant = ["name"]
        aliases = {
            "mu_name": "name",
            "mu_custom": "custom",
            "default": "is_default",
            "mu_default": "is_default",
        }

    def to_internal_value(self, data):
        if isinstance(data, dict) and isinstance(data.get("destinations"), dict):
            # MiRTA PBX writes the playlist as the MUSICONHOLD slot, plain numbers meaning ids.
            data = dict(data)
            slots = dict(data.pop("destinations"))
            if "MUSICONHOLD" in slots:
                data.setdefault("mediafiles", slots.pop("MUSICONHOLD"))
            if slots:
                raise serializers.ValidationError(
                    {
                        "destinations": [
                            f"Music on hold has only the MUSICONHOLD slot, not {', '.join(slots)}."
                        ]
                    }
                )
        return super().to_internal_value(data)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "mediafiles" in attrs:
            tenant = attrs["tenant"] if "tenant" in attrs else getattr(self.instance, "tenant", None)
            # A tenant's playlist takes its own and global files; a global one global files only.
            check_ids(MediaFile, ids_of(attrs["mediafiles"], "media_file"), tenant, "mediafiles")
        return attrs

    def save(self, **kwargs):
        with transaction.atomic():
            if self._validated_data.get("is_default"):
                tenant = self._validated_data.get("tenant", getattr(self.instance, "tenant", None))
                self._unset_other_defaults(tenant)
            return super().save(**kwargs)

    def _unset_other_defaults(self, tenant):
        """One default per tenant: the previous one stops being it (and its history says so)."""
        others = MusicOnHold.objects.select_for_update().filter(tenant=tenant, is_default=True)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        for other in others:
            before = changelog.snapshot(other)
            other.is_default = False
            other.save(update_fields=["is_default", "updated_at"])
            changelog.record(other, changelog.UPDATE, before)


class MusicOnHoldFilterSet(PbxFilterSet):
    class Meta:
        model = MusicOnHold
        fields = {"name": STRING_LOOKUPS, "is_default": ["exact"], "random": ["exact"], **TIMESTAMP_FIELDS}


class MusicOnHoldViewSet(GlobalObjectsMixin, PbxViewSet):
    """Music on hold, global and per tenant; `MUSICONHOLD-<id>` as a destination."""

    queryset = MusicOnHold.objects.prefetch_related("entries")
    serializer_class = MusicOnHoldSerializer
    filterset_class = MusicOnHoldFilterSet
    search_fields = ["name", "description"]
    ordering_fields = ["name", "is_default", "created_at", "updated_at", "id"]
