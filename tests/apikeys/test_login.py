"""POST /api-auth/login/: a username and password for an expiring token."""

from django.test import override_settings
from rest_framework.test import APIClient

from apikeys.models import ApiKey


def login(username, password):
    return APIClient().post("/api-auth/login/", {"username": username, "password": password}, format="json")


def test_it_returns_a_token_with_an_expiry(acme_admin):
    response = login("acme-admin", "correct horse battery staple")
    assert response.status_code == 201
    body = response.json()
    assert body["key"].startswith("pbx_") and body["expires_at"]
    assert ApiKey.objects.get(owner=acme_admin, is_login_token=True).expires_at is not None


def test_the_token_works_as_authorization_token(acme_admin, acme):
    key = login("acme-admin", "correct horse battery staple").json()["key"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/extensions/").status_code == 200


def test_a_wrong_password_answers_authentication_failed(acme_admin):
    response = login("acme-admin", "wrong")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert not ApiKey.objects.filter(owner=acme_admin).exists()


def test_a_user_without_a_role_gets_no_token(db):
    from tests.factories import UserFactory

    UserFactory(username="norole")
    response = login("norole", "correct horse battery staple")
    assert response.status_code == 403


def test_a_missing_field_is_a_validation_error(db):
    response = APIClient().post("/api-auth/login/", {"username": "x"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]


@override_settings(PBX_LOGIN_THROTTLE_RATE="3/min")
def test_password_guessing_is_throttled(acme_admin):
    codes = [login("acme-admin", f"guess{i}").status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]
    response = login("acme-admin", "correct horse battery staple")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert int(response["Retry-After"]) > 0
