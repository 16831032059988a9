"""Admin of tenants, resellers and memberships."""

from django.contrib import admin
from django.db.models import Count

from pbx.admin import RoleAwareAdmin, tenant_ids_of
from tenants.models import Membership, Reseller, Tenant


class MembershipInline(admin.TabularInline):
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
        "extension_count",
        "created_at",
    ]
    list_filter = ["enabled", "reseller"]
    search_fields = ["code", "name", "sip_domain"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("reseller")
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
