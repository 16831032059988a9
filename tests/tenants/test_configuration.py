"""Settings (global and per tenant), variables, departments, locations, servers, user
profiles and tags: the tenants app's configuration resources."""

import pytest

from tenants.models import Setting, Tenant, UserProfile
from tests.factories import (
    DepartmentFactory,
    ServerFactory,
    SettingFactory,
    TagFactory,
    UserFactory,
    UserProfileFactory,
)

SETTINGS = "/api/settings/"


@pytest.fixture
def global_setting(db):
    return SettingFactory(tenant=None, code="MAX_CALL_SECONDS", value="3600")


# --- settings: global objects ---------------------------------------------------------


def test_a_tenant_key_reads_global_settings_beside_its_own(api, acme_key, acme, globex, global_setting):
    SettingFactory(tenant=acme, code="LANGUAGE", value="it")
    SettingFactory(tenant=globex, code="LANGUAGE", value="de")
    rows = api(acme_key).get(SETTINGS).json()["results"]
    assert sorted((row["code"], row["tenant"]) for row in rows) == [
        ("LANGUAGE", "ACME"),
        ("MAX_CALL_SECONDS", None),
    ]


def test_global_yes_lists_only_global_settings(api, acme_key, acme, global_setting):
    SettingFactory(tenant=acme, code="LANGUAGE")
    rows = api(acme_key).get(SETTINGS + "?global=yes").json()["results"]
    assert [row["code"] for row in rows] == ["MAX_CALL_SECONDS"]


def test_a_platform_admin_creates_a_global_setting(api, admin_key):
    response = api(admin_key).post(SETTINGS + "?global=yes", {"code": "max_call_seconds", "value": "60"})
    assert response.status_code == 201, response.json()
    assert response.json()["tenant"] is None
    assert Setting.objects.get(code="MAX_CALL_SECONDS").tenant is None


def test_a_null_tenant_in_the_body_also_makes_a_global_setting(api, admin_key):
    response = api(admin_key).post(SETTINGS, {"code": "LANGUAGE", "value": "en", "tenant": None})
    assert response.status_code == 201, response.json()
    assert response.json()["tenant"] is None


