"""Campaigns: their settings, their states (only the legal moves), their fax files and
the counts of their numbers by disposition."""

import base64
import binascii
import os
import uuid

from django.core.files.base import ContentFile
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.models import Campaign, CampaignFaxFile, CampaignNumber
from pbx.api.exceptions import ApiError, UnsupportedMedia
from pbx.api.filters import STRING_LOOKUPS, TIMESTAMP_FIELDS, PbxFilterSet
from pbx.api.references import ObjectIdField
from pbx.api.serializers import DetailUrlField, PbxModelSerializer, TenantField, _relations
from pbx.api.viewsets import PbxViewSet
from routing.models import Trunk

DISPOSITIONS = [(value, value or "NONE") for value in CampaignNumber.Disposition.values]
FAX_EXTENSIONS = {".pdf": b"%PDF", ".tif": (b"II*\x00", b"MM\x00*"), ".tiff": (b"II*\x00", b"MM\x00*")}
MAX_FAX_FILES = 10


class InvalidTransition(ApiError):
    status_code, default_code = 409, "invalid_transition"
    default_detail = "The campaign cannot move to that state."


def _count_of(**conditions):
    numbers = CampaignNumber.objects.filter(campaign=OuterRef("pk"), **conditions).order_by()
    counted = numbers.values("campaign").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_number_counts(queryset):
    """Each campaign's number count and its counts by disposition, as subqueries of the
    page's own query: a page of 1000 campaigns costs no more queries than one."""
    return queryset.annotate(
        numbers_total=_count_of(),
        **{
            f"numbers_{key.replace(' ', '_').lower()}": _count_of(disposition=value)
            for value, key in DISPOSITIONS
        },
    )


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer"},
            {"type": "object", "additionalProperties": {"type": "integer"}},
        ],
        "readOnly": True,
        "description": "numbers_count: the campaign's numbers; numbers_by_disposition: them by disposition.",
    }
)
class NumberCountsField(serializers.Field):
    """The counts the list annotated, or (after a write) one GROUP BY of the campaign's numbers."""

    def __init__(self, by_disposition, **kwargs):
        self.by_disposition = by_disposition
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, campaign):
        if hasattr(campaign, "numbers_total"):
            counts = {
                key: getattr(campaign, f"numbers_{key.replace(' ', '_').lower()}")
                for _value, key in DISPOSITIONS
            }
            total = campaign.numbers_total
        else:
            grouped = dict(
                CampaignNumber.objects.filter(campaign=campaign)
                .order_by()
                .values_list("disposition")
                .annotate(n=Count("pk"))
            )
            counts = {key: grouped.get(value, 0) for value, key in DISPOSITIONS}
            total = sum(counts.values())
        return counts if self.by_disposition else total


