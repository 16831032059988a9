"""The tenants app's resources: platform objects (tenants, resellers, servers, user
profiles) for admin_api on a global credential, and each tenant's settings, variables,
departments, locations and tags."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.response import Response

from pbx.api.exceptions import InUse, MissingTenant, TenantNotEmpty
from pbx.api.global_objects import GlobalObjectsMixin
from pbx.api.permissions import PlatformAdminOnly
from pbx.api.viewsets import PbxViewSet
from tenants.api import filters
from tenants.api import serializers as tenant_serializers
from tenants.api.filters import ResellerFilterSet, TenantFilterSet
from tenants.api.serializers import ResellerSerializer, TenantSerializer
from tenants.models import (
    PRIVILEGES,
    Department,
    Location,
    Reseller,
    Server,
    Setting,
    Tag,
    Tenant,
    TenantVariable,
    UserProfile,
)
from tenants.services import tenant_contents


class ResellerViewSet(PbxViewSet):
    """Resellers of the platform."""

    queryset = Reseller.objects.all()
    serializer_class = ResellerSerializer
    filterset_class = ResellerFilterSet
    permission_classes = [PlatformAdminOnly]
    tenant_field = None
    search_fields = ["name", "contact_email"]
    ordering_fields = ["name", "created_at", "id"]

    def delete_object(self, instance):
        if instance.tenants.exists():
            raise InUse(
                f"Reseller {instance.name} still sells {instance.tenants.count()} tenants: "
                "move or delete them first."
            )
        super().delete_object(instance)


CASCADE = OpenApiParameter(
    "cascade", bool, description="Delete the tenant with every object it owns (else 409 `tenant_not_empty`)."
)


@extend_schema_view(
    destroy=extend_schema(parameters=[CASCADE]), bulk_destroy=extend_schema(parameters=[CASCADE])
)
class TenantViewSet(PbxViewSet):
    """Tenants. DELETE refuses a tenant that still owns objects unless `?cascade=true`."""

    queryset = Tenant.objects.all()
    serializer_class = TenantSerializer
    filterset_class = TenantFilterSet
    permission_classes = [PlatformAdminOnly]
    tenant_field = None
    query_parameters = ("cascade",)
    search_fields = ["code", "name", "sip_domain"]
    ordering_fields = ["code", "name", "sip_domain", "created_at", "id"]

    @extend_schema(parameters=[CASCADE])  # a bulk DELETE cascades alike
    def bulk_destroy(self, request, *args, **kwargs):
        return super().bulk_destroy(request, *args, **kwargs)

    def delete_object(self, tenant):
        contents = tenant_contents(tenant)
        cascade = self.request.query_params.get("cascade", "").lower() in ("true", "1", "yes")
        if contents and not cascade:
            listed = ", ".join(f"{count} {name}" for name, count in contents.items())
            raise TenantNotEmpty(
                f"Tenant {tenant.code} still owns {listed}: delete them first, or add ?cascade=true.",
                counts=contents,
            )
        super().delete_object(tenant)


class ServerViewSet(PbxViewSet):
    """Switch servers tenants are placed on. A server that still has tenants is not deleted."""

    queryset = Server.objects.all()
    serializer_class = tenant_serializers.ServerSerializer
    filterset_class = filters.ServerFilterSet
    permission_classes = [PlatformAdminOnly]
    tenant_field = None
    search_fields = ["name", "address", "description"]
    ordering_fields = ["name", "address", "role", "created_at", "id"]

    def delete_object(self, instance):
        count = instance.tenants.count()
        if count:
            codes = ", ".join(instance.tenants.values_list("code", flat=True)[:10])
            raise InUse(f"Server {instance.name} still hosts {count} tenants ({codes}): move them first.")
        super().delete_object(instance)


class UserProfileViewSet(PbxViewSet):
    """User profiles (platform objects). Reserved or assigned profiles are not deleted."""

    queryset = UserProfile.objects.all()
    serializer_class = tenant_serializers.UserProfileSerializer
    filterset_class = filters.UserProfileFilterSet
    permission_classes = [PlatformAdminOnly]
    tenant_field = None
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "id"]

    @extend_schema(responses=tenant_serializers.PrivilegeSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="privileges", pagination_class=None, filter_backends=[])
    def privileges(self, request):
        """The fixed catalogue of privileges a profile may grant: each name with the numeric
        id MiRTA PBX's clients send (`"privileges": [12, 18, 25]`)."""
        return Response([{"id": number, "name": name} for number, name in sorted(PRIVILEGES.items())])

    def delete_object(self, instance):
        if instance.reserved:
            raise InUse(f"User profile {instance.name} is reserved by the platform.")
        count = instance.assignments.count()
        if count:
            raise InUse(f"User profile {instance.name} is assigned to {count} users: reassign them first.")
        super().delete_object(instance)


