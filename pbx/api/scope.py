"""What the caller of a request may reach: one `Scope`, resolved once per request.

Whatever the credential (API key, login token, HTTP Basic, admin session), the views
see the same object: the user, the role, the tenants within reach, whether the
credential is read-only, and whether secrets may be shown. Views never look at keys or
groups themselves.
"""

from dataclasses import dataclass, field
from functools import cached_property

from apikeys import roles
from pbx.api.exceptions import TenantNotFound
from pbx.api.uuids import as_uuid
from tenants.models import Membership, Tenant


@dataclass
class Scope:
    """The reach of one request's credentials."""

    user: object
    role: str | None
    key: object = None  # the ApiKey used, if any
    read_only: bool = False
    _tenant_cache: dict = field(default_factory=dict, repr=False)

    @property
    def is_admin(self):
        return self.role == roles.ADMIN

    @property
    def key_tenant_id(self):
        return self.key.tenant_id if self.key is not None else None

    @property
    def is_global(self):
        """True for a credential not bound to one tenant (session, Basic, global key)."""
        return self.key_tenant_id is None

    @property
    def all_tenants(self):
        """True when every tenant is within reach: a platform admin on a global credential."""
        return self.is_admin and self.is_global

    @property
    def may_see_secrets(self):
        """Secrets go to a full, global credential of a platform admin only (MiRTA PBX:
        tenant keys and read-only keys never see passwords)."""
        return self.all_tenants and not self.read_only

    @cached_property
    def tenant_ids(self):
        """The ids of the tenants within reach, or None for all of them."""
        if self.all_tenants:
            return None
        if self.key_tenant_id is not None:
            return frozenset([self.key_tenant_id])
        if self.role is None:
            return frozenset()
        return frozenset(Membership.objects.filter(user=self.user).values_list("tenant_id", flat=True))

    def reaches(self, tenant_id):
        return self.tenant_ids is None or tenant_id in self.tenant_ids

    def tenant(self, value):
        """The Tenant that `value` (code, id, UUID or name) names, if within reach; else 404.

        Out-of-reach and missing tenants answer the same, so codes cannot be probed.
        """
        value = str(value).strip()
        if value in self._tenant_cache:
            return self._tenant_cache[value]
        key_tenant = self.key.tenant if self.key_tenant_id is not None else None
        if key_tenant is not None and value.upper() in (
            key_tenant.code,
            str(key_tenant.pk),
            str(key_tenant.uuid).upper(),
        ):
            tenant = key_tenant  # no query: the key's tenant came with the key
        else:
            tenant = _find_tenant(value)
        if tenant is None or not self.reaches(tenant.pk):
            raise TenantNotFound(f"Tenant {value!r} not found.")
        self._tenant_cache[value] = tenant
        return tenant


def _find_tenant(value):
    if not value or len(value) > 200:
        return None
    if value.isascii() and value.isdigit() and len(value) < 19:  # "³" is a digit int() refuses
        return Tenant.objects.filter(pk=int(value)).first()
    if (uuid := as_uuid(value)) is not None:
        # FusionPBX's domain_uuid, DjangoPBX's domain_id.
        return Tenant.objects.filter(uuid=uuid).first()
    tenant = Tenant.objects.filter(code=value.upper()).first()
    if tenant is None:
        # MiRTA PBX allows the tenant's name too; only an unambiguous one counts.
        matches = list(Tenant.objects.filter(name=value)[:2])
        tenant = matches[0] if len(matches) == 1 else None
    return tenant


def scope_of(request):
    """The request's Scope, built once after authentication and cached on the request."""
    django_request = getattr(request, "_request", request)
    scope = getattr(django_request, "pbx_scope", None)
    if scope is None:
        key = getattr(request, "auth", None)
        key = key if hasattr(key, "prefix") else None
        user = request.user
        scope = Scope(
            user=user,
            role=roles.role_of(user),
            key=key,
            read_only=bool(key and key.read_only),
        )
        django_request.pbx_scope = scope
    return scope
