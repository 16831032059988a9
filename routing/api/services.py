"""Custom destinations, feature codes, short numbers, DISA and the caller ID blacklist.
All but DISA may be global: everyone reads those, only the platform writes them."""

from rest_framework import serializers

from pbx.api.filters import STRING_LOOKUPS, TIMESTAMP_FIELDS, PbxFilterSet
from pbx.api.global_objects import GlobalObjectsMixin, GlobalTenantField
from pbx.api.references import ObjectIdField, check_ids
from pbx.api.serializers import DetailUrlField, PbxModelSerializer, TenantField
from pbx.api.viewsets import PbxViewSet
from pbx.models import DialplanNumber
from routing.models import (
    DISA,
    CallerIdBlacklist,
    CustomDestination,
    FeatureCode,
    RoutingProfile,
    ShortNumber,
    strip_separators,
)


class CustomDestinationSerializer(PbxModelSerializer):
    """A custom destination: a dial string the switch runs (`CUSTOM-<id>`)."""

    url = DetailUrlField(view_name="customdestination-detail")
    tenant = GlobalTenantField()

    class Meta:
        model = CustomDestination
        fields = ["id", "url", "tenant", "name", "description", "dial_string", "created_at", "updated_at"]
        validators = []
        unique_per_tenant = ["name"]
        aliases = {"cu_name": "name", "cu_destination": "dial_string", "destination": "dial_string"}


class CustomDestinationFilterSet(PbxFilterSet):
    class Meta:
        model = CustomDestination
        fields = {"name": STRING_LOOKUPS, "dial_string": STRING_LOOKUPS, **TIMESTAMP_FIELDS}


class CustomDestinationViewSet(GlobalObjectsMixin, PbxViewSet):
    """Custom destinations, global and per tenant."""

    queryset = CustomDestination.objects.all()
    serializer_class = CustomDestinationSerializer
    filterset_class = CustomDestinationFilterSet
    search_fields = ["name", "description", "dial_string"]
    ordering_fields = ["name", "created_at", "updated_at", "id"]


class FeatureCodeSerializer(PbxModelSerializer):
    """A feature code (`*56`); a tenant's overrides the global one of the same code."""

    url = DetailUrlField(view_name="featurecode-detail")
    tenant = GlobalTenantField()

    class Meta:
        model = FeatureCode
        fields = ["id", "url", "tenant", "code", "name", "feature", "enabled", "created_at", "updated_at"]
        validators = []
        unique_per_tenant = ["code"]
        aliases = {"fe_code": "code", "comment": "name", "fe_comment": "name"}


class FeatureCodeFilterSet(PbxFilterSet):
    class Meta:
        model = FeatureCode
        fields = {"code": STRING_LOOKUPS, "feature": ["exact"], "enabled": ["exact"], **TIMESTAMP_FIELDS}


class FeatureCodeViewSet(GlobalObjectsMixin, PbxViewSet):
    """Feature codes, global and per tenant."""

    queryset = FeatureCode.objects.all()
    serializer_class = FeatureCodeSerializer
    filterset_class = FeatureCodeFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "created_at", "updated_at", "id"]


class ShortNumberSerializer(PbxModelSerializer):
    """A short number that dials `dial`; a tenant's may not shadow one of its extensions,
    hunt lists, queues ... (the dial plan decides which number is whose)."""

    url = DetailUrlField(view_name="shortnumber-detail")
    tenant = GlobalTenantField()

    class Meta:
        model = ShortNumber
        fields = [
            "id",
            "url",
            "tenant",
            "number",
            "dial",
            "description",
            "enabled",
            "created_at",
            "updated_at",
        ]
        validators = []
        unique_per_tenant = ["number"]
        aliases = {"sn_number": "number", "sn_dial": "dial", "destination": "dial"}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        tenant = attrs["tenant"] if "tenant" in attrs else getattr(self.instance, "tenant", None)
        number = attrs.get("number")
        if tenant is not None and number:
            holder = DialplanNumber.holder_of(tenant.pk, number)
            if holder is not None:
                raise serializers.ValidationError(
                    {"number": [f"Number {number} is already used by {holder.label}."]}
                )
        return attrs


