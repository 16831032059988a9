"""The API side of destinations (docs/api.md): `destinations` on the detail of
every model that has slots, `referenced_by` on the detail of every model that can be
pointed at. `PbxModelSerializer` adds both from the registry in `pbx.destinations`, so
an app only registers its models; the fields are left out of lists, where they would
cost queries per row."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pbx import destinations
from pbx.api.scope import scope_of

DESTINATION_ITEM = {
    "type": "object",
    "properties": {
        "destination": {"type": "string", "example": "EXT-101"},
        "type": {"type": "string", "example": "EXT"},
        "id": {"type": "integer", "nullable": True, "example": 101},
        "label": {"type": "string", "example": "extension 101 (Reception)"},
    },
}


@extend_schema_field(
    {
        "type": "object",
        "description": (
            "Slot name -> ordered destinations. Write each as `TYPE-ID` (`EXT-101`, `HANGUP`) or "
            '`{"type": "EXT", "id": 101}`; a slot sent replaces that slot, slots not sent are kept '
            "(PATCH) or emptied (PUT)."
        ),
        "additionalProperties": {
            "type": "array",
            "items": {
                "oneOf": [
                    {"type": "string", "example": "VOICEMAIL-12"},
                    {
                        "type": "object",
                        "properties": {"type": {"type": "string"}, "id": {"type": "integer"}},
                        "required": ["type"],
                    },
                ]
            },
        },
        "example": {"EXT-BUSY": ["VOICEMAIL-12"]},
    }
)
class DestinationsField(serializers.Field):
    """An owner's slots. Written values are parsed here and checked against the owner's
    tenant in `PbxModelSerializer.validate` (the tenant is known only there)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(source="*", **kwargs)

    def to_representation(self, instance):
        return destinations.read(instance)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                'Send an object mapping slot names to lists, e.g. {"EXT-BUSY": ["VOICEMAIL-12"]}.'
            )
        return {"_destinations": data}


@extend_schema_field(
    {
        "type": "array",
        "readOnly": True,
        "items": {
            "type": "object",
            "properties": {
                "type": {"type": "string", "example": "did"},
                "id": {"type": "integer"},
                "label": {"type": "string"},
                "slot": {"type": "string", "example": "DID"},
            },
        },
    }
)
class ReferencedByField(serializers.Field):
    """The objects whose slots (or member lists) point at this one."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance):
        request = self.context.get("request")
        tenant_ids = scope_of(request).tenant_ids if request is not None else None
        return destinations.referrers_of(instance, tenant_ids)
