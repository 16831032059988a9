"""Who may call FusionPBX's door: a pbx key as `--user prefix:secret`, checked by pbx's
key authentication; a tenant key reaches through it no more than through /api/."""

import base64
import json

import pytest
from rest_framework.test import APIClient

from extensions.models import Extension
from tests.compat.fusionpbx.conftest import DOMAIN_UUID, URL
from tests.factories import CallRecordFactory, DIDFactory, ExtensionFactory

pytestmark = pytest.mark.django_db


def post_with_basic(user, password, body='{"action": "domain-details"}'):
    client = APIClient()
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    return client.generic("POST", URL, body, content_type="application/json")


def test_no_credentials_is_401_unauthorized(rest, example_domain):
    response = rest(None, {"action": "domain-details", "domain_uuid": DOMAIN_UUID})
    assert (response.status_code, response.json()) == (401, {"error": "unauthorized"})


def test_a_wrong_secret_is_401_unauthorized(acme_key, example_domain):
    prefix = acme_key.prefix
    response = post_with_basic(prefix, "x" * 43)
    assert (response.status_code, response.json()["error"]) == (401, "unauthorized")


def test_the_whole_key_as_password_is_taken_too(acme_key, example_domain):
    body = json.dumps({"action": "domain-details", "domain_uuid": DOMAIN_UUID})
    response = post_with_basic(acme_key.prefix, acme_key.key, body)
    assert response.status_code == 200, response.json()


def test_a_revoked_key_is_401(rest, acme_key, example_domain):
    from django.utils import timezone

    acme_key.revoked_at = timezone.now()
    acme_key.save()
    response = rest(acme_key, {"action": "domain-details", "domain_uuid": DOMAIN_UUID})
    assert response.status_code == 401


def test_other_methods_are_405(acme_key, example_domain):
    client = APIClient()
    assert client.get(URL).status_code in (401, 405)


def test_a_tenant_key_does_not_see_another_domain(rest, globex_key, example_domain):
    response = rest(globex_key, {"action": "domain-details", "domain_uuid": DOMAIN_UUID})
    assert (response.status_code, response.json()) == (404, {"error": "domain not found"})


def test_a_tenant_key_does_not_find_another_domain_by_name(rest, globex_key, example_domain):
    response = rest(globex_key, {"action": "domain-details", "domain_name": "fusionpbx.example.net"})
    assert (response.status_code, response.json()) == (404, {"error": "domain not found"})


def test_a_tenant_key_lists_no_extension_of_another_domain(rest, globex_key, example_domain):
    ExtensionFactory(tenant=example_domain, number="100")
    response = rest(globex_key, {"action": "extension-list", "domain_uuid": DOMAIN_UUID})
    assert response.status_code == 404


def test_a_tenant_key_creates_nothing_in_another_domain(rest, globex_key, example_domain):
    response = rest(
        globex_key, {"action": "extension-create", "domain_uuid": DOMAIN_UUID, "extension": "900"}
    )
    assert response.status_code == 404
    assert not Extension.objects.filter(number="900").exists()


def test_a_tenant_key_reads_no_extension_of_another_domain_by_uuid(rest, globex_key, globex, example_domain):
    theirs = ExtensionFactory(tenant=example_domain, number="100")
    body = {
        "action": "extension-details",
        "domain_uuid": str(globex.uuid),
        "extension_uuid": str(theirs.uuid),
    }
    response = rest(globex_key, body)
    assert (response.status_code, response.json()["error"]) == (404, "extension not found")


def test_a_tenant_key_finds_no_destination_of_another_domain(rest, globex_key, example_domain):
    DIDFactory(tenant=example_domain, number="+12065550100")
    response = rest(globex_key, {"action": "destination-details", "number": "+12065550100"})
    assert response.status_code == 404


def test_a_tenant_key_reads_no_call_of_another_domain(rest, globex_key, globex, example_domain):
    CallRecordFactory(tenant=example_domain)
    response = rest(globex_key, {"action": "cdr-list", "domain_uuid": str(globex.uuid)})
    assert (response.status_code, response.json()) == (200, [])


def test_a_read_only_key_reads(rest, acme_read_key, example_domain):
    response = rest(acme_read_key, {"action": "extension-list", "domain_uuid": DOMAIN_UUID})
    assert response.status_code == 200


def test_a_read_only_key_writes_nothing(rest, acme_read_key, example_domain):
    response = rest(
        acme_read_key, {"action": "extension-create", "domain_uuid": DOMAIN_UUID, "extension": "901"}
    )
    assert (response.status_code, response.json()["code"]) == (403, "read_only_key")
    assert not Extension.objects.filter(number="901").exists()
