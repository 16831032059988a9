"""kamailio_subscriber: the accounts Kamailio's auth_db checks a REGISTER against,
computed from the live extensions and tenants."""

import hashlib

import pytest
from django.db import connection

from extensions.models import Extension
from tests.factories import ExtensionFactory, TenantFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the view is made on PostgreSQL only, where Kamailio reads it",
    ),
]


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def subscribers(**where):
    """The view's rows as dicts, filtered by column = value."""
    sql = "SELECT * FROM kamailio_subscriber"
    if where:
        sql += " WHERE " + " AND ".join(f"{column} = %s" for column in where)
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY domain, username", list(where.values()))
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def accounts():
    return [(row["username"], row["domain"]) for row in subscribers()]


def test_the_view_has_the_columns_kamailio_and_pbx_read():
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM kamailio_subscriber LIMIT 0")
        columns = [column.name for column in cursor.description]
    assert set(columns) >= {
        "id", "username", "domain", "ha1", "ha1b", "max_contacts", "extension_id", "tenant_id"
    }  # fmt: skip
    assert "password" not in columns


def test_ha1_is_the_md5_of_username_realm_and_password(acme):
    extension = ExtensionFactory(tenant=acme, number="100", password="Sw0rdfish-long")
    [row] = subscribers(extension_id=extension.pk)
    assert row["ha1"] == md5("100:acme.pbx.test:Sw0rdfish-long")


def test_ha1b_is_the_md5_of_username_at_domain_realm_and_password(acme):
    extension = ExtensionFactory(tenant=acme, number="100", password="Sw0rdfish-long")
    [row] = subscribers(extension_id=extension.pk)
    assert row["ha1b"] == md5("100@acme.pbx.test:acme.pbx.test:Sw0rdfish-long")


def test_a_password_beyond_ascii_is_hashed_as_utf_8_as_a_phone_does(acme):
    extension = ExtensionFactory(tenant=acme, number="100", password="pässwörd-ünïcode")
    [row] = subscribers(extension_id=extension.pk)
    assert row["ha1"] == md5("100:acme.pbx.test:pässwörd-ünïcode")


def test_the_account_is_the_sip_username_at_the_tenant_s_domain(acme):
    extension = ExtensionFactory(tenant=acme, number="100", sip_username="reception-7")
    [row] = subscribers(extension_id=extension.pk)
    assert (row["username"], row["domain"], row["id"], row["tenant_id"]) == (
        "reception-7",
        "acme.pbx.test",
        extension.pk,
        acme.pk,
    )


def test_max_contacts_is_the_extension_s(acme):
    extension = ExtensionFactory(tenant=acme, number="100", max_contacts=3)
    [row] = subscribers(extension_id=extension.pk)
    assert row["max_contacts"] == 3


def test_a_password_changed_through_the_api_is_what_the_view_shows_at_once(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme, number="100", password="the-old-secret-1")
    response = api(acme_key).patch(f"/api/extensions/{extension.pk}/", {"password": "the-new-secret-2"})
    assert response.status_code == 200, response.json()
    [row] = subscribers(extension_id=extension.pk)
    assert row["ha1"] == md5("100:acme.pbx.test:the-new-secret-2")


def test_a_sip_username_changed_through_the_api_is_the_account_at_once(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme, number="100")
    response = api(acme_key).patch(f"/api/extensions/{extension.pk}/", {"sip_username": "front-desk"})
    assert response.status_code == 200, response.json()
    assert accounts() == [("front-desk", "acme.pbx.test")]


def test_a_disabled_extension_is_absent(acme):
    ExtensionFactory(tenant=acme, number="100", enabled=False)
    ExtensionFactory(tenant=acme, number="101")
    assert accounts() == [("101", "acme.pbx.test")]


def test_the_extensions_of_a_disabled_tenant_are_absent(acme, globex):
    ExtensionFactory(tenant=acme, number="100")
    ExtensionFactory(tenant=globex, number="100")
    globex.enabled = False
    globex.save()
    assert accounts() == [("100", "acme.pbx.test")]


@pytest.mark.parametrize("tech", [Extension.Tech.VIRTUAL, Extension.Tech.CUSTOM])
def test_an_extension_that_does_not_register_is_absent(acme, tech):
    ExtensionFactory(tenant=acme, number="100", tech=tech, password="")
    assert accounts() == []


@pytest.mark.parametrize("tech", [Extension.Tech.SIP, Extension.Tech.PJSIP])
def test_sip_and_pjsip_extensions_are_present(acme, tech):
    ExtensionFactory(tenant=acme, number="100", tech=tech)
    assert accounts() == [("100", "acme.pbx.test")]


def test_an_extension_without_a_password_is_absent(acme):
    extension = ExtensionFactory(tenant=acme, number="100")
    Extension.objects.filter(pk=extension.pk).update(password="")  # save() would make one
    assert accounts() == []


def test_an_account_is_found_under_its_own_tenant_s_domain_only(acme, globex):
    ExtensionFactory(tenant=acme, number="100")
    assert subscribers(username="100", domain="globex.pbx.test") == []
    assert len(subscribers(username="100", domain="acme.pbx.test")) == 1


def test_two_tenants_same_sip_username_are_two_accounts_each_with_its_domain_and_password(acme, globex):
    ExtensionFactory(tenant=acme, number="100", password="acme-secret-100")
    ExtensionFactory(tenant=globex, number="100", password="globex-secret-100")
    rows = subscribers(username="100")
    assert [(row["domain"], row["ha1"]) for row in rows] == [
        ("acme.pbx.test", md5("100:acme.pbx.test:acme-secret-100")),
        ("globex.pbx.test", md5("100:globex.pbx.test:globex-secret-100")),
    ]


def test_a_sip_domain_of_253_characters_is_an_account_domain(db):
    domain = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])
    assert len(domain) == 253
    tenant = TenantFactory(code="LONG", sip_domain=domain)
    ExtensionFactory(tenant=tenant, number="100", password="a-long-sip-secret")
    [row] = subscribers(domain=domain)
    assert row["ha1"] == md5(f"100:{domain}:a-long-sip-secret")
