"""Trunks (platform objects), outbound routes and routing profiles, and the `match/` tool
that tells which route and trunks a dialed number takes."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from extensions.api.serializers import CodecListField
from extensions.models import Extension
from pbx.api.children import ChildRowsField, IdRowsField, WithChildRowsSerializer, ids_of
from pbx.api.exceptions import ApiError
from pbx.api.filters import NUMBER_LOOKUPS, STRING_LOOKUPS, TIMESTAMP_FIELDS, PbxFilterSet
from pbx.api.global_objects import GlobalObjectsMixin, GlobalTenantField
from pbx.api.permissions import PlatformAdminOnly
from pbx.api.references import check_ids
from pbx.api.serializers import DetailUrlField, PbxModelSerializer, TenantField, _relations
from pbx.api.uuids import id_of
from pbx.api.viewsets import PbxViewSet
from routing import dialing
from routing.api.numbers import number_param
from routing.models import DialPattern, OutboundRoute, RoutingProfile, Trunk


class TrunkTenantsField(serializers.ListField):
    """The tenants a trunk serves, as codes (written as codes or ids)."""

    child = TenantField()

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Codes of the tenants whose routes may use the trunk.")
        super().__init__(**kwargs)

    def get_attribute(self, trunk):
        return [tenant.code for tenant in trunk.tenants.all()] if trunk.pk else []

    def to_representation(self, codes):
        return list(codes)


class TrunkSerializer(PbxModelSerializer):
    """A SIP trunk or gateway. `password` is a secret."""

    url = DetailUrlField(view_name="trunk-detail")
    codecs = CodecListField(required=False)
    tenants = TrunkTenantsField()

    class Meta:
        model = Trunk
        fields = [
            "id",
            "url",
            "name",
            "description",
            "host",
            "port",
            "transport",
            "username",
            "password",
            "register",
            "from_user",
            "from_domain",
            "codecs",
            "max_channels",
            "enabled",
            "tenants",
            "created_at",
            "updated_at",
        ]
        secret_fields = ["password"]
        # DjangoPBX's gateway names.
        aliases = {"gateway": "name", "proxy": "host", "realm": "from_domain"}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        register = attrs.get("register", getattr(self.instance, "register", False))
        username = attrs.get("username", getattr(self.instance, "username", ""))
        password = attrs.get("password", getattr(self.instance, "password", ""))
        if register and not (username and password):
            raise serializers.ValidationError(
                {"register": ["A registering trunk needs a username and a password."]}
            )
        if "tenants" not in attrs and self.instance is not None and not self.partial:
            attrs["tenants"] = []
        if "tenants" in attrs and self.instance is not None:
            _relations(self.instance)["tenants"] = sorted(t.code for t in self.instance.tenants.all())
        return attrs

    def save(self, **kwargs):
        tenants = self._validated_data.pop("tenants", None)
        trunk = super().save(**kwargs)
        if tenants is not None:
            trunk.tenants.set(tenants)
            getattr(trunk, "_prefetched_objects_cache", {}).pop("tenants", None)
            _relations(trunk)["tenants"] = sorted(t.code for t in tenants)
        return trunk


class TrunkFilterSet(PbxFilterSet):
    class Meta:
        model = Trunk
        fields = {
            "name": STRING_LOOKUPS,
            "host": STRING_LOOKUPS,
            "transport": ["exact"],
            "register": ["exact"],
            "enabled": ["exact"],
            **TIMESTAMP_FIELDS,
        }


class TrunkViewSet(PbxViewSet):
    """SIP trunks: platform objects, for admin_api on a global credential. A trunk that
    routes still use is not deleted (409 in_use) unless forced."""

    queryset = Trunk.objects.prefetch_related("tenants")
    serializer_class = TrunkSerializer
    filterset_class = TrunkFilterSet
    permission_classes = [PlatformAdminOnly]
    tenant_field = None
    search_fields = ["name", "host", "description"]
    ordering_fields = ["name", "host", "created_at", "updated_at", "id"]


class DialPatternSerializer(serializers.ModelSerializer):
    """One dial pattern: `match` in Asterisk notation (`_00X.`), then `strip` leading
    digits and `prepend` text."""

    class Meta:
        model = DialPattern
        fields = ["match", "strip", "prepend"]


class OutboundRouteSerializer(WithChildRowsSerializer, PbxModelSerializer):
    """An outbound route, global or a tenant's: dial patterns and trunks in failover order."""

    url = DetailUrlField(view_name="outboundroute-detail")
    tenant = GlobalTenantField()
    patterns = ChildRowsField(DialPatternSerializer(), related_name="patterns")
    trunks = IdRowsField(related_name="route_trunks", id_field="trunk")

    class Meta:
        model = OutboundRoute
        fields = [
            "id",
            "url",
            "tenant",
            "name",
            "description",
            "priority",
            "emergency",
            "enabled",
            "patterns",
            "trunks",
            "created_at",
            "updated_at",
        ]
        validators = []
        unique_per_tenant = ["name"]

    def to_internal_value(self, data):
        # DjangoPBX's outbound route: one `prefix` and one `gateway_id`.
        if isinstance(data, dict) and ("prefix" in data or "gateway_id" in data):
            data = dict(data)
            if "prefix" in data:
                prefix = str(data.pop("prefix"))
                data.setdefault("patterns", [{"match": f"{prefix}.", "strip": len(prefix)}])
            if "gateway_id" in data:
                # DjangoPBX names the gateway by its UUID; the id works too.
                try:
                    gateway = id_of(Trunk, data.pop("gateway_id"))
                except serializers.ValidationError as error:
                    raise serializers.ValidationError({"gateway_id": error.detail}) from None
                data.setdefault("trunks", [gateway])
        return super().to_internal_value(data)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "trunks" in attrs:
            tenant = attrs["tenant"] if "tenant" in attrs else getattr(self.instance, "tenant", None)
            wanted = ids_of(attrs["trunks"], "trunk")
            trunks = Trunk.objects.filter(pk__in=wanted)
            if tenant is not None:
                trunks = trunks.filter(tenants=tenant)
            found = set(trunks.values_list("pk", flat=True))
            missing = [str(pk) for pk in wanted if pk not in found]
            if missing:
                where = f"assigned to tenant {tenant.code}" if tenant is not None else "on the platform"
                raise serializers.ValidationError({"trunks": [f"No trunk {', '.join(missing)} {where}."]})
        return attrs


