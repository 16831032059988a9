"""Ordered lists of the tenant's extensions inside another object (a pickup group's or
paging group's members), written as extension ids and stored as rows of a member model."""

import re

from rest_framework import serializers

from extensions.models import Extension
from pbx.api.serializers import PbxModelSerializer, _relations

EXT_ID = re.compile(r"^EXT-([0-9]{1,18})$", re.IGNORECASE)


class ExtensionIdField(serializers.IntegerField):
    """An extension's id: `7`, or as a destination, `"EXT-7"` or `{"type": "EXT", "id": 7}`
    (MiRTA PBX writes a paging group's members in its PAGING slot)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, dict) and str(data.get("type", "")).upper() == "EXT":
            data = data.get("id")
        elif isinstance(data, str) and (match := EXT_ID.match(data.strip())):
            data = match[1]
        return super().to_internal_value(data)


class MemberExtensionsField(serializers.ListField):
    """Extension ids, in order. Reads the prefetched `memberships` (one query a page)."""

    child = ExtensionIdField()

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Ids of the tenant's extensions, in order.")
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return [member.extension_id for member in instance.memberships.all()] if instance.pk else []

    def to_representation(self, ids):
        return list(ids)


class WithMembersSerializer(PbxModelSerializer):
    """Base of serializers with a `members` list: checked against the object's tenant,
    replaced as a whole when sent, and shown in the change log."""

    member_model = None  # the through model, with `group`, `extension` and `position`

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "members" not in attrs and self.instance is not None and not self.partial:
            attrs["members"] = []  # PUT replaces the whole object
        members = attrs.get("members")
        if members is None:
            return attrs
        if len(set(members)) != len(members):
            raise serializers.ValidationError({"members": ["An extension appears twice."]})
        tenant = attrs.get("tenant") or self.instance.tenant
        found = set(Extension.objects.filter(tenant=tenant, pk__in=members).values_list("pk", flat=True))
        missing = [str(pk) for pk in members if pk not in found]
        if missing:
            raise serializers.ValidationError(
                {"members": [f"No extension {', '.join(missing)} in this tenant."]}
            )
        if self.instance is not None:
            _relations(self.instance)["members"] = self.fields["members"].get_attribute(self.instance)
        return attrs

    def save(self, **kwargs):
        members = self._validated_data.pop("members", None)
        group = super().save(**kwargs)
        if members is not None:
            self.member_model.objects.filter(group=group).delete()
            self.member_model.objects.bulk_create(
                [
                    self.member_model(group=group, extension_id=pk, position=position)
                    for position, pk in enumerate(members)
                ]
            )
            _relations(group)["members"] = list(members)
            # The prefetched members are stale now.
            getattr(group, "_prefetched_objects_cache", {}).pop("memberships", None)
        return group
