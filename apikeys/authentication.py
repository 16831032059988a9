"""The credential styles of DESIGN.md section 3, as DRF authentication classes.

Order matters: the API key class comes first, so a request with no credentials gets
its 401 with `WWW-Authenticate: Bearer`. An API key is resolved in one query: the key,
its owner, its tenant, the owner's strongest role and whether the owner still belongs
to the key's tenant.
"""

from django.conf import settings
from django.db.models import Exists, OuterRef
from rest_framework import authentication

from apikeys import roles
from apikeys.models import ApiKey, split_key
from pbx.api.clients import client_ip
from pbx.api.exceptions import ExpiredApiKey, InvalidApiKey, IpNotAllowed, PermissionDenied
from tenants.models import Membership

KEY_SCHEMES = ("bearer", "token")


def key_from_request(request):
    """The API key the request carries, from the first place that has one, or None."""
    if key := request.META.get("HTTP_X_API_KEY", "").strip():
        return key
    scheme, _, credential = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() in KEY_SCHEMES and credential.strip():
        return credential.strip()
    if settings.PBX_ALLOW_KEY_IN_QUERY and (key := request.GET.get("key", "").strip()):
        return key
    return None


def find_api_key(prefix):
    return (
        ApiKey.objects.select_related("owner", "tenant")
        .annotate(
            owner_role=roles.strongest_role_subquery("owner"),
            owner_in_tenant=Exists(
                Membership.objects.filter(user=OuterRef("owner"), tenant=OuterRef("tenant"))
            ),
        )
        .filter(prefix=prefix)
        .first()
    )


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`X-API-Key: K`, `Authorization: Bearer K`, `Authorization: Token K` or `?key=K`."""

    def authenticate(self, request):
        key = key_from_request(request)
        if key is None:
            return None
        prefix = split_key(key)
        api_key = find_api_key(prefix) if prefix else None
        # Unknown, wrong and revoked keys answer alike, so nothing can be learned by probing.
        if api_key is None or not api_key.matches(key) or api_key.is_revoked:
            raise InvalidApiKey()
        if not api_key.owner.is_active:
            raise InvalidApiKey()
        if api_key.is_expired:
            raise ExpiredApiKey()
        if not api_key.allows_ip(client_ip(request)):
            raise IpNotAllowed()
        owner = api_key.owner
        owner._pbx_role = roles.ADMIN if owner.is_superuser else api_key.owner_role
        if api_key.tenant_id and owner._pbx_role != roles.ADMIN and not api_key.owner_in_tenant:
            raise PermissionDenied("The owner of this API key no longer belongs to its tenant.")
        api_key.touch()
        return owner, api_key

    def authenticate_header(self, request):
        return 'Bearer realm="pbx"'


class BasicAuthentication(authentication.BasicAuthentication):
    """HTTP Basic with a username and password, for scripts."""

    www_authenticate_realm = "pbx"


class SessionAuthentication(authentication.SessionAuthentication):
    """The admin's session cookie, for the browsable API and /api/docs/ (CSRF enforced)."""
