"""CRUD, validation, filters and MiRTA PBX aliases of the tenants app's configuration
resources: settings, tenant variables, departments, locations, servers, user profiles
and tags (global-object rules are in test_global_objects.py)."""

import pytest
from django.db import IntegrityError, transaction

from tenants.models import PRIVILEGES, Server, Tag, TaggedObject, Tenant, UserProfile
from tests.factories import (
    DepartmentFactory,
    LocationFactory,
    ServerFactory,
    SettingFactory,
    TagFactory,
    TenantVariableFactory,
    UserFactory,
    UserProfileFactory,
)

LOCATION = {
    "name": "HQ",
    "address_line1": "1 Via Roma",
    "city": "Milano",
    "country": "IT",
    "emergency_caller_id": "+390212345678",
}

# path, a valid body, a PATCH and the field it changes
TENANT_RESOURCES = [
    ("/api/settings/", {"code": "LANGUAGE", "value": "it"}, {"value": "en"}, "value"),
    ("/api/tenant-variables/", {"name": "OPERATOR", "value": "100"}, {"value": "200"}, "value"),
    ("/api/departments/", {"name": "Sales"}, {"description": "Sells"}, "description"),
    ("/api/locations/", LOCATION, {"city": "Roma"}, "city"),
    ("/api/tags/", {"name": "vip", "color": "#ff0000"}, {"color": "#00ff00"}, "color"),
]


# --- CRUD of the tenant-owned resources ---------------------------------------------------


