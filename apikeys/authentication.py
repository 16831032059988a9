"""The credential styles of docs/api.md, as DRF authentication classes.

Order matters: the API key class comes first, so a request with no credentials gets
its 401 with `WWW-Authenticate: Bearer`. An API key is resolved in one query: the key,
its owner, its tenant, the owner's strongest role and whether the owner still belongs
to the key's tenant.
"""

import base64
import binascii
import functools

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from rest_framework import authentication

from apikeys import roles
from apikeys.models import ApiKey, split_key
from pbx.api.clients import client_ip
from pbx.api.exceptions import ExpiredApiKey, InvalidApiKey, IpNotAllowed, PermissionDenied
from tenants.models import Membership, Tenant

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


@functools.cache
def _lookup_sql():
    """The key, its owner, its tenant, the owner's strongest role and whether the owner
    belongs to the key's tenant, in one statement. Written once as SQL because building
    the same query through the ORM cost several milliseconds on every request."""
    quote = connection.ops.quote_name
    User = get_user_model()
    groups = User.groups.through._meta.db_table
    rank = " ".join(f"WHEN '{role}' THEN {i}" for i, role in enumerate(roles.ROLES))
    names = ", ".join(f"'{role}'" for role in roles.ROLES)

    def columns(model, alias):
        return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)

    return (
        f"SELECT {columns(ApiKey, 'k')}, {columns(User, 'u')}, {columns(Tenant, 't')}, "
        f"(SELECT g.name FROM {quote(Group._meta.db_table)} g JOIN {quote(groups)} ug ON ug.group_id = g.id "
        f"WHERE ug.user_id = k.owner_id AND g.name IN ({names}) ORDER BY CASE g.name {rank} END LIMIT 1), "
        f"EXISTS (SELECT 1 FROM {quote(Membership._meta.db_table)} m "
        f"WHERE m.user_id = k.owner_id AND m.tenant_id = k.tenant_id) "
        f"FROM {quote(ApiKey._meta.db_table)} k "
        f"JOIN {quote(User._meta.db_table)} u ON u.id = k.owner_id "
        f"LEFT JOIN {quote(Tenant._meta.db_table)} t ON t.id = k.tenant_id "
        f"WHERE k.prefix = %s"
    )


def _from_db(field, value):
    """A column's value as the ORM would give it (JSON parsed, SQLite datetimes made
    aware ...): the converters the query compiler applies."""
    column = field.cached_col
    for convert in connection.ops.get_db_converters(column) + field.get_db_converters(connection):
        value = convert(value, column, connection)
    return value


def find_api_key(prefix):
    """The ApiKey with this prefix, its owner and tenant loaded, and `owner_role` and
    `owner_in_tenant` set; or None."""
    with connection.cursor() as cursor:
        cursor.execute(_lookup_sql(), [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    values, objects = list(row), []
    for model in (ApiKey, get_user_model(), Tenant):
        fields = model._meta.concrete_fields
        chunk, values = values[: len(fields)], values[len(fields) :]
        if chunk[0] is None:
            objects.append(None)  # no tenant: a global key
            continue
        chunk = [_from_db(field, value) for field, value in zip(fields, chunk, strict=True)]
        objects.append(model.from_db(connection.alias, [f.attname for f in fields], chunk))
    api_key, owner, tenant = objects
    api_key._state.fields_cache["owner"] = owner
    api_key._state.fields_cache["tenant"] = tenant
    api_key.owner_role, api_key.owner_in_tenant = values[0], bool(values[1])
    return api_key


def basic_credentials(request):
    """(user name, password) of the request's HTTP Basic credentials; None without them
    or when they cannot be decoded."""
    scheme, _, credential = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        username, _, password = base64.b64decode(credential.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return username, password


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`X-API-Key: K`, `Authorization: Bearer K`, `Authorization: Token K` or `?key=K`."""

    def authenticate(self, request):
        key = key_from_request(request)
        if key is None:
            return None
        return self.check(request, key)

    def check(self, request, key):
        """(owner, ApiKey) for `key`, or the error that refuses it."""
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


class BasicApiKeyAuthentication(ApiKeyAuthentication):
    """HTTP Basic whose password is an API key and whose username is the key owner's:
    for a switch that can send only a user and a password (FreeSWITCH's mod_xml_curl
    `gateway-credentials`). A Basic password that is no API key is left to
    BasicAuthentication."""

    def authenticate(self, request):
        credentials = basic_credentials(request)
        if credentials is None:
            return None  # BasicAuthentication refuses an undecodable one with its own message
        username, key = credentials
        if split_key(key) is None:
            return None
        owner, api_key = self.check(request, key)
        if owner.get_username() != username:
            raise InvalidApiKey()
        return owner, api_key


class BasicAuthentication(authentication.BasicAuthentication):
    """HTTP Basic with a username and password, for scripts."""

    www_authenticate_realm = "pbx"


class SessionAuthentication(authentication.SessionAuthentication):
    """The admin's session cookie, for the browsable API and /api/docs/ (CSRF enforced)."""