class SettingViewSet(GlobalObjectsMixin, PbxViewSet):
    """Settings, global and per tenant; `effective/` merges them for one tenant."""

    queryset = Setting.objects.all()
    serializer_class = tenant_serializers.SettingSerializer
    filterset_class = filters.SettingFilterSet
    search_fields = ["code", "value", "description"]
    ordering_fields = ["code", "created_at", "updated_at", "id"]

    @extend_schema(
        responses=tenant_serializers.EffectiveSettingSerializer(many=True),
        parameters=[OpenApiParameter("tenant", str, description="Tenant code or id.")],
    )
    @action(detail=False, methods=["get"], url_path="effective", pagination_class=None, filter_backends=[])
    def effective(self, request):
        """The settings one tenant runs with: its own values over the global ones."""
        tenant = self._tenant_of_effective_view()
        merged = {}
        for setting in Setting.objects.filter(tenant__isnull=True):
            merged[setting.code] = {
                "code": setting.code,
                "value": setting.value,
                "source": "global",
                "setting_id": setting.pk,
            }
        for setting in Setting.objects.filter(tenant=tenant):
            merged[setting.code] = {
                "code": setting.code,
                "value": setting.value,
                "source": "tenant",
                "setting_id": setting.pk,
            }
        return Response([merged[code] for code in sorted(merged)])

    def _tenant_of_effective_view(self):
        param = self.request.query_params.get("tenant")
        tenant = self.scope.tenant(param) if param else self.implied_tenant()
        if tenant is None:
            raise MissingTenant("Name the tenant whose settings to merge: ?tenant=CODE.")
        return tenant


class TenantVariableViewSet(PbxViewSet):
    """A tenant's variables."""

    queryset = TenantVariable.objects.all()
    serializer_class = tenant_serializers.TenantVariableSerializer
    filterset_class = filters.TenantVariableFilterSet
    search_fields = ["name", "value", "description"]
    ordering_fields = ["name", "created_at", "updated_at", "id"]


class DepartmentViewSet(PbxViewSet):
    """A tenant's departments."""

    queryset = Department.objects.all()
    serializer_class = tenant_serializers.DepartmentSerializer
    filterset_class = filters.DepartmentFilterSet
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "updated_at", "id"]


class LocationViewSet(PbxViewSet):
    """A tenant's emergency locations."""

    queryset = Location.objects.all()
    serializer_class = tenant_serializers.LocationSerializer
    filterset_class = filters.LocationFilterSet
    search_fields = ["name", "address_line1", "city", "postal_code", "description"]
    ordering_fields = ["name", "city", "country", "created_at", "updated_at", "id"]


class TagViewSet(GlobalObjectsMixin, PbxViewSet):
    """Tags, a tenant's or global. Deleting a tag takes it off every object."""

    queryset = Tag.objects.all()
    serializer_class = tenant_serializers.TagSerializer
    filterset_class = filters.TagFilterSet
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "updated_at", "id"]
