"""Every route and method refuses a caller without valid credentials; every credential
style of DESIGN.md section 3 works."""

import base64
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from apikeys.models import ApiKey
from tests.api.routes import route_methods


def error_code(response):
    return response.json()["error"]["code"]


@pytest.mark.parametrize(("route", "method"), **route_methods())
def test_no_credentials_answers_401_missing_api_key(db, anon, route, method):
    response = anon.generic(method, route.url(), data="{}", content_type="application/json")
    assert response.status_code == 401
    assert error_code(response) == "missing_api_key"
    assert response["WWW-Authenticate"]


@pytest.mark.parametrize(("route", "method"), **route_methods())
def test_an_invalid_key_answers_401_invalid_api_key(db, api, route, method):
    response = api("pbx_aaaaaaaaaa_" + "b" * 43).generic(
        method, route.url(), data="{}", content_type="application/json"
    )
    assert response.status_code == 401
    assert error_code(response) == "invalid_api_key"


@pytest.mark.parametrize(("route", "method"), **route_methods())
def test_options_is_a_cors_preflight_answered_without_credentials(db, anon, route, method):
    response = anon.options(route.url())
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"


def test_an_expired_key_answers_expired_api_key(api, admin_key):
    ApiKey.objects.filter(pk=admin_key.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = api(admin_key).get("/api/extensions/")
    assert (response.status_code, error_code(response)) == (401, "expired_api_key")


def test_a_revoked_key_answers_invalid_api_key(api, admin_key):
    admin_key.revoke()
    response = api(admin_key).get("/api/extensions/")
    assert (response.status_code, error_code(response)) == (401, "invalid_api_key")


def test_a_malformed_key_answers_invalid_api_key(api, db):
    response = api("not-a-pbx-key").get("/api/extensions/")
    assert (response.status_code, error_code(response)) == (401, "invalid_api_key")


@pytest.mark.parametrize(
    "send",
    [
        pytest.param(lambda c, key: c.credentials(HTTP_X_API_KEY=key), id="x-api-key"),
        pytest.param(lambda c, key: c.credentials(HTTP_AUTHORIZATION=f"Bearer {key}"), id="bearer"),
        pytest.param(lambda c, key: c.credentials(HTTP_AUTHORIZATION=f"Token {key}"), id="token"),
    ],
)
def test_each_header_style_carries_the_key(admin_key, send):
    client = APIClient()
    send(client, admin_key.key)
    assert client.get("/api/extensions/").status_code == 200


def test_the_key_may_travel_in_the_query_string(admin_key):
    assert APIClient().get(f"/api/extensions/?key={admin_key.key}").status_code == 200


@override_settings(PBX_ALLOW_KEY_IN_QUERY=False)
def test_the_query_string_key_can_be_switched_off(admin_key):
    response = APIClient().get(f"/api/extensions/?key={admin_key.key}")
    assert (response.status_code, error_code(response)) == (401, "missing_api_key")


def test_http_basic_works_for_scripts(platform_admin):
    token = base64.b64encode(b"platform:correct horse battery staple").decode()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    assert client.get("/api/extensions/").status_code == 200


def test_a_wrong_basic_password_answers_authentication_failed(platform_admin):
    token = base64.b64encode(b"platform:wrong").decode()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    response = client.get("/api/extensions/")
    assert (response.status_code, error_code(response)) == (401, "authentication_failed")


def test_the_admin_session_works_with_csrf_enforced_on_writes(platform_admin, acme):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(platform_admin)
    assert client.get("/api/extensions/").status_code == 200
    response = client.post("/api/extensions/?tenant=ACME", {"number": "100"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "CSRF" in response.json()["error"]["message"]


def test_a_user_without_a_role_is_refused(db, api):
    from tests.factories import ApiKeyFactory, UserFactory

    key = ApiKeyFactory(owner=UserFactory(role=None))
    response = api(key).get("/api/extensions/")
    assert (response.status_code, error_code(response)) == (403, "permission_denied")
