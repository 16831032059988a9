"""Every route and method refuses a caller without valid credentials (docs/api.md);
OPTIONS is a CORS preflight answered without them; every credential style works."""

import base64

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tests.api.routes import ROUTES, route_methods, routes_where
from tests.api.support import assert_error

EVERY_ROUTE_AND_METHOD = route_methods()
A_WELL_FORMED_UNKNOWN_KEY = "pbx_aaaaaaaaaa_" + "b" * 43


def call(client, route, method):
    return client.generic(method, route.url(), data="{}", content_type="application/json")


@pytest.mark.parametrize(("route", "method"), **EVERY_ROUTE_AND_METHOD)
def test_no_credentials_answers_401_missing_api_key(db, anon, route, method):
    response = call(anon, route, method)
    assert_error(response, 401, "missing_api_key")
    assert response["WWW-Authenticate"]


@pytest.mark.parametrize(("route", "method"), **EVERY_ROUTE_AND_METHOD)
def test_an_unknown_key_answers_401_invalid_api_key(db, api, route, method):
    assert_error(call(api(A_WELL_FORMED_UNKNOWN_KEY), route, method), 401, "invalid_api_key")


@pytest.mark.parametrize(("route", "method"), **EVERY_ROUTE_AND_METHOD)
def test_an_expired_key_answers_401_expired_api_key(api, expired_key, route, method):
    assert_error(call(api(expired_key), route, method), 401, "expired_api_key")


@pytest.mark.parametrize(("route", "method"), **EVERY_ROUTE_AND_METHOD)
def test_a_revoked_key_answers_401_invalid_api_key(api, revoked_key, route, method):
    assert_error(call(api(revoked_key), route, method), 401, "invalid_api_key")


@pytest.mark.parametrize("route", **routes_where())
def test_options_is_a_cors_preflight_answered_204_without_credentials(db, anon, route):
    response = anon.options(
        route.url(),
        HTTP_ORIGIN="https://crm.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-api-key, content-type",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    allowed_methods = {m.strip() for m in response["Access-Control-Allow-Methods"].split(",")}
    assert set(route.methods) <= allowed_methods
    allowed_headers = response["Access-Control-Allow-Headers"].lower()
    assert "x-api-key" in allowed_headers and "authorization" in allowed_headers


def test_the_matrix_covers_every_route_of_the_router():
    assert len(ROUTES) > 1 and all(route.methods for route in ROUTES)


# --- the wrong key, one route -----------------------------------------------------------


def test_a_malformed_key_answers_invalid_api_key(api, db):
    assert_error(api("not-a-pbx-key").get("/api/extensions/"), 401, "invalid_api_key")


def test_a_known_prefix_with_a_wrong_secret_answers_invalid_api_key(api, admin_key):
    forged = admin_key.key[: -len("secret")] + "secret"
    assert forged != admin_key.key
    assert_error(api(forged).get("/api/extensions/"), 401, "invalid_api_key")


def test_an_inactive_owners_key_answers_invalid_api_key(api, admin_key, platform_admin):
    platform_admin.is_active = False
    platform_admin.save()
    assert_error(api(admin_key).get("/api/extensions/"), 401, "invalid_api_key")


# --- each credential style, one route ---------------------------------------------------

KEY_PLACES = {
    "x-api-key-header": lambda key: ({"HTTP_X_API_KEY": key}, ""),
    "authorization-bearer": lambda key: ({"HTTP_AUTHORIZATION": f"Bearer {key}"}, ""),
    "authorization-token": lambda key: ({"HTTP_AUTHORIZATION": f"Token {key}"}, ""),
    "query-string-key": lambda key: ({}, f"?key={key}"),
}


@pytest.mark.parametrize("place", KEY_PLACES.values(), ids=KEY_PLACES.keys())
def test_the_api_key_is_accepted_in_each_place(acme_key, acme, place):
    headers, query = place(acme_key.key)
    response = APIClient().get("/api/extensions/" + query, **headers)
    assert response.status_code == 200
    response = APIClient().get("/api/tenants/" + query, **headers)
    assert_error(response, 403, "permission_denied")  # authenticated as ACME's tenant key


@override_settings(PBX_ALLOW_KEY_IN_QUERY=False)
def test_the_query_string_key_can_be_switched_off(acme_key):
    response = APIClient().get(f"/api/extensions/?key={acme_key.key}")
    assert_error(response, 401, "missing_api_key")


@override_settings(PBX_ALLOW_KEY_IN_QUERY=False)
def test_header_keys_still_work_when_the_query_string_key_is_off(api, acme_key):
    assert api(acme_key).get("/api/extensions/").status_code == 200


def basic(username, password):
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_http_basic_authenticates_scripts(platform_admin):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic("platform", "correct horse battery staple"))
    assert client.get("/api/tenants/").status_code == 200


def test_a_wrong_basic_password_answers_authentication_failed(platform_admin):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic("platform", "wrong"))
    assert_error(client.get("/api/extensions/"), 401, "authentication_failed")


def test_the_admin_session_authenticates_reads(platform_admin):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(platform_admin)
    assert client.get("/api/tenants/").status_code == 200


def test_a_session_write_without_the_csrf_token_is_refused(platform_admin, acme):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(platform_admin)
    response = client.post("/api/extensions/?tenant=ACME", {"number": "100"}, format="json")
    assert_error(response, 403, "permission_denied")
    assert "CSRF" in response.json()["error"]["message"]


def test_a_login_token_authenticates_as_token(platform_admin, anon):
    login = anon.post(
        "/api-auth/login/",
        {"username": "platform", "password": "correct horse battery staple"},
        format="json",
    )
    assert login.status_code == 201
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {login.json()['key']}")
    assert client.get("/api/tenants/").status_code == 200


def test_a_user_without_a_role_is_refused(db, api):
    from tests.factories import ApiKeyFactory, UserFactory

    key = ApiKeyFactory(owner=UserFactory(role=None))
    assert_error(api(key).get("/api/extensions/"), 403, "permission_denied")