@pytest.mark.parametrize(("path", "body", "change", "field"), TENANT_RESOURCES)
def test_a_tenant_key_creates_reads_changes_and_deletes_its_own(api, acme_key, path, body, change, field):
    client = api(acme_key)
    created = client.post(path, body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["tenant"] == "ACME"
    url = f"{path}{created.json()['id']}/"
    assert client.get(url).json()[field] == body.get(field, "")
    assert client.patch(url, change, format="json").json()[field] == change[field]
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(("path", "body", "change", "field"), TENANT_RESOURCES)
def test_a_global_key_creates_in_the_tenant_it_names(api, admin_key, acme, path, body, change, field):
    response = api(admin_key).post(path + "?tenant=ACME", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["tenant"] == "ACME"


@pytest.mark.parametrize(("path", "body", "change", "field"), TENANT_RESOURCES)
def test_a_tenant_key_cannot_change_another_tenants_object(
    api, acme_key, globex_key, path, body, change, field
):
    theirs = api(globex_key).post(path, body, format="json").json()
    response = api(acme_key).patch(f"{path}{theirs['id']}/", change, format="json")
    assert response.status_code == 404


# --- settings ---------------------------------------------------------------------------


def test_a_setting_code_is_upper_cased(api, acme_key):
    assert api(acme_key).post("/api/settings/", {"code": "max_call_duration"}).json()["code"] == (
        "MAX_CALL_DURATION"
    )


def test_a_setting_code_must_be_a_slug(api, acme_key):
    response = api(acme_key).post("/api/settings/", {"code": "MAX CALL"})
    assert "code" in response.json()["error"]["fields"]


def test_a_tenant_setting_may_share_a_global_settings_code(api, acme_key):
    SettingFactory(tenant=None, code="LANGUAGE")
    assert api(acme_key).post("/api/settings/", {"code": "LANGUAGE"}).status_code == 201


def test_the_global_code_constraint_holds_past_the_api(db):
    SettingFactory(tenant=None, code="LANGUAGE")
    with pytest.raises(IntegrityError), transaction.atomic():
        SettingFactory(tenant=None, code="LANGUAGE")


def test_settings_filter_by_code_prefix(api, acme_key, acme):
    SettingFactory(tenant=acme, code="MAX_CALL_DURATION")
    SettingFactory(tenant=acme, code="LANGUAGE")
    rows = api(acme_key).get("/api/settings/?code__startswith=MAX").json()["results"]
    assert [row["code"] for row in rows] == ["MAX_CALL_DURATION"]


# --- effective settings -------------------------------------------------------------------


def test_effective_settings_name_the_setting_each_value_came_from(api, acme_key, acme):
    own = SettingFactory(tenant=acme, code="LANGUAGE", value="it")
    assert api(acme_key).get("/api/settings/effective/").json() == [
        {"code": "LANGUAGE", "value": "it", "source": "tenant", "setting_id": own.pk}
    ]


def test_effective_settings_of_a_tenant_without_its_own_are_the_global_ones(api, admin_key, acme):
    SettingFactory(tenant=None, code="LANGUAGE", value="en")
    rows = api(admin_key).get("/api/settings/effective/?tenant=ACME").json()
    assert [(row["code"], row["value"], row["source"]) for row in rows] == [("LANGUAGE", "en", "global")]


def test_effective_settings_ignore_other_tenants_values(api, admin_key, acme, globex):
    SettingFactory(tenant=None, code="LANGUAGE", value="en")
    SettingFactory(tenant=globex, code="LANGUAGE", value="de")
    rows = api(admin_key).get("/api/settings/effective/?tenant=ACME").json()
    assert [row["value"] for row in rows] == ["en"]


def test_effective_settings_take_the_tenant_by_id_too(api, admin_key, acme):
    SettingFactory(tenant=acme, code="LANGUAGE", value="it")
    rows = api(admin_key).get(f"/api/settings/effective/?tenant={acme.pk}").json()
    assert [row["value"] for row in rows] == ["it"]


# --- tenant variables, departments, locations -------------------------------------------------


def test_a_tenant_variable_takes_the_seed_001_variable_id_alias(api, acme_key):
    response = api(acme_key).post("/api/tenant-variables/", {"variable_id": "OPERATOR", "tv_value": "0"})
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "OPERATOR"


def test_a_tenant_variable_name_must_be_an_identifier(api, acme_key):
    response = api(acme_key).post("/api/tenant-variables/", {"name": "2 words"})
    assert "name" in response.json()["error"]["fields"]


def test_a_tenant_variable_name_is_unique_within_the_tenant(api, acme_key, acme):
    TenantVariableFactory(tenant=acme, name="OPERATOR")
    response = api(acme_key).post("/api/tenant-variables/", {"name": "OPERATOR"})
    assert response.json()["error"]["fields"]["name"] == [
        "Tenant variable OPERATOR already exists in tenant ACME."
    ]


def test_departments_filter_by_name(api, acme_key, acme):
    DepartmentFactory(tenant=acme, name="Sales")
    DepartmentFactory(tenant=acme, name="Support")
    rows = api(acme_key).get("/api/departments/?name__icontains=sal").json()["results"]
    assert [row["name"] for row in rows] == ["Sales"]


def test_a_location_name_is_unique_within_the_tenant(api, acme_key, acme):
    LocationFactory(tenant=acme, name="HQ")
    assert "name" in api(acme_key).post("/api/locations/", LOCATION).json()["error"]["fields"]


def test_a_location_needs_its_address(api, acme_key):
    response = api(acme_key).post("/api/locations/", {"name": "HQ"})
    assert set(response.json()["error"]["fields"]) == {
        "address_line1",
        "city",
        "country",
        "emergency_caller_id",
    }


def test_locations_filter_by_country(api, acme_key, acme):
    LocationFactory(tenant=acme, name="Milano", country="IT")
    LocationFactory(tenant=acme, name="Boston", country="US")
    rows = api(acme_key).get("/api/locations/?country=IT").json()["results"]
    assert [row["name"] for row in rows] == ["Milano"]


# --- servers --------------------------------------------------------------------------------


def test_a_platform_admin_creates_a_server(api, admin_key):
    body = {"name": "media-1", "address": "10.0.0.5", "role": "media"}
    response = api(admin_key).post("/api/servers/", body)
    assert response.status_code == 201, response.json()
    assert (response.json()["role"], response.json()["enabled"]) == ("media", True)


def test_a_server_listens_for_sip_on_5060_unless_told(api, admin_key):
    response = api(admin_key).post("/api/servers/", {"name": "pbx-1", "address": "10.0.0.5"})
    assert response.json()["sip_port"] == 5060


def test_a_server_takes_the_sip_port_its_media_service_listens_on(api, admin_key):
    body = {"name": "pbx-1", "address": "10.0.0.5", "sip_port": 5080}
    response = api(admin_key).post("/api/servers/", body)
    assert response.status_code == 201, response.json()
    assert Server.objects.get(name="pbx-1").sip_port == 5080


@pytest.mark.parametrize("port", [0, 65536, -1])
def test_a_sip_port_outside_1_to_65535_is_refused(api, admin_key, port):
    body = {"name": "pbx-1", "address": "10.0.0.5", "sip_port": port}
    response = api(admin_key).post("/api/servers/", body)
    assert response.status_code == 400
    assert "sip_port" in response.json()["error"]["fields"]


def test_a_server_role_must_be_one_of_the_choices(api, admin_key):
    response = api(admin_key).post("/api/servers/", {"name": "x", "address": "x.example", "role": "db"})
    assert "role" in response.json()["error"]["fields"]


def test_a_server_name_is_unique(api, admin_key):
    ServerFactory(name="pbx-1")
    response = api(admin_key).post("/api/servers/", {"name": "pbx-1", "address": "pbx1.example.net"})
    assert "name" in response.json()["error"]["fields"]


def test_an_empty_server_is_deleted(api, admin_key):
    server = ServerFactory()
    assert api(admin_key).delete(f"/api/servers/{server.pk}/").status_code == 204
    assert not Server.objects.filter(pk=server.pk).exists()


def test_a_tenant_reads_as_its_server_id(api, admin_key, acme):
    server = ServerFactory()
    Tenant.objects.filter(pk=acme.pk).update(server=server)
    assert api(admin_key).get(f"/api/tenants/{acme.pk}/").json()["server"] == server.pk


def test_an_unknown_server_is_refused_on_a_tenant(api, admin_key, acme):
    response = api(admin_key).patch(f"/api/tenants/{acme.pk}/", {"server": 987654}, format="json")
    assert "server" in response.json()["error"]["fields"]


def test_tenants_filter_by_server(api, admin_key, acme, globex):
    server = ServerFactory()
    Tenant.objects.filter(pk=acme.pk).update(server=server)
    rows = api(admin_key).get(f"/api/tenants/?server={server.pk}").json()["results"]
    assert [row["code"] for row in rows] == ["ACME"]


@pytest.mark.parametrize("address", ["10.0.0.5", "2001:db8::1", "pbx1.voice.example.net", "localhost"])
def test_a_server_address_may_be_a_host_name_or_an_ip_address(api, admin_key, address):
    response = api(admin_key).post("/api/servers/", {"name": "pbx", "address": address})
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("address", ["300.1.2.3", "10.0.0", "a::b::c", "-pbx.example.net"])
def test_a_server_address_that_is_neither_host_nor_ip_is_refused(api, admin_key, address):
    response = api(admin_key).post("/api/servers/", {"name": "pbx", "address": address})
    assert "neither a host name" in response.json()["error"]["fields"]["address"][0]


# --- user profiles ------------------------------------------------------------------------


def test_a_user_profile_takes_seed_001_aliases(api, admin_key):
    response = api(admin_key).post("/api/user-profiles/", {"up_name": "Basic", "up_reserved": True})
    assert response.status_code == 201, response.json()
    assert (response.json()["name"], response.json()["reserved"]) == ("Basic", True)


def test_privileges_may_be_seed_001_objects_with_ug_id(api, admin_key):
    body = {"name": "Ops", "privileges": [{"ug_id": 17, "param1": ""}, "cdrs.export"]}
    response = api(admin_key).post("/api/user-profiles/", body, format="json")
    assert response.json()["privileges"] == ["cdrs.export", "cdrs.view"]


def test_an_unknown_privilege_id_is_refused(api, admin_key):
    response = api(admin_key).post("/api/user-profiles/", {"name": "X", "privileges": [999]}, format="json")
    assert "Unknown privileges: 999" in response.json()["error"]["fields"]["privileges"][0]


def test_privileges_must_be_a_list(api, admin_key):
    response = api(admin_key).post("/api/user-profiles/", {"name": "X", "privileges": "cdrs.view"})
    assert response.status_code == 400
    assert "privileges" in response.json()["error"]["fields"]


def test_a_repeated_privilege_is_stored_once(api, admin_key):
    body = {"name": "X", "privileges": ["cdrs.view", 17]}
    response = api(admin_key).post("/api/user-profiles/", body, format="json")
    assert response.json()["privileges"] == ["cdrs.view"]


def test_user_profiles_filter_by_privilege(api, admin_key):
    UserProfileFactory(name="Viewer", privileges=["cdrs.view"])
    UserProfileFactory(name="Other", privileges=["extensions.view"])
    rows = api(admin_key).get("/api/user-profiles/?privilege=cdrs.view").json()["results"]
    assert [row["name"] for row in rows] == ["Viewer"]


def test_the_privilege_catalogue_lists_every_name_with_its_seed_id(api, admin_key):
    rows = api(admin_key).get("/api/user-profiles/privileges/").json()
    assert {row["id"]: row["name"] for row in rows} == PRIVILEGES


def test_the_privilege_catalogue_is_for_platform_admins(api, acme_key):
    assert api(acme_key).get("/api/user-profiles/privileges/").status_code == 403


def test_a_users_profile_is_read_back_on_the_user(api, admin_key):
    profile = UserProfileFactory()
    user = UserFactory()
    api(admin_key).patch(f"/api/users/{user.pk}/", {"us_up_id": profile.pk}, format="json")
    assert api(admin_key).get(f"/api/users/{user.pk}/").json()["profile"] == profile.pk


def test_a_users_profile_is_cleared_with_null(api, admin_key):
    profile = UserProfileFactory()
    user = UserFactory()
    api(admin_key).patch(f"/api/users/{user.pk}/", {"profile": profile.pk}, format="json")
    response = api(admin_key).patch(f"/api/users/{user.pk}/", {"profile": None}, format="json")
    assert response.json()["profile"] is None
    assert UserProfile.objects.get(pk=profile.pk).assignments.count() == 0


def test_an_unassigned_user_profile_is_deleted(api, admin_key):
    profile = UserProfileFactory()
    assert api(admin_key).delete(f"/api/user-profiles/{profile.pk}/").status_code == 204


# --- tags -------------------------------------------------------------------------------------


def test_a_tag_name_is_lower_cased(api, acme_key):
    assert api(acme_key).post("/api/tags/", {"name": "VIP"}).json()["name"] == "vip"


def test_a_tag_colour_must_be_hex(api, acme_key):
    response = api(acme_key).post("/api/tags/", {"name": "vip", "color": "red"})
    assert "color" in response.json()["error"]["fields"]


def test_a_tag_name_is_unique_within_the_tenant(api, acme_key, acme):
    TagFactory(tenant=acme, name="vip")
    assert "name" in api(acme_key).post("/api/tags/", {"name": "vip"}).json()["error"]["fields"]


def test_a_tag_is_on_an_object_once(acme):
    tag = TagFactory(tenant=acme)
    TaggedObject.objects.create(tag=tag, object_type="extensions.extension", object_id=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        TaggedObject.objects.create(tag=tag, object_type="extensions.extension", object_id=1)


def test_deleting_a_tag_deletes_its_assignments(acme):
    tag = TagFactory(tenant=acme)
    TaggedObject.objects.create(tag=tag, object_type="extensions.extension", object_id=1)
    Tag.objects.filter(pk=tag.pk).delete()
    assert not TaggedObject.objects.exists()
