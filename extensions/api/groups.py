"""Pickup and call groups, paging groups and conference rooms."""

from rest_framework import serializers

from extensions.api.members import MemberExtensionsField, WithMembersSerializer
from extensions.models import ConferenceRoom, PagingGroup, PagingGroupMember, PickupGroup, PickupGroupMember
from pbx.api.filters import STRING_LOOKUPS, TIMESTAMP_FIELDS, PbxFilterSet
from pbx.api.serializers import DetailUrlField, NumberedSerializer, TenantField
from pbx.api.viewsets import NumberedViewSet, PbxViewSet


class PickupGroupSerializer(WithMembersSerializer):
    """A pickup group (members answer each other's calls) or call group (`kind`)."""

    url = DetailUrlField(view_name="pickupgroup-detail")
    tenant = TenantField()
    members = MemberExtensionsField()
    member_model = PickupGroupMember

    class Meta:
        model = PickupGroup
        fields = ["id", "url", "tenant", "name", "kind", "description", "members", "created_at", "updated_at"]
        validators = []
        unique_per_tenant = ["name"]
        aliases = {"pickupgroup": "name", "callgroup": "name"}


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
        aliases = {"pa_number": "number", "pa_name": "name"}


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
        aliases = {"cr_number": "number", "cr_name": "name"}

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