def test_a_tenant_key_cannot_create_a_global_setting(api, acme_key):
    response = api(acme_key).post(SETTINGS + "?global=yes", {"code": "LANGUAGE", "value": "en"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not Setting.objects.exists()


def test_a_tenant_key_cannot_change_a_global_setting(api, acme_key, global_setting):
    response = api(acme_key).patch(f"{SETTINGS}{global_setting.pk}/", {"value": "1"})
    assert response.status_code == 403
    assert Setting.objects.get(pk=global_setting.pk).value == "3600"


def test_a_tenant_key_cannot_delete_a_global_setting(api, acme_key, global_setting):
    assert api(acme_key).delete(f"{SETTINGS}{global_setting.pk}/").status_code == 403
    assert Setting.objects.filter(pk=global_setting.pk).exists()


def test_an_admin_read_only_key_cannot_write_global_settings(api, admin_read_key):
    response = api(admin_read_key).post(SETTINGS + "?global=yes", {"code": "LANGUAGE"})
    assert response.json()["error"]["code"] == "read_only_key"


def test_a_tenant_setting_is_created_in_the_keys_tenant(api, acme_key):
    response = api(acme_key).post(SETTINGS, {"se_code": "LANGUAGE", "se_value": "it"})
    assert response.status_code == 201, response.json()
    assert (response.json()["tenant"], response.json()["code"], response.json()["value"]) == (
        "ACME",
        "LANGUAGE",
        "it",
    )


def test_a_setting_code_is_unique_within_its_tenant(api, acme_key, acme):
    SettingFactory(tenant=acme, code="LANGUAGE")
    response = api(acme_key).post(SETTINGS, {"code": "LANGUAGE", "value": "fr"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["code"] == ["Setting LANGUAGE already exists in tenant ACME."]


def test_a_global_setting_code_is_unique_among_global_ones(api, admin_key, global_setting):
    response = api(admin_key).post(SETTINGS + "?global=yes", {"code": "MAX_CALL_SECONDS"})
    assert "already exists in the global objects" in response.json()["error"]["fields"]["code"][0]


def test_the_effective_settings_take_the_tenants_value_over_the_global_one(
    api, acme_key, acme, global_setting
):
    SettingFactory(tenant=None, code="LANGUAGE", value="en")
    SettingFactory(tenant=acme, code="LANGUAGE", value="it")
    response = api(acme_key).get(SETTINGS + "effective/")
    assert response.status_code == 200
    assert [(row["code"], row["value"], row["source"]) for row in response.json()] == [
        ("LANGUAGE", "it", "tenant"),
        ("MAX_CALL_SECONDS", "3600", "global"),
    ]


def test_the_effective_settings_of_another_tenant_are_not_found(api, acme_key, globex):
    response = api(acme_key).get(SETTINGS + "effective/?tenant=GLOBEX")
    assert response.json()["error"]["code"] == "tenant_not_found"


def test_a_global_key_names_the_tenant_of_the_effective_settings(api, admin_key, acme):
    response = api(admin_key).get(SETTINGS + "effective/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "missing_tenant"
    assert api(admin_key).get(SETTINGS + "effective/?tenant=ACME").status_code == 200


# --- variables, departments, locations ---------------------------------------------------


def test_a_tenant_variable_takes_seed_001_aliases(api, acme_key):
    response = api(acme_key).post("/api/tenant-variables/", {"tv_al_id": "OPERATOR", "tv_value": "100"})
    assert response.status_code == 201, response.json()
    assert (response.json()["name"], response.json()["value"]) == ("OPERATOR", "100")


def test_a_department_name_is_unique_within_the_tenant(api, acme_key, acme, globex):
    DepartmentFactory(tenant=acme, name="Sales")
    DepartmentFactory(tenant=globex, name="Support")
    assert api(acme_key).post("/api/departments/", {"name": "Sales"}).status_code == 400
    assert api(acme_key).post("/api/departments/", {"name": "Support"}).status_code == 201


def test_a_location_needs_a_valid_country_and_emergency_caller_id(api, acme_key):
    body = {"name": "HQ", "address_line1": "1 Via Roma", "city": "Milano", "country": "Italy"}
    response = api(acme_key).post("/api/locations/", {**body, "emergency_caller_id": "12ab"})
    assert set(response.json()["error"]["fields"]) == {"country", "emergency_caller_id"}


def test_a_location_country_is_upper_cased(api, acme_key):
    body = {"name": "HQ", "address_line1": "1 Via Roma", "city": "Milano", "country": "it"}
    response = api(acme_key).post("/api/locations/", {**body, "emergency_caller_id": "+390212345678"})
    assert response.status_code == 201, response.json()
    assert response.json()["country"] == "IT"


# --- servers ------------------------------------------------------------------------------


def test_servers_are_platform_objects(api, acme_key):
    response = api(acme_key).get("/api/servers/")
    assert response.status_code == 403


def test_a_tenant_is_placed_on_a_server(api, admin_key, acme):
    server = ServerFactory()
    response = api(admin_key).patch(f"/api/tenants/{acme.pk}/", {"server": server.pk})
    assert response.status_code == 200, response.json()
    assert Tenant.objects.get(pk=acme.pk).server == server


def test_a_server_with_tenants_is_not_deleted(api, admin_key, acme):
    server = ServerFactory(name="pbx-milan")
    Tenant.objects.filter(pk=acme.pk).update(server=server)
    response = api(admin_key).delete(f"/api/servers/{server.pk}/")
    assert response.status_code == 409
    assert "pbx-milan still hosts 1 tenants (ACME)" in response.json()["error"]["message"]


def test_a_server_address_must_be_a_host_or_ip(api, admin_key):
    response = api(admin_key).post("/api/servers/", {"name": "x", "address": "not a host!"})
    assert "address" in response.json()["error"]["fields"]


# --- user profiles ------------------------------------------------------------------------


def test_seed_001_creates_a_user_profile_with_privilege_ids(api, admin_key):
    body = {"name": "Helpdesk", "description": "Helpdesk operators", "privileges": [12, 18, 25]}
    response = api(admin_key).post("/api/user-profiles/", body)
    assert response.status_code == 201, response.json()
    assert response.json()["privileges"] == ["cdrs.export", "flows.toggle", "routing.manage"]


def test_an_unknown_privilege_is_refused_by_name(api, admin_key):
    response = api(admin_key).post("/api/user-profiles/", {"name": "X", "privileges": ["fly.plane"]})
    assert "Unknown privileges: fly.plane" in response.json()["error"]["fields"]["privileges"][0]


def test_a_reserved_user_profile_is_not_deleted(api, admin_key):
    profile = UserProfileFactory(reserved=True)
    assert api(admin_key).delete(f"/api/user-profiles/{profile.pk}/").status_code == 409


def test_a_user_gets_a_profile_by_seed_001s_profile_id(api, admin_key):
    profile = UserProfileFactory()
    body = {"username": "operator", "password": "change-me-please-42", "profile_id": profile.pk}
    response = api(admin_key).post("/api/users/", body)
    assert response.status_code == 201, response.json()
    assert response.json()["profile"] == profile.pk


def test_an_assigned_user_profile_is_not_deleted(api, admin_key):
    profile = UserProfileFactory()
    user = UserFactory()
    api(admin_key).patch(f"/api/users/{user.pk}/", {"profile": profile.pk})
    assert api(admin_key).delete(f"/api/user-profiles/{profile.pk}/").status_code == 409
    assert UserProfile.objects.filter(pk=profile.pk).exists()


# --- tags -----------------------------------------------------------------------------------


def test_a_tenant_lists_its_tags_and_the_global_ones(api, acme_key, acme, globex):
    TagFactory(tenant=acme, name="vip")
    TagFactory(tenant=globex, name="theirs")
    TagFactory(tenant=None, name="platform")
    names = sorted(row["name"] for row in api(acme_key).get("/api/tags/").json()["results"])
    assert names == ["platform", "vip"]


def test_deleting_a_tag_takes_it_off_every_object(api, acme_key, acme):
    extension = api(acme_key).post("/api/extensions/", {"number": "100", "tags": ["vip"]}).json()
    tag = api(acme_key).get("/api/tags/?name=vip").json()["results"][0]
    assert api(acme_key).delete(f"/api/tags/{tag['id']}/").status_code == 204
    assert api(acme_key).get(f"/api/extensions/{extension['id']}/").json()["tags"] == []
