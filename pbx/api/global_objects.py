"""Global objects (DESIGN.md section 2): rows of a tenant-owned model with no tenant,
such as a platform-wide setting or tag, that every tenant reads and only the platform
writes.

- Lists show the caller's tenants' rows and the global ones; `?global=yes` shows only
  the global ones; `?tenant=CODE` only that tenant's.
- `POST ...?global=yes` (or `"tenant": null` in the body) creates a global object.
- Creating, changing or deleting a global object needs a full global key of an
  admin_api user: anyone else gets 403 permission_denied (not 404: they can read it).
"""

from django.db.models import Q

from apikeys import roles
from pbx.api.exceptions import ApiError, PermissionDenied
from pbx.api.serializers import TenantField

TRUE = ("yes", "true", "1")
FALSE = ("no", "false", "0", "")


class GlobalTenantField(TenantField):
    """A tenant that may be null: the object is global."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("help_text", "Tenant code; null (or ?global=yes) for a global object.")
        super().__init__(**kwargs)


class GlobalObjectsMixin:
    """Mix into a PbxViewSet whose model's tenant is nullable, before PbxViewSet."""

    def wants_global(self):
        value = self.request.query_params.get("global", "").lower()
        if value not in TRUE + FALSE:
            raise ApiError(f"global={value!r}: use yes or no.")
        return value in TRUE

    def reach_filter(self):
        reach = super().reach_filter()
        return None if reach is None else reach | Q(**{f"{self.tenant_field}__isnull": True})

    def scope_queryset(self, queryset):
        if self.wants_global():
            queryset = queryset.filter(**{f"{self.tenant_field}__isnull": True})
        return super().scope_queryset(queryset)

    def may_write_global(self):
        scope = self.scope
        return scope.role == roles.ADMIN and scope.is_global and not scope.read_only

    def refuse_global_write(self, verb):
        if not self.may_write_global():
            raise PermissionDenied(
                f"Only a platform administrator's full global key may {verb} global "
                f"{self.queryset.model._meta.verbose_name_plural}."
            )

    def tenant_for_create(self, body_tenant):
        sent_null = isinstance(self.request.data, dict) and "tenant" in self.request.data
        sent_null = sent_null and self.request.data["tenant"] is None
        if self.wants_global() or (sent_null and body_tenant is None):
            if body_tenant is not None or self.request.query_params.get("tenant"):
                raise ApiError(
                    fields={"tenant": ["A global object has no tenant: drop ?tenant= or global=yes."]}
                )
            self.refuse_global_write("create")
            return None
        return super().tenant_for_create(body_tenant)

    def check_role_write(self, instance, data):
        if instance is not None and getattr(instance, f"{self.tenant_field}_id") is None:
            self.refuse_global_write("change")
        super().check_role_write(instance, data)

    def delete_object(self, instance):
        if getattr(instance, f"{self.tenant_field}_id") is None:
            self.refuse_global_write("delete")
        super().delete_object(instance)
