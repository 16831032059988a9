"""IVRs, hunt lists (ring groups), queues and agents."""

from rest_framework import serializers

from extensions.api.members import ExtensionIdField
from extensions.models import Extension
from pbx.api.children import ChildRowsField, WithChildRowsSerializer
from pbx.api.filters import STRING_LOOKUPS, TIMESTAMP_FIELDS, PbxFilterSet
from pbx.api.references import ObjectIdField, check_ids
from pbx.api.serializers import DetailUrlField, NumberedSerializer, PbxModelSerializer, TenantField
from pbx.api.viewsets import NumberedViewSet, PbxViewSet
from routing.models import IVR, Agent, HuntList, HuntListMember, Queue, QueueMember


class IVRSerializer(PbxModelSerializer):
    """An IVR (voice menu). Its options are its destination slots: `IVR_1`, `IVR_TIMEOUT` ..."""

    url = DetailUrlField(view_name="ivr-detail")
    tenant = TenantField()

    class Meta:
        model = IVR
        fields = [
            "id",
            "url",
            "tenant",
            "name",
            "description",
            "greeting",
            "timeout",
            "retries",
            "direct_dial",
            "enabled",
            "created_at",
            "updated_at",
        ]
        validators = []
        unique_per_tenant = ["name"]
        aliases = {"iv_name": "name", "ivrname": "name"}


class IVRFilterSet(PbxFilterSet):
    class Meta:
        model = IVR
        fields = {"name": STRING_LOOKUPS, "direct_dial": ["exact"], "enabled": ["exact"], **TIMESTAMP_FIELDS}


class IVRViewSet(PbxViewSet):
    """IVRs of the caller's tenants; `IVR-<id>` as a destination."""

    queryset = IVR.objects.all()
    serializer_class = IVRSerializer
    filterset_class = IVRFilterSet
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "updated_at", "id"]


def tenant_of(serializer, attrs):
    return attrs.get("tenant") or serializer.instance.tenant


class HuntListMemberSerializer(serializers.ModelSerializer):
    """A member: `{"extension": 12}` (an extension's id, or `"EXT-12"`), `{"number":
    "+390212345678"}` (an outside number, or an extension's number: FusionPBX writes
    `{"number": "100"}`), with `delay` and `ring_time` in seconds."""

    extension = ExtensionIdField(required=False, allow_null=True, source="extension_id")
    input_names = ("destination_timeout", "destination_delay")  # FusionPBX's names

    class Meta:
        model = HuntListMember
        fields = ["extension", "number", "delay", "ring_time"]

    def to_internal_value(self, data):
        if isinstance(data, int | str) and not isinstance(data, bool):
            data = {"extension": data}  # a bare id or EXT-id, as in the HUNTLIST slot
        if isinstance(data, dict) and "destination_timeout" in data:
            data = {**data, "ring_time": data.pop("destination_timeout")}
        if isinstance(data, dict) and "destination_delay" in data:
            data = {**data, "delay": data.pop("destination_delay")}
        return super().to_internal_value(data)

    def validate(self, attrs):
        if bool(attrs.get("extension_id")) == bool(attrs.get("number")):
            raise serializers.ValidationError("Give either an extension or a number.")
        return attrs


class HuntListSerializer(WithChildRowsSerializer, NumberedSerializer):
    """A hunt list (ring group). `members` are rung by `strategy`; the `HUNTLIST` slot
    of MiRTA PBX and FusionPBX's `destinations` list are read as members too."""

    url = DetailUrlField(view_name="huntlist-detail")
    tenant = TenantField()
    members = ChildRowsField(HuntListMemberSerializer(), related_name="memberships")

    class Meta:
        model = HuntList
        fields = [
            "id",
            "url",
            "tenant",
            "number",
            "name",
            "strategy",
            "ring_time",
            "caller_id_prefix",
            "enabled",
            "members",
            "created_at",
            "updated_at",
        ]
        validators = []
        aliases = {
            "hu_number": "number",
            "hu_name": "name",
            "extension": "number",  # FusionPBX: the ring group's own number
            "ring_group_strategy": "strategy",
            "ring_group_name": "name",
            "ring_group_extension": "number",
        }

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = dict(data)
            slots = data.get("destinations")
            if isinstance(slots, list):  # FusionPBX: the ring group's destinations are its members
                data["members"] = data.pop("destinations")
            elif isinstance(slots, dict) and "HUNTLIST" in slots:
                slots = dict(slots)
                data["members"] = slots.pop("HUNTLIST")
                data["destinations"] = slots
        return super().to_internal_value(data)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        members = attrs.get("members")
        if not members:
            return attrs
        tenant = tenant_of(self, attrs)
        numbers = {m["number"] for m in members if m.get("number")}
        by_number = dict(
            Extension.objects.filter(tenant=tenant, number__in=numbers).values_list("number", "pk")
        )
        for member in members:
            # An extension's number means that extension (so its deletion is guarded).
            if member.get("number") in by_number:
                member["extension_id"], member["number"] = by_number[member["number"]], ""
        ids = [m["extension_id"] for m in members if m.get("extension_id")]
        check_ids(Extension, ids, tenant, "members", allow_global=False)
        return attrs

    def to_representation(self, hunt_list):
        data = super().to_representation(hunt_list)
        if "destinations" in data and "members" in data:
            # MiRTA PBX reads the members as the HUNTLIST slot.
            data["destinations"] = {
                "HUNTLIST": [
                    {"destination": f"EXT-{m['extension']}", "type": "EXT", "id": m["extension"]}
                    for m in data["members"]
                    if m["extension"]
                ],
                **data["destinations"],
            }
        return data


