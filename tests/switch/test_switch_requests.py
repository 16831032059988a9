"""Who may ask the switch's endpoints, and what a bad question gets: the switch's key
and a platform administrator's global key are answered; tenant keys and users' keys
are refused (403), a caller without credentials too (401); parameters are strict."""

import pytest

from cdrs.models import CallRecord
from tests.factories import ApiKeyFactory
from tests.switch.conftest import CARRIER_A

pytestmark = pytest.mark.django_db

DIAL = ("get", "/api/switch/dial/", {"domain": "acme.pbx.test", "caller": "alice", "number": "101"})
DID = ("get", "/api/switch/did/", {"number": "+15551234567", "source": CARRIER_A})
A_CALL = {
    "call_id": "c1",
    "tenant": "ACME",
    "direction": "internal",
    "start": 1_774_602_000,
    "end": 1_774_602_060,
    "code": 200,
}
CALLS = ("post", "/api/switch/calls/", A_CALL)
ENDPOINTS = pytest.mark.parametrize(
    ("method", "path", "params"), [DIAL, DID, CALLS], ids=["dial", "did", "calls"]
)


@pytest.fixture
def everything(alice, bob, carrier, acme_did):
    """A tenant, its extensions, DID and carrier: each endpoint has something to answer."""


@pytest.fixture
def admin_tenant_key(platform_admin, acme):
    return ApiKeyFactory(owner=platform_admin, tenant=acme, name="platform admin, ACME only")


def ask(client, method, path, params):
    if method == "get":
        return client.get(path, params)
    return client.post(path, params, format="json")


@ENDPOINTS
def test_the_switchs_key_is_answered(switch, everything, method, path, params):
    assert ask(switch, method, path, params).status_code in (200, 201)


@ENDPOINTS
def test_a_platform_administrators_global_key_is_answered(api, admin_key, everything, method, path, params):
    assert ask(api(admin_key), method, path, params).status_code in (200, 201)


@ENDPOINTS
@pytest.mark.parametrize("key_name", ["admin_tenant_key", "acme_key", "acme_user_key"])
def test_tenant_keys_and_users_keys_are_403(request, api, everything, method, path, params, key_name):
    response = ask(api(request.getfixturevalue(key_name)), method, path, params)
    assert (response.status_code, response.json()["error"]["code"]) == (403, "permission_denied")
    assert not CallRecord.objects.exists()


@ENDPOINTS
def test_no_credentials_is_401(anon, everything, method, path, params):
    response = ask(anon, method, path, params)
    assert (response.status_code, response.json()["error"]["code"]) == (401, "missing_api_key")


def test_a_read_only_key_may_ask_where_a_call_goes_but_not_store_one(api, admin_read_key, everything):
    assert api(admin_read_key).get(DID[1], DID[2]).status_code == 200
    response = api(admin_read_key).post(CALLS[1], CALLS[2], format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "read_only_key")


@pytest.mark.parametrize(("path", "params"), [DIAL[1:], DID[1:]], ids=["dial", "did"])
def test_an_unknown_parameter_is_unknown_parameter(switch, everything, path, params):
    response = switch.get(path, {**params, "numbr": "1"})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "unknown_parameter")
    assert "numbr" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("path", "params", "missing"),
    [
        (DIAL[1], DIAL[2], "domain"),
        (DIAL[1], DIAL[2], "caller"),
        (DIAL[1], DIAL[2], "number"),
        (DID[1], DID[2], "number"),
        (DID[1], DID[2], "source"),
    ],
)
def test_a_missing_parameter_is_a_validation_error_naming_it(switch, everything, path, params, missing):
    response = switch.get(path, {key: value for key, value in params.items() if key != missing})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "validation_error")
    assert missing in response.json()["error"]["fields"]


@pytest.mark.parametrize("source", ["carrier-a", "198.51.100.300", ""])
def test_a_source_that_is_no_ip_address_is_a_validation_error(switch, everything, source):
    response = switch.get(DID[1], {**DID[2], "source": source})
    assert "source" in response.json()["error"]["fields"]


@pytest.mark.parametrize("number", ["1" * 65, "10 1; drop", "<sip:101>"])
def test_a_dialed_number_no_phone_could_dial_is_a_validation_error(switch, everything, number):
    response = switch.get(DIAL[1], {**DIAL[2], "number": number})
    assert "number" in response.json()["error"]["fields"]


def test_an_ipv6_source_is_compared_as_an_address(switch, everything, carrier):
    carrier.host = "2001:db8::10"
    carrier.save()
    response = switch.get(DID[1], {**DID[2], "source": "2001:DB8:0::10"})
    assert response.json()["action"] == "reject" and response.json()["code"] == 480  # known: no destination