class ShortNumberFilterSet(PbxFilterSet):
    class Meta:
        model = ShortNumber
        fields = {"number": STRING_LOOKUPS, "dial": STRING_LOOKUPS, "enabled": ["exact"], **TIMESTAMP_FIELDS}


class ShortNumberViewSet(GlobalObjectsMixin, PbxViewSet):
    """Short numbers, global and per tenant."""

    queryset = ShortNumber.objects.all()
    serializer_class = ShortNumberSerializer
    filterset_class = ShortNumberFilterSet
    search_fields = ["number", "dial", "description"]
    ordering_fields = ["number", "created_at", "updated_at", "id"]


class DISASerializer(PbxModelSerializer):
    """A DISA: `pin` is a secret; calls dial out with `caller_id_*` by `routing_profile`."""

    url = DetailUrlField(view_name="disa-detail")
    tenant = TenantField()
    routing_profile = ObjectIdField(source="routing_profile_id", required=False, allow_null=True)

    class Meta:
        model = DISA
        fields = [
            "id",
            "url",
            "tenant",
            "name",
            "description",
            "pin",
            "caller_id_name",
            "caller_id_number",
            "routing_profile",
            "enabled",
            "created_at",
            "updated_at",
        ]
        validators = []
        unique_per_tenant = ["name"]
        secret_fields = ["pin"]
        aliases = {"ds_name": "name", "password": "pin", "callerid": "caller_id_number"}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs.get("routing_profile_id") is not None:
            tenant = attrs.get("tenant") or self.instance.tenant
            check_ids(RoutingProfile, [attrs["routing_profile_id"]], tenant, "routing_profile")
        return attrs


class DISAFilterSet(PbxFilterSet):
    class Meta:
        model = DISA
        fields = {"name": STRING_LOOKUPS, "enabled": ["exact"], **TIMESTAMP_FIELDS}


class DISAViewSet(PbxViewSet):
    """DISAs of the caller's tenants; `DISA-<id>` as a destination."""

    queryset = DISA.objects.all()
    serializer_class = DISASerializer
    filterset_class = DISAFilterSet
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "updated_at", "id"]


class CallerIdBlacklistSerializer(PbxModelSerializer):
    """A blacklisted caller ID: a number, or a prefix written with a final `*`."""

    url = DetailUrlField(view_name="calleridblacklist-detail")
    tenant = GlobalTenantField()
    caller_id = serializers.CharField(max_length=34, help_text="+390212345678, or 39021* for a prefix.")

    class Meta:
        model = CallerIdBlacklist
        fields = ["id", "url", "tenant", "caller_id", "description", "enabled", "created_at", "updated_at"]
        validators = []
        unique_per_tenant = ["caller_id"]
        aliases = {"callerid": "caller_id", "bl_callerid": "caller_id", "bl_comment": "description"}

    def validate_caller_id(self, value):
        value = strip_separators(value.strip())
        for validator in CallerIdBlacklist._meta.get_field("caller_id").validators:
            validator(value)
        return value


class CallerIdBlacklistFilterSet(PbxFilterSet):
    class Meta:
        model = CallerIdBlacklist
        fields = {"caller_id": STRING_LOOKUPS, "enabled": ["exact"], **TIMESTAMP_FIELDS}


class CallerIdBlacklistViewSet(GlobalObjectsMixin, PbxViewSet):
    """The caller ID blacklist, global and per tenant."""

    queryset = CallerIdBlacklist.objects.all()
    serializer_class = CallerIdBlacklistSerializer
    filterset_class = CallerIdBlacklistFilterSet
    search_fields = ["caller_id", "description"]
    ordering_fields = ["caller_id", "created_at", "updated_at", "id"]