class HuntListFilterSet(PbxFilterSet):
    class Meta:
        model = HuntList
        fields = {
            "number": STRING_LOOKUPS,
            "name": STRING_LOOKUPS,
            "strategy": ["exact"],
            "enabled": ["exact"],
            **TIMESTAMP_FIELDS,
        }


class HuntListViewSet(NumberedViewSet):
    """Hunt lists (ring groups), also at `number/<number>/`; `HUNTLIST-<id>` as a destination."""

    queryset = HuntList.objects.prefetch_related("memberships")
    serializer_class = HuntListSerializer
    filterset_class = HuntListFilterSet
    search_fields = ["number", "name"]
    ordering_fields = ["number", "name", "strategy", "created_at", "updated_at", "id"]


class AgentSerializer(PbxModelSerializer):
    """An agent: logs into queues with `number` and `pin` (a secret)."""

    url = DetailUrlField(view_name="agent-detail")
    tenant = TenantField()
    extension = ObjectIdField(source="extension_id", required=False, allow_null=True)
    queues = serializers.SerializerMethodField(help_text="Ids of the queues the agent is a member of.")

    class Meta:
        model = Agent
        fields = [
            "id",
            "url",
            "tenant",
            "number",
            "name",
            "pin",
            "extension",
            "wrapup_time",
            "enabled",
            "queues",
            "created_at",
            "updated_at",
        ]
        validators = []
        unique_per_tenant = ["number"]
        secret_fields = ["pin"]
        aliases = {"ag_number": "number", "ag_name": "name", "password": "pin"}

    def get_queues(self, agent) -> list[int]:
        return sorted({m.queue_id for m in agent.queue_memberships.all()})

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs.get("extension_id") is not None:
            check_ids(
                Extension, [attrs["extension_id"]], tenant_of(self, attrs), "extension", allow_global=False
            )
        return attrs


class AgentFilterSet(PbxFilterSet):
    class Meta:
        model = Agent
        fields = {"number": STRING_LOOKUPS, "name": STRING_LOOKUPS, "enabled": ["exact"], **TIMESTAMP_FIELDS}


class AgentViewSet(PbxViewSet):
    """Queue agents of the caller's tenants."""

    queryset = Agent.objects.prefetch_related("queue_memberships")
    serializer_class = AgentSerializer
    filterset_class = AgentFilterSet
    search_fields = ["number", "name"]
    ordering_fields = ["number", "name", "created_at", "updated_at", "id"]


class QueueMemberSerializer(serializers.ModelSerializer):
    """A member: `{"extension": 12}`, `{"agent": 3}`, or MiRTA PBX's realtime row
    (`membername`, `interface`, `state_interface`, `member_device`), with `penalty` and
    `paused`."""

    extension = ExtensionIdField(required=False, allow_null=True, source="extension_id")
    agent = ObjectIdField(required=False, allow_null=True, source="agent_id")
    paused = serializers.BooleanField(required=False)
    input_names = ("membername", "member_device")  # Asterisk's realtime queue_member columns

    class Meta:
        model = QueueMember
        fields = ["extension", "agent", "name", "interface", "state_interface", "penalty", "paused"]

    def to_internal_value(self, data):
        device = None
        if isinstance(data, dict):
            data = dict(data)
            if "membername" in data:
                data.setdefault("name", data.pop("membername"))
            device = data.pop("member_device", None)
        attrs = super().to_internal_value(data)
        if device not in (None, ""):
            attrs["_device"] = str(device)  # an extension's number; the queue resolves it
        return attrs

    def validate(self, attrs):
        if not any(attrs.get(name) for name in ("extension_id", "agent_id", "interface", "_device", "name")):
            raise serializers.ValidationError("Give an extension, an agent or an interface.")
        return attrs