class OutboundRouteFilterSet(PbxFilterSet):
    class Meta:
        model = OutboundRoute
        fields = {
            "name": STRING_LOOKUPS,
            "priority": NUMBER_LOOKUPS,
            "emergency": ["exact"],
            "enabled": ["exact"],
            **TIMESTAMP_FIELDS,
        }


class MatchQuerySerializer(serializers.Serializer):
    number = serializers.RegexField(
        r"^\+?[0-9*#]{1,32}$",
        help_text="The number dialed.",
        error_messages={"invalid": "Use digits, * or #."},
    )
    extension = serializers.IntegerField(min_value=1, required=False, help_text="The dialing extension's id.")


class OutboundRouteViewSet(GlobalObjectsMixin, PbxViewSet):
    """Outbound routes: the platform's (global) and the tenants' own."""

    queryset = OutboundRoute.objects.prefetch_related("patterns", "route_trunks")
    serializer_class = OutboundRouteSerializer
    filterset_class = OutboundRouteFilterSet
    search_fields = ["name", "description"]
    ordering_fields = ["name", "priority", "created_at", "updated_at", "id"]

    @extend_schema(
        parameters=[
            OpenApiParameter("number", str, required=True, description="The number dialed."),
            OpenApiParameter("extension", int, description="The dialing extension's id."),
            OpenApiParameter("tenant", str, description="Without an extension: the tenant dialing."),
        ],
        responses=dialing.MatchSerializer,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="match",
        pagination_class=None,
        filter_backends=[],
        query_parameters=["number", "extension"],
    )
    def match(self, request):
        """Which route and trunks a dialed number takes for an extension (its routing
        profile, else its tenant's), and the number sent after strip and prepend.
        Emergency routes come first."""
        params = request.query_params.dict()
        if "number" in params:
            params["number"] = number_param(request, "number") or ""
        query = MatchQuerySerializer(data=params)
        query.is_valid(raise_exception=True)
        extension = tenant = None
        if "extension" in query.validated_data:
            extension = self._reachable_extension(query.validated_data["extension"])
            tenant = extension.tenant
        else:
            param = request.query_params.get("tenant")
            tenant = self.scope.tenant(param) if param else self.implied_tenant()
            if tenant is None:
                raise ApiError(fields={"extension": ["Name the dialing extension (or ?tenant=CODE)."]})
        answer = dialing.match(
            query.validated_data["number"],
            tenant=tenant,
            extension=extension,
            sees_platform=self.scope.all_tenants,  # who may read trunks (PlatformAdminOnly)
        )
        return Response(answer)

    def _reachable_extension(self, pk):
        extensions = Extension.objects.select_related("tenant", "routing_profile", "tenant__routing_profile")
        if self.scope.tenant_ids is not None:
            extensions = extensions.filter(tenant_id__in=self.scope.tenant_ids)
        extension = extensions.filter(pk=pk).first()
        if extension is None:
            raise ApiError(fields={"extension": [f"No extension {pk} in your tenants."]})
        return extension


class RoutingProfileSerializer(WithChildRowsSerializer, PbxModelSerializer):
    """A routing profile: global outbound routes in the order they are tried."""

    url = DetailUrlField(view_name="routingprofile-detail")
    routes = IdRowsField(related_name="profile_routes", id_field="route")

    class Meta:
        model = RoutingProfile
        fields = ["id", "url", "name", "description", "type", "routes", "created_at", "updated_at"]
        aliases = {"rp_name": "name", "rp_type": "type", "rp_description": "description"}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "routes" in attrs:
            # A profile serves many tenants: one tenant's own route would leak to the others.
            check_ids(OutboundRoute, ids_of(attrs["routes"], "route"), None, "routes")
        return attrs


class RoutingProfileFilterSet(PbxFilterSet):
    class Meta:
        model = RoutingProfile
        fields = {"name": STRING_LOOKUPS, "type": ["exact"], **TIMESTAMP_FIELDS}


class RoutingProfileViewSet(PbxViewSet):
    """Routing profiles: platform objects, for admin_api on a global credential (MiRTA
    PBX rejects tenant keys). One still assigned to tenants, extensions or DISAs is not
    deleted (409 in_use) unless forced."""

    queryset = RoutingProfile.objects.prefetch_related("profile_routes")
    permission_classes = [PlatformAdminOnly]
    tenant_field = None
    serializer_class = RoutingProfileSerializer
    filterset_class = RoutingProfileFilterSet
    search_fields = ["name", "description"]
    ordering_fields = ["name", "type", "created_at", "updated_at", "id"]
