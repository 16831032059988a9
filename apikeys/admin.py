"""Admin of API keys: a new key is shown once, in the confirmation message."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction

from apikeys import roles
from apikeys.models import ApiKey
from pbx import changelog
from pbx.admin import RoleAwareAdmin, tenant_ids_of


@admin.register(ApiKey)
class ApiKeyAdmin(RoleAwareAdmin):
    """API keys. A tenant admin sees its own keys; the key itself is never shown again."""

    list_display = [
        "name",
        "prefix",
        "owner",
        "tenant",
        "read_only",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["read_only", "is_login_token", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "owner__username"]
    list_select_related = ["owner", "tenant"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at", "is_login_token"]
    autocomplete_fields = ["owner"]
    actions = ["revoke"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if tenant_ids_of(request.user) is None:
            return queryset
        return queryset.filter(owner=request.user)

    def in_scope(self, request, obj):
        return tenant_ids_of(request.user) is None or obj.owner_id == request.user.pk

    def get_readonly_fields(self, request, obj=None):
        fixed = ["owner", "tenant", "read_only", "expires_at"] if obj else []
        return [*self.readonly_fields, *fixed]

    def has_add_permission(self, request):
        return self._is_platform_admin(request)

    def has_delete_permission(self, request, obj=None):
        return False  # keys are revoked, not deleted, so that their history stays readable

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        fields = {f: form.cleaned_data.get(f) for f in ("name", "owner", "tenant", "read_only", "expires_at")}
        with changelog.change_context(actor=request.user, source="admin"):
            api_key, key = ApiKey.issue(allowed_ips=form.cleaned_data.get("allowed_ips") or [], **fields)
            changelog.record(api_key, changelog.CREATE)
        obj.pk = api_key.pk
        messages.warning(request, f"The new key is {key} — copy it now: it will not be shown again.")

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        keys = list(queryset.filter(revoked_at__isnull=True))
        with transaction.atomic(), changelog.change_context(actor=request.user, source="admin"):
            for api_key in keys:
                before = changelog.snapshot(api_key)
                api_key.revoke()
                changelog.record(api_key, changelog.UPDATE, before)
        self.message_user(request, f"Revoked {len(keys)} keys.")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PbxUserAdmin(RoleAwareAdmin, UserAdmin):
    """Users: platform admins only; roles are the admin_api, minor_admin_api, user_api groups.
    A tenant admin picks (an extension's or a device's user) among its tenants' members."""

    platform_only = True

    def pickable_queryset(self, request):
        tenant_ids = tenant_ids_of(request.user)
        if tenant_ids is None:
            return User.objects.all()
        return (
            User.objects.filter(is_active=True, memberships__tenant_id__in=tenant_ids)
            .exclude(is_superuser=True)
            .exclude(groups__name=roles.ADMIN)
            .distinct()
            .order_by("username")
        )