@extend_schema_field(
    {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "id": {"type": "integer", "readOnly": True},
                "name": {"type": "string"},
                "size": {"type": "integer", "readOnly": True},
                "data_base64": {"type": "string", "writeOnly": True},
            },
        },
    }
)
class FaxFilesField(serializers.Field):
    """Read: the campaign's fax files as {id, name, size} (never their content). Write:
    a list of {name, data_base64} that replaces them all (MiRTA PBX's binary_files)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", "Write a list of {name, data_base64} (PDF or TIFF) to replace the fax files."
        )
        super().__init__(source="*", **kwargs)

    def to_representation(self, campaign):
        return [{"id": f.pk, "name": f.name, "size": f.size} for f in campaign.fax_files.all()]

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError("Send a list of {name, data_base64} objects.")
        if len(data) > MAX_FAX_FILES:
            raise serializers.ValidationError(f"At most {MAX_FAX_FILES} fax files.")
        files = []
        for index, item in enumerate(data):
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("name"), str)
                or "data_base64" not in item
            ):
                raise serializers.ValidationError(f"Item {index}: send an object with name and data_base64.")
            name = os.path.basename(item["name"].strip())[:100]
            extension = os.path.splitext(name)[1].lower()
            if extension not in FAX_EXTENSIONS:
                raise serializers.ValidationError(
                    f"Item {index}: {name!r} is not a .pdf, .tif or .tiff file."
                )
            try:
                content = base64.b64decode(str(item["data_base64"]), validate=True)
            except (binascii.Error, ValueError):
                raise serializers.ValidationError(f"Item {index}: data_base64 is not base64.") from None
            if not content:
                # As for audio: an empty file is a file of no accepted format.
                message = f"Item {index}: {name!r} is empty. Accepted formats: PDF and TIFF."
                raise UnsupportedMedia(message, fields={"binary_files": [message]}, accepted=["pdf", "tiff"])
            if not content.startswith(FAX_EXTENSIONS[extension]):
                raise serializers.ValidationError(
                    f"Item {index}: {name!r} is not a {extension[1:].upper()} file."
                )
            files.append((name, content))
        return {"_fax_files": files}


class CampaignSerializer(PbxModelSerializer):
    """A campaign. Its `state` moves only by Campaign.TRANSITIONS (409 invalid_transition
    lists the states allowed); it runs only with a trunk assigned to its tenant."""

    url = DetailUrlField(view_name="campaign-detail")
    tenant = TenantField()
    trunk = ObjectIdField(
        source="trunk_id", required=False, allow_null=True, help_text="Id of a trunk assigned to the tenant."
    )
    numbers_count = NumberCountsField(by_disposition=False)
    numbers_by_disposition = NumberCountsField(by_disposition=True)
    binary_files = FaxFilesField()

    class Meta:
        model = Campaign
        not_in_csv = ["binary_files"]  # fax documents travel as JSON uploads, not in a cell
        fields = [
            "id",
            "url",
            "tenant",
            "name",
            "description",
            "state",
            "state_changed_at",
            "trunk",
            "caller_id_name",
            "caller_id_number",
            "concurrent_calls",
            "window_start",
            "window_end",
            "time_zone",
            "max_attempts",
            "retry_minutes",
            "numbers_count",
            "numbers_by_disposition",
            "binary_files",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["state_changed_at"]
        validators = []
        unique_per_tenant = ["name"]
        aliases = {
            "ca_name": "name",
            "ca_state": "state",
            "status": "state",
            "callerid": "caller_id_number",
            "timezone": "time_zone",
            "tz": "time_zone",
        }

    def validate(self, attrs):
        attrs = super().validate(attrs)
        tenant = attrs.get("tenant") or self.instance.tenant
        trunk_id = attrs["trunk_id"] if "trunk_id" in attrs else getattr(self.instance, "trunk_id", None)
        if (
            attrs.get("trunk_id") is not None
            and not Trunk.objects.filter(pk=trunk_id, tenants=tenant).exists()
        ):
            raise serializers.ValidationError(
                {"trunk": [f"No trunk {trunk_id} assigned to tenant {tenant.code}."]}
            )
        start = attrs.get("window_start", getattr(self.instance, "window_start", None))
        end = attrs.get("window_end", getattr(self.instance, "window_end", None))
        if start is not None and start == end:
            raise serializers.ValidationError({"window_end": ["Give an end time other than the start time."]})
        self._check_transition(attrs, trunk_id)
        return attrs

    def _check_transition(self, attrs, trunk_id):
        current = self.instance.state if self.instance is not None else Campaign.State.DRAFT
        wanted = attrs.get("state", current)
        if self.instance is None and wanted != Campaign.State.DRAFT:
            # A campaign is created as a draft, numbers and settings still to check: moving
            # it is a second, deliberate step (and is logged as one).
            raise InvalidTransition(
                f"A new campaign starts as draft, not {wanted}: create it, then move it to "
                "running or finished.",
                allowed=[str(Campaign.State.DRAFT)],
            )
        if wanted != current:
            allowed = [str(s) for s in Campaign.TRANSITIONS[Campaign.State(current)]]
            if wanted not in allowed:
                raise InvalidTransition(
                    f"A {current} campaign cannot become {wanted}; it may become: {', '.join(allowed) or 'nothing'}.",
                    state=str(current),
                    allowed=allowed,
                )
            attrs["state_changed_at"] = timezone.now()
        if wanted == Campaign.State.RUNNING and trunk_id is None:
            raise serializers.ValidationError({"trunk": ["A campaign needs a trunk before it runs."]})

    def _defaults_for_omitted(self, validated_data):
        # PUT without `state` keeps the state: putting it back to draft is no legal move.
        defaults = super()._defaults_for_omitted(validated_data)
        defaults.pop("state", None)
        return defaults

    def save(self, **kwargs):
        files = self._validated_data.pop("_fax_files", None)
        campaign = super().save(**kwargs)
        if files is not None:
            self._replace_fax_files(campaign, files)
        return campaign

    def _replace_fax_files(self, campaign, files):
        _relations(campaign)["binary_files"] = [f.name for f in campaign.fax_files.all()]
        campaign.fax_files.all().delete()  # each stored file goes on commit (campaigns.models)
        for name, content in files:
            fax = CampaignFaxFile(campaign=campaign, name=name, size=len(content))
            # A unique stored name: two uploads of "offer.pdf" never overwrite each other.
            fax.file.save(f"{uuid.uuid4().hex}-{name}", ContentFile(content), save=False)
            fax.save()
        getattr(campaign, "_prefetched_objects_cache", {}).pop("fax_files", None)
        _relations(campaign)["binary_files"] = [name for name, _content in files]


class CampaignFilterSet(PbxFilterSet):
    class Meta:
        model = Campaign
        fields = {
            "name": STRING_LOOKUPS,
            "state": ["exact"],
            "trunk": ["exact"],
            "time_zone": ["exact"],
            **TIMESTAMP_FIELDS,
        }


class CampaignViewSet(PbxViewSet):
    """Campaigns of the caller's tenants, with the counts of their numbers."""

    queryset = Campaign.objects.prefetch_related("fax_files")
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilterSet
    search_fields = ["name", "description"]
    ordering_fields = ["name", "state", "state_changed_at", "created_at", "updated_at", "id"]

    def get_queryset(self):
        return with_number_counts(super().get_queryset())
