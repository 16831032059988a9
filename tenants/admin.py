"""Admin of the tenants app: tenants, resellers, memberships, servers, user profiles,
and each tenant's settings, variables, departments, locations and tags."""

from django.contrib import admin
from django.db.models import Count

from pbx.admin import RoleAwareAdmin, TabularInline, TenantScopedAdmin, tenant_ids_of
from tenants.models import (
    Department,
    Location,
    Membership,
    Reseller,
    Server,
    Setting,
    Tag,
    Tenant,
    TenantVariable,
    UserProfile,
)


class MembershipInline(TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Tenant)
class TenantAdmin(RoleAwareAdmin):
    """Tenants: platform admins manage them; a tenant admin may view its own."""

    list_display = [
        "code",
        "name",
        "sip_domain",
        "enabled",
        "reseller",
        "server",
        "extension_count",
        "created_at",
    ]
    list_filter = ["enabled", "payment_type", "reseller", "server"]
    search_fields = ["code", "name", "sip_domain"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("reseller", "server")
            .annotate(extension_total=Count("extensions_extension_set", distinct=True))
        )
        tenant_ids = tenant_ids_of(request.user)
        return queryset if tenant_ids is None else queryset.filter(pk__in=tenant_ids)

    @admin.display(description="Extensions", ordering="extension_total")
    def extension_count(self, tenant):
        return tenant.extension_total

    def has_view_permission(self, request, obj=None):
        return self._is_platform_admin(request) or self._is_tenant_admin(request)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return self._is_platform_admin(request)

    def has_change_permission(self, request, obj=None):
        return self._is_platform_admin(request)

    def has_delete_permission(self, request, obj=None):
        return self._is_platform_admin(request)


@admin.register(Reseller)
class ResellerAdmin(RoleAwareAdmin):
    """Resellers: platform admins only."""

    platform_only = True
    list_display = ["name", "contact_email", "enabled", "created_at"]
    list_filter = ["enabled"]
    search_fields = ["name", "contact_email"]


@admin.register(Membership)
class MembershipAdmin(RoleAwareAdmin):
    """Who belongs to which tenant: platform admins only."""

    platform_only = True
    list_display = ["user", "tenant", "created_at"]
    list_filter = ["tenant"]
    search_fields = ["user__username", "tenant__code"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "tenant"]


@admin.register(Server)
class ServerAdmin(RoleAwareAdmin):
    """Switch servers (platform admins only)."""

    platform_only = True
    list_display = ["name", "address", "sip_port", "role", "enabled", "updated_at"]
    list_filter = ["role", "enabled"]
    search_fields = ["name", "address", "description"]


@admin.register(UserProfile)
class UserProfileAdmin(RoleAwareAdmin):
    """User profiles (platform admins only)."""

    platform_only = True
    list_display = ["name", "reserved", "description", "updated_at"]
    list_filter = ["reserved"]
    search_fields = ["name", "description"]


@admin.register(Setting)
class SettingAdmin(TenantScopedAdmin):
    """Settings; those without a tenant are global (platform admins only)."""

    list_display = ["code", "value", "tenant", "updated_at"]
    search_fields = ["code", "value", "description"]


@admin.register(TenantVariable)
class TenantVariableAdmin(TenantScopedAdmin):
    """A tenant's variables."""

    list_display = ["name", "value", "tenant", "updated_at"]
    search_fields = ["name", "value"]


@admin.register(Department)
class DepartmentAdmin(TenantScopedAdmin):
    """A tenant's departments."""

    list_display = ["name", "tenant", "description"]
    search_fields = ["name", "description"]


@admin.register(Location)
class LocationAdmin(TenantScopedAdmin):
    """A tenant's emergency locations."""

    list_display = ["name", "city", "country", "emergency_caller_id", "tenant"]
    list_filter = ["country"]
    search_fields = ["name", "address_line1", "city", "postal_code"]


@admin.register(Tag)
class TagAdmin(TenantScopedAdmin):
    """Tags; those without a tenant are global (platform admins only)."""

    list_display = ["name", "color", "tenant", "description"]
    search_fields = ["name", "description"]