class QueueSerializer(WithChildRowsSerializer, NumberedSerializer):
    """A queue. MiRTA PBX's nested `queue` or `realtime` fields and its `members`,
    `queue_member` or `queue_members` are understood."""

    url = DetailUrlField(view_name="queue-detail")
    tenant = TenantField()
    members = ChildRowsField(QueueMemberSerializer(), related_name="memberships")

    class Meta:
        model = Queue
        fields = [
            "id",
            "url",
            "tenant",
            "number",
            "name",
            "strategy",
            "timeout",
            "retry",
            "max_wait_time",
            "max_callers",
            "wrapup_time",
            "weight",
            "join_empty",
            "leave_when_empty",
            "music_on_hold",
            "announce_position",
            "announce_hold_time",
            "announce_frequency",
            "periodic_announce_frequency",
            "enabled",
            "members",
            "created_at",
            "updated_at",
        ]
        validators = []
        aliases = {
            "qu_name": "name",
            "qu_number": "number",
            "queue_member": "members",
            "queue_members": "members",
            "maxlen": "max_callers",
            "wrapuptime": "wrapup_time",
            "musiconhold": "music_on_hold",
            "joinempty": "join_empty",
            "leavewhenempty": "leave_when_empty",
        }

    # Asterisk's realtime queue columns that MiRTA PBX nests under `queue` or `realtime`.
    REALTIME = {
        "strategy": "strategy",
        "timeout": "timeout",
        "retry": "retry",
        "maxlen": "max_callers",
        "wrapuptime": "wrapup_time",
        "weight": "weight",
        "musiconhold": "music_on_hold",
        "joinempty": "join_empty",
        "leavewhenempty": "leave_when_empty",
        "announce_frequency": "announce_frequency",
        "periodic_announce_frequency": "periodic_announce_frequency",
        "announce_holdtime": "announce_hold_time",
        "announce_position": "announce_position",
    }

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = dict(data)
            for key in ("queue", "realtime"):
                nested = data.pop(key, None)
                if isinstance(nested, dict):
                    for column, value in nested.items():
                        data.setdefault(self.REALTIME.get(column, column), value)
                elif nested is not None:
                    raise serializers.ValidationError({key: ["Send an object of queue fields."]})
        return super().to_internal_value(data)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        members = attrs.get("members")
        if not members:
            return attrs
        tenant = tenant_of(self, attrs)
        numbers = [member.pop("_device", None) or member.get("name") for member in members]
        by_number = dict(
            Extension.objects.filter(tenant=tenant, number__in=[n for n in numbers if n]).values_list(
                "number", "pk"
            )
        )
        for member, number in zip(members, numbers, strict=True):
            if not member.get("extension_id") and not member.get("agent_id") and number in by_number:
                member["extension_id"] = by_number[number]
            if not (member.get("extension_id") or member.get("agent_id") or member.get("interface")):
                raise serializers.ValidationError(
                    {
                        "members": [
                            f"Member {number}: no extension has that number; give an extension, agent or interface."
                        ]
                    }
                )
        check_ids(
            Extension,
            [m["extension_id"] for m in members if m.get("extension_id")],
            tenant,
            "members",
            allow_global=False,
        )
        check_ids(
            Agent,
            [m["agent_id"] for m in members if m.get("agent_id")],
            tenant,
            "members",
            allow_global=False,
        )
        return attrs


class QueueFilterSet(PbxFilterSet):
    class Meta:
        model = Queue
        fields = {
            "number": STRING_LOOKUPS,
            "name": STRING_LOOKUPS,
            "strategy": ["exact"],
            "enabled": ["exact"],
            **TIMESTAMP_FIELDS,
        }


class QueueViewSet(NumberedViewSet):
    """Queues, also at `number/<number>/`; `QUEUE-<id>` as a destination."""

    queryset = Queue.objects.prefetch_related("memberships")
    serializer_class = QueueSerializer
    filterset_class = QueueFilterSet
    search_fields = ["number", "name"]
    ordering_fields = ["number", "name", "strategy", "created_at", "updated_at", "id"]
