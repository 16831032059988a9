"""Pickup and call groups, paging groups and conference rooms."""

from rest_framework import serializers

from extensions.api.members import MemberExtensionsField, WithMembersSerializer
from extensions.models import ConferenceRoom, PagingGroup, PagingGroupMember, PickupGroup, PickupGroupMember
from pbx.api.filters import STRING_LOOKUPS, TIMESTAMP_FIELDS, PbxFilterSet
from pbx.api.serializers import DetailUrlField, NumberedSerializer, TenantField
from pbx.api.viewsets import NumberedViewSet, PbxViewSet


class PickupGroupSerializer(WithMembersSerializer):
    """A pickup group or a call group (`kind`): members of pickup group `sales` may answer
    the ringing calls of the members of call group `sales`."""

    url = DetailUrlField(view_name="pickupgroup-detail")
    tenant = TenantField()
    members = MemberExtensionsField()
    member_model = PickupGroupMember

    class Meta:
        model = PickupGroup
        fields = ["id", "url", "tenant", "name", "kind", "description", "members", "created_at", "updated_at"]
        validators = []

    def validate(self, attrs):
        attrs = super().validate(attrs)
        group = self.instance
        tenant = attrs.get("tenant") or group.tenant
        name = attrs.get("name", getattr(group, "name", None))
        default_kind = group.kind if group is not None and self.partial else PickupGroup.Kind.PICKUP
        kind = attrs.get("kind", default_kind)
        taken = PickupGroup.objects.filter(tenant=tenant, kind=kind, name=name)
        if group is not None:
            taken = taken.exclude(pk=group.pk)
        if taken.exists():
            raise serializers.ValidationError(
                {"name": [f"Tenant {tenant.code} already has a {kind} group named {name}."]}
            )
        return attrs


class PickupGroupFilterSet(PbxFilterSet):
    class Meta:
        model = PickupGroup
        fields = {"name": STRING_LOOKUPS, "kind": ["exact"], **TIMESTAMP_FIELDS}


class PickupGroupViewSet(PbxViewSet):
    """Pickup and call groups of the caller's tenants."""

    queryset = PickupGroup.objects.prefetch_related("memberships")
    serializer_class = PickupGroupSerializer
    filterset_class = PickupGroupFilterSet
    search_fields = ["name", "description"]
    ordering_fields = ["name", "kind", "created_at", "updated_at", "id"]


class PagingGroupSerializer(WithMembersSerializer, NumberedSerializer):
    """A paging group: its number pages its member extensions."""

    url = DetailUrlField(view_name="paginggroup-detail")
    tenant = TenantField()
    members = MemberExtensionsField()
    member_model = PagingGroupMember

    class Meta:
        model = PagingGroup
        fields = ["id", "url", "tenant", "number", "name", "duplex", "members", "created_at", "updated_at"]
        validators = []
        # MiRTA PBX names, and its PAGING slot, whose plain numbers are the members' ids.
        aliases = {"pa_number": "number", "pa_name": "name", "destinations.PAGING": "members"}


class PagingGroupFilterSet(PbxFilterSet):
    class Meta:
        model = PagingGroup
        fields = {"number": STRING_LOOKUPS, "name": STRING_LOOKUPS, "duplex": ["exact"], **TIMESTAMP_FIELDS}


class PagingGroupViewSet(NumberedViewSet):
    """Paging groups, also at `number/<number>/`."""

    queryset = PagingGroup.objects.prefetch_related("memberships")
    serializer_class = PagingGroupSerializer
    filterset_class = PagingGroupFilterSet
    search_fields = ["number", "name"]
    ordering_fields = ["number", "name", "created_at", "updated_at", "id"]


class ConferenceRoomSerializer(NumberedSerializer):
    """A conference room. `pin` and `admin_pin` are secrets."""

    url = DetailUrlField(view_name="conferenceroom-detail")
    tenant = TenantField()

    class Meta:
        model = ConferenceRoom
        fields = [
            "id",
            "url",
            "tenant",
            "number",
            "name",
            "pin",
            "admin_pin",
            "max_users",
            "record",
            "enabled",
            "created_at",
            "updated_at",
        ]
        validators = []
        secret_fields = ["pin", "admin_pin"]
        # MiRTA PBX names (its create example sends `adminpin` and `maxusers`).
        aliases = {
            "cr_number": "number",
            "cr_name": "name",
            "adminpin": "admin_pin",
            "maxusers": "max_users",
            "cr_pin": "pin",
            "cr_adminpin": "admin_pin",
            "cr_maxusers": "max_users",
        }

    def validate(self, attrs):
        attrs = super().validate(attrs)
        pin = attrs.get("pin", getattr(self.instance, "pin", ""))
        admin_pin = attrs.get("admin_pin", getattr(self.instance, "admin_pin", ""))
        if pin and pin == admin_pin:
            raise serializers.ValidationError({"admin_pin": ["Use a different PIN for the administrator."]})
        return attrs


class ConferenceRoomFilterSet(PbxFilterSet):
    class Meta:
        model = ConferenceRoom
        fields = {
            "number": STRING_LOOKUPS,
            "name": STRING_LOOKUPS,
            "record": ["exact"],
            "enabled": ["exact"],
            **TIMESTAMP_FIELDS,
        }


class ConferenceRoomViewSet(NumberedViewSet):
    """Conference rooms, also at `number/<number>/`."""

    queryset = ConferenceRoom.objects.all()
    serializer_class = ConferenceRoomSerializer
    filterset_class = ConferenceRoomFilterSet
    search_fields = ["number", "name"]
    ordering_fields = ["number", "name", "created_at", "updated_at", "id"]
