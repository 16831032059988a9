"""/api/api-keys/: keys shown once, listed by prefix, revoked by DELETE."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apikeys.models import ApiKey, digest
from tests.factories import ApiKeyFactory


def test_it_shows_a_new_key_once_and_stores_only_its_digest(api, admin_key):
    response = api(admin_key).post("/api/api-keys/", {"name": "crm"})
    assert response.status_code == 201, response.json()
    key = response.json()["key"]
    assert key.startswith(f"pbx_{response.json()['prefix']}_")
    stored = ApiKey.objects.get(prefix=response.json()["prefix"])
    assert stored.key_hash == digest(key)
    assert key not in str(ApiKey.objects.filter(pk=stored.pk).values().get())


def test_lists_show_the_prefix_and_never_the_key(api, admin_key):
    api(admin_key).post("/api/api-keys/", {"name": "crm"})
    rows = api(admin_key).get("/api/api-keys/").json()["results"]
    assert rows and all("key" not in row and row["prefix"] for row in rows)


def test_a_new_key_works_at_once(api, admin_key, acme):
    key = api(admin_key).post("/api/api-keys/", {"name": "crm", "tenant": "ACME"}).json()["key"]
    assert api(key).get("/api/extensions/").status_code == 200


def test_delete_revokes_the_key_and_keeps_it_listed(api, admin_key):
    created = api(admin_key).post("/api/api-keys/", {"name": "tmp"}).json()
    assert api(admin_key).delete(f"/api/api-keys/{created['id']}/").status_code == 204
    response = api(created["key"]).get("/api/extensions/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"
    assert ApiKey.objects.get(pk=created["id"]).revoked_at is not None


def test_a_tenant_admin_cannot_make_a_key_for_another_tenant(api, acme_admin, globex):
    session_key = ApiKeyFactory(owner=acme_admin)
    response = api(session_key).post("/api/api-keys/", {"name": "x", "tenant": "GLOBEX"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "tenant_not_found"


def test_a_tenant_key_cannot_make_a_global_key(api, acme_key):
    response = api(acme_key).post("/api/api-keys/", {"name": "escalate"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_a_tenant_key_can_make_another_key_for_its_tenant(api, acme_key):
    response = api(acme_key).post("/api/api-keys/", {"name": "sibling", "tenant": "ACME"})
    assert response.status_code == 201
    assert response.json()["tenant"] == "ACME"


def test_a_key_reach_cannot_be_widened_after_creation(api, acme_key):
    response = api(acme_key).patch(f"/api/api-keys/{acme_key.pk}/", {"read_only": True})
    assert response.status_code == 400
    assert "read_only" in response.json()["error"]["fields"]


def test_a_key_in_the_past_is_refused(api, admin_key):
    past = (timezone.now() - timedelta(days=1)).isoformat()
    response = api(admin_key).post("/api/api-keys/", {"name": "x", "expires_at": past})
    assert response.status_code == 400


def test_allowed_ips_must_be_networks(api, admin_key):
    response = api(admin_key).post("/api/api-keys/", {"name": "x", "allowed_ips": ["not-an-ip"]})
    assert response.status_code == 400
    assert "allowed_ips" in response.json()["error"]["fields"]


def test_an_expired_key_answers_expired_api_key(api, platform_admin):
    key = ApiKeyFactory(owner=platform_admin)
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api(key).get("/api/extensions/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "expired_api_key"


def test_a_key_used_from_outside_its_networks_answers_ip_not_allowed(api, platform_admin):
    key = ApiKeyFactory(owner=platform_admin, allowed_ips=["10.0.0.0/8"])
    response = api(key).get("/api/extensions/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "ip_not_allowed"


def test_a_key_used_from_inside_its_networks_works(api, platform_admin):
    key = ApiKeyFactory(owner=platform_admin, allowed_ips=["127.0.0.0/8"])
    assert api(key).get("/api/extensions/").status_code == 200


def test_a_wrong_secret_with_a_real_prefix_answers_like_an_unknown_key(api, admin_key):
    forged = f"pbx_{admin_key.prefix}_{'x' * 43}"
    response = api(forged).get("/api/extensions/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


def test_last_used_is_written_at_most_once_a_minute(api, admin_key):
    api(admin_key).get("/api/extensions/")
    first = ApiKey.objects.get(pk=admin_key.pk).last_used_at
    api(admin_key).get("/api/extensions/")
    assert first is not None
    assert ApiKey.objects.get(pk=admin_key.pk).last_used_at == first


def test_a_key_stops_working_when_its_owner_leaves_the_tenant(api, acme_key, acme_admin):
    acme_admin.memberships.all().delete()
    response = api(acme_key).get("/api/extensions/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_a_key_of_a_deactivated_owner_is_refused(api, acme_key, acme_admin):
    acme_admin.is_active = False
    acme_admin.save()
    assert api(acme_key).get("/api/extensions/").status_code == 401


def test_a_tenant_admin_sees_only_its_own_keys(api, acme_key, globex_key):
    prefixes = {row["prefix"] for row in api(acme_key).get("/api/api-keys/").json()["results"]}
    assert prefixes == {acme_key.prefix}


@pytest.mark.parametrize("role_key", ["admin_key"])
def test_a_platform_admin_sees_every_key(api, request, role_key, acme_key, globex_key):
    key = request.getfixturevalue(role_key)
    prefixes = {row["prefix"] for row in api(key).get("/api/api-keys/").json()["results"]}
    assert {acme_key.prefix, globex_key.prefix, key.prefix} <= prefixes


def test_a_key_cannot_be_made_global_after_creation(api, acme_key):
    response = api(acme_key).patch("/api/api-keys/", [{"id": acme_key.pk, "tenant": None}], format="json")
    assert response.status_code == 400
    assert response.json()["error"]["items"][0]["fields"]["tenant"]
