"""Global objects (docs/api.md): rows of a tenant-owned model with no tenant,
such as a platform-wide setting or tag, that every tenant reads and only the platform
writes.

- Lists show the caller's tenants' rows and the global ones; `?global=yes` shows only
  the global ones (and addresses only them in detail URLs); `?tenant=CODE` only that
  tenant's.
- `POST ...?global=yes` (or `"tenant": null` in the body, also per element of a bulk
  array) creates a global object.
- Creating, changing or deleting a global object needs a full global key of an
  admin_api user: anyone else gets 403 permission_denied (not 404: they can read it).

A resource opts in with two lines:

    class SettingViewSet(GlobalObjectsMixin, PbxViewSet):   # the mixin first
        ...

    class SettingSerializer(PbxModelSerializer):
        tenant = GlobalTenantField()                      # null = global

and a model whose tenant is nullable (pbx.models.GlobalOrTenantModel).
"""

from django.db.models import Q

from apikeys import roles
from pbx.api.exceptions import ApiError, PermissionDenied
from pbx.api.serializers import TenantField

TRUE = ("yes", "true", "1")
FALSE = ("no", "false", "0", "")


class _GlobalTenant:
    """What GlobalTenantField reads for `"tenant": null` in a new object: "make it global".

    A marker rather than None, because None also means "no tenant sent" (which then
    defaults to ?tenant= or the key's tenant), and in a bulk array each element may say
    something different. GlobalObjectsMixin.tenant_for_create turns it into None."""

    pk = None

    def __bool__(self):
        return False

    def __repr__(self):
        return "GLOBAL"


GLOBAL = _GlobalTenant()


class GlobalTenantField(TenantField):
    """A tenant that may be null: the object is global. Use with GlobalObjectsMixin."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("help_text", "Tenant code; null (or ?global=yes) for a global object.")
        super().__init__(**kwargs)

    def validate_empty_values(self, data):
        if data is None and getattr(self.parent, "instance", None) is None:
            return True, GLOBAL
        # On an update a null tenant is compared with the object's own (moving is refused).
        return super().validate_empty_values(data)


class GlobalObjectsMixin:
    """Mix into a PbxViewSet whose model's tenant is nullable, before PbxViewSet.

    It overrides the kernel's hooks only: `reach_filter` (global rows are in everyone's
    reach), `scope_queryset` (`?global=yes`), `tenant_for_create` (null tenant = global),
    `check_role_write` and `delete_object` (who may write global rows)."""

    def accepted_query_parameters(self):
        return super().accepted_query_parameters() | {"global"}

    def wants_global(self):
        """True when the request says `?global=yes`; 400 on a value that is neither."""
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
        """Only a full (not read-only) global key of an admin_api user writes global rows."""
        scope = self.scope
        return scope.role == roles.ADMIN and scope.is_global and not scope.read_only

    def refuse_global_write(self, verb):
        if not self.may_write_global():
            raise PermissionDenied(
                f"Only a platform administrator's full global key may {verb} global "
                f"{self.queryset.model._meta.verbose_name_plural}; "
                "your credential may read them and write its tenants' own."
            )

    def asks_for_global(self, data):
        """A creation that asks for a global object: `?global=yes` or `"tenant": null`."""
        sent_null = isinstance(data, dict) and "tenant" in data and data["tenant"] is None
        return sent_null or self.wants_global()

    def tenant_for_create(self, body_tenant):
        if body_tenant is GLOBAL or self.wants_global():
            if (body_tenant is not None and body_tenant is not GLOBAL) or self.request.query_params.get(
                "tenant"
            ):
                raise ApiError(
                    fields={"tenant": ["A global object has no tenant: drop ?tenant= or global=yes."]}
                )
            self.refuse_global_write("create")
            return None
        return super().tenant_for_create(body_tenant)

    def check_role_write(self, instance, data):
        # Refused before the body is validated, so that a caller who may not write global
        # objects hears 403, not a list of field errors it cannot act on.
        if instance is None and self.request.method == "POST" and self.asks_for_global(data):
            self.refuse_global_write("create")
        if instance is not None and getattr(instance, f"{self.tenant_field}_id") is None:
            self.refuse_global_write("change")
        super().check_role_write(instance, data)

    def delete_object(self, instance):
        if getattr(instance, f"{self.tenant_field}_id") is None:
            self.refuse_global_write("delete")
        super().delete_object(instance)
