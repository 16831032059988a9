"""The world of MiRTA PBX's documentation: its tenants TENANTCODE and CANISTRACCI, their
keys, and `curl(text)`, which runs a curl command of the documentation as written, with
only the host and the key changed."""

import re
import shlex
from urllib.parse import urlsplit

import pytest
from django.db import connection
from rest_framework.test import APIClient

from apikeys import roles
from tests.factories import ApiKeyFactory, TenantFactory, UserFactory

HOST = "https://pbx.example.com"
# The documentation's key placeholders: a tenant's full key, or a platform admin's
# global full key. The longest first, so that GLOBAL_APIKEY is not read as APIKEY.
TENANT_KEYS = ("TENANT_API_KEY", "APIKEY")
GLOBAL_KEYS = ("GLOBAL_API_KEY", "GLOBAL_APIKEY")


def bump_sequences(*models):
    """Objects made with the documentation's ids (extension 101, queue 12 ...) do not move
    PostgreSQL's sequences: move them past, so that the next object made gets a new id.
    (SQLite needs nothing: it numbers a new row past the largest id.)"""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                "GREATEST((SELECT COALESCE(MAX(id), 1) FROM " + connection.ops.quote_name(table) + "), "
                "nextval(pg_get_serial_sequence(%s, 'id'))))",
                [table, table],
            )


@pytest.fixture
def tenantcode(db):
    """The documentation's TENANTCODE; id 1, which its user example assigns."""
    tenant = TenantFactory(id=1, code="TENANTCODE", name="Tenant Name", sip_domain="tenantcode.pbx.test")
    bump_sequences(type(tenant))
    return tenant


@pytest.fixture
def canistracci(tenantcode):
    return TenantFactory(code="CANISTRACCI", name="Canistracci Srl", sip_domain="canistracci.pbx.test")


@pytest.fixture
def tenant_key(tenantcode):
    admin = UserFactory(username="tenantcode-admin", role=roles.MINOR_ADMIN, tenants=[tenantcode])
    return ApiKeyFactory(owner=admin, tenant=tenantcode, name="TENANTCODE key")


@pytest.fixture
def canistracci_key(canistracci):
    admin = UserFactory(username="canistracci-admin", role=roles.MINOR_ADMIN, tenants=[canistracci])
    return ApiKeyFactory(owner=admin, tenant=canistracci, name="CANISTRACCI key")


@pytest.fixture
def global_key(db):
    return ApiKeyFactory(owner=UserFactory(username="mirta-admin", role=roles.ADMIN), name="GLOBAL key")


def parse_curl(text):
    """(method, url, headers, body) of a curl command as the documentation prints it (lines
    continued with a backslash, sometimes flattened to `\\ ` on one line)."""
    words = shlex.split(re.sub(r"\\\s", " ", text))
    assert words[0] == "curl"
    method, url, headers, body = None, None, {}, None
    words = iter(words[1:])
    for word in words:
        if word == "-X":
            method = next(words)
        elif word == "-H":
            name, _, value = next(words).partition(":")
            headers[name.strip()] = value.strip()
        elif word in ("-d", "--data"):
            body = next(words)
        else:
            url = word
    return method or ("POST" if body is not None else "GET"), url, headers, body


@pytest.fixture
def curl(db):
    """curl(text, key) -> the response to the documentation's curl command `text`, sent to
    this pbx with the documentation's key placeholder replaced by `key` (an ApiKey)."""

    def run(text, key):
        method, url, headers, body = parse_curl(text)
        assert url.startswith(HOST), url
        placeholders = "|".join(GLOBAL_KEYS + TENANT_KEYS)
        swap = lambda value: re.sub(rf"\b({placeholders})\b", key.key, value)  # noqa: E731
        parts = urlsplit(swap(url))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        extra = {}
        for name, value in headers.items():
            if name.lower() != "content-type":
                extra["HTTP_" + name.upper().replace("-", "_")] = swap(value)
        content_type = headers.get("Content-Type", "application/x-www-form-urlencoded")
        return APIClient().generic(method, path, data=body or "", content_type=content_type, **extra)

    return run
