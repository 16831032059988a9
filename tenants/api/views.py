"""Tenants and resellers: platform objects, for admin_api on a global credential."""

from pbx.api.exceptions import InUse, TenantNotEmpty
from pbx.api.permissions import PlatformAdminOnly
from pbx.api.viewsets import PbxViewSet
from tenants.api.filters import ResellerFilterSet, TenantFilterSet
from tenants.api.serializers import ResellerSerializer, TenantSerializer
from tenants.models import Reseller, Tenant
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


class TenantViewSet(PbxViewSet):
    """Tenants. DELETE refuses a tenant that still owns objects unless `?cascade=true`."""

    queryset = Tenant.objects.all()
    serializer_class = TenantSerializer
    filterset_class = TenantFilterSet
    permission_classes = [PlatformAdminOnly]
    tenant_field = None
    search_fields = ["code", "name", "sip_domain"]
    ordering_fields = ["code", "name", "sip_domain", "created_at", "id"]

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
