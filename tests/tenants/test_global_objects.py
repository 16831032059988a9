"""The global objects kernel (pbx/api/global_objects.py) as settings and tags use it:
everyone in scope reads global rows; only a platform admin's full global key writes them."""

import pytest

from apikeys import roles
from tenants.models import Setting, Tag
from tests.factories import ApiKeyFactory, SettingFactory, TagFactory, UserFactory

SETTINGS = "/api/settings/"


@pytest.fixture
def global_setting(db):
    return SettingFactory(tenant=None, code="MAX_CALL_DURATION", value="3600")


def detail(setting):
    return f"{SETTINGS}{setting.pk}/"


# --- reading ------------------------------------------------------------------------------


def test_a_global_settings_tenant_reads_as_null(api, acme_key, global_setting):
    response = api(acme_key).get(detail(global_setting))
    assert response.status_code == 200
    assert response.json()["tenant"] is None


def test_a_tenant_user_reads_global_settings(api, acme_user_key, global_setting):
    codes = [row["code"] for row in api(acme_user_key).get(SETTINGS).json()["results"]]
    assert codes == ["MAX_CALL_DURATION"]


def test_a_tenant_key_does_not_read_another_tenants_settings(api, acme_key, globex, global_setting):
    theirs = SettingFactory(tenant=globex, code="LANGUAGE")
    assert api(acme_key).get(detail(theirs)).status_code == 404
    assert "LANGUAGE" not in [row["code"] for row in api(acme_key).get(SETTINGS).json()["results"]]


def test_global_yes_addresses_a_global_setting_by_id(api, acme_key, global_setting):
    assert api(acme_key).get(detail(global_setting) + "?global=yes").status_code == 200


def test_global_yes_does_not_address_a_tenant_setting(api, acme_key, acme):
    own = SettingFactory(tenant=acme, code="LANGUAGE")
    assert api(acme_key).get(detail(own) + "?global=yes").status_code == 404


def test_tenant_narrows_a_list_to_that_tenants_settings(api, acme_key, acme, global_setting):
    SettingFactory(tenant=acme, code="LANGUAGE")
    codes = [row["code"] for row in api(acme_key).get(SETTINGS + "?tenant=ACME").json()["results"]]
    assert codes == ["LANGUAGE"]


def test_global_must_be_yes_or_no(api, acme_key):
    response = api(acme_key).get(SETTINGS + "?global=maybe")
    assert response.status_code == 400
    assert "use yes or no" in response.json()["error"]["message"]


# --- writing: the platform admin's full global key ----------------------------------------


def test_a_platform_admin_changes_a_global_setting(api, admin_key, global_setting):
    response = api(admin_key).patch(detail(global_setting), {"value": "60"}, format="json")
    assert response.status_code == 200, response.json()
    assert Setting.objects.get(pk=global_setting.pk).value == "60"


def test_a_platform_admin_deletes_a_global_setting(api, admin_key, global_setting):
    assert api(admin_key).delete(detail(global_setting)).status_code == 204
    assert not Setting.objects.filter(pk=global_setting.pk).exists()


def test_a_platform_admin_bulk_creates_global_settings_with_a_null_tenant(api, admin_key):
    body = [{"code": "LANGUAGE", "tenant": None}, {"code": "TIMEZONE", "tenant": None}]
    response = api(admin_key).post(SETTINGS, body, format="json")
    assert response.status_code == 201, response.json()
    assert [row["tenant"] for row in response.json()] == [None, None]


def test_a_global_object_cannot_also_name_a_tenant(api, admin_key, acme):
    response = api(admin_key).post(SETTINGS + "?global=yes&tenant=ACME", {"code": "LANGUAGE"})
    assert response.status_code == 400
    assert "tenant" in response.json()["error"]["fields"]


def test_a_global_setting_cannot_move_to_a_tenant(api, admin_key, acme, global_setting):
    response = api(admin_key).patch(detail(global_setting), {"tenant": "ACME"}, format="json")
    assert response.status_code == 400
    assert Setting.objects.get(pk=global_setting.pk).tenant is None


def test_the_change_log_records_a_global_setting(api, admin_key, global_setting):
    api(admin_key).patch(detail(global_setting), {"value": "60"}, format="json")
    changes = api(admin_key).get(f"/api/changes/?object_type=setting&object_id={global_setting.pk}")
    assert changes.json()["results"][0]["changed_fields"] == ["value"]


# --- writing: everyone else reads but may not write (403, not 404) ------------------------


def test_a_tenant_key_cannot_create_a_global_setting_with_a_null_tenant(api, acme_key):
    response = api(acme_key).post(SETTINGS, {"code": "LANGUAGE", "tenant": None}, format="json")
    assert response.status_code == 403
    assert "full global key" in response.json()["error"]["message"]


def test_a_tenant_key_cannot_bulk_create_global_settings(api, acme_key):
    body = [{"code": "LANGUAGE"}, {"code": "TIMEZONE", "tenant": None}]
    response = api(acme_key).post(SETTINGS, body, format="json")
    assert response.status_code == 403
    assert not Setting.objects.exists()


def test_a_refused_global_creation_is_403_even_with_an_invalid_body(api, acme_key):
    response = api(acme_key).post(SETTINGS + "?global=yes", {"code": "not a code"})
    assert response.json()["error"]["code"] == "permission_denied"


def test_a_tenant_key_cannot_bulk_change_a_global_setting_beside_its_own(api, acme_key, acme, global_setting):
    own = SettingFactory(tenant=acme, code="LANGUAGE", value="it")
    body = [{"id": own.pk, "value": "en"}, {"id": global_setting.pk, "value": "1"}]
    response = api(acme_key).patch(SETTINGS, body, format="json")
    assert response.status_code == 403
    assert Setting.objects.get(pk=own.pk).value == "it"


def test_a_tenant_key_cannot_bulk_delete_a_global_setting(api, acme_key, global_setting):
    response = api(acme_key).delete(SETTINGS, [{"id": global_setting.pk}], format="json")
    assert response.status_code == 403
    assert Setting.objects.filter(pk=global_setting.pk).exists()


def test_a_tenant_setting_cannot_become_global(api, acme_key, acme):
    own = SettingFactory(tenant=acme, code="LANGUAGE")
    response = api(acme_key).patch(detail(own), {"tenant": None}, format="json")
    assert response.status_code == 400
    assert Setting.objects.get(pk=own.pk).tenant == acme


def test_a_platform_admins_tenant_key_cannot_write_global_settings(api, platform_admin, acme):
    key = ApiKeyFactory(owner=platform_admin, tenant=acme)
    response = api(key).post(SETTINGS + "?global=yes", {"code": "LANGUAGE"})
    assert response.json()["error"]["code"] == "permission_denied"


def test_a_tenant_admins_global_key_cannot_write_global_settings(api, acme_admin, global_setting):
    key = ApiKeyFactory(owner=acme_admin, tenant=None)
    response = api(key).patch(detail(global_setting), {"value": "1"}, format="json")
    assert response.json()["error"]["code"] == "permission_denied"


def test_a_tenant_user_cannot_write_global_settings(api, acme_user_key, global_setting):
    assert api(acme_user_key).delete(detail(global_setting)).status_code == 403


# --- the same rules on tags -----------------------------------------------------------------


def test_a_tenant_key_cannot_create_a_global_tag(api, acme_key):
    response = api(acme_key).post("/api/tags/?global=yes", {"name": "platform"})
    assert response.status_code == 403
    assert not Tag.objects.exists()


def test_a_platform_admin_creates_a_global_tag(api, admin_key):
    response = api(admin_key).post("/api/tags/?global=yes", {"name": "platform", "color": "#1f77b4"})
    assert response.status_code == 201, response.json()
    assert response.json()["tenant"] is None


def test_a_tenant_tag_may_share_a_global_tags_name(api, acme_key):
    TagFactory(tenant=None, name="vip")
    assert api(acme_key).post("/api/tags/", {"name": "vip"}).status_code == 201


def test_a_global_tag_name_is_unique_among_global_ones(api, admin_key):
    TagFactory(tenant=None, name="vip")
    response = api(admin_key).post("/api/tags/?global=yes", {"name": "VIP"})
    assert response.status_code == 400
    assert "already exists in the global objects" in response.json()["error"]["fields"]["name"][0]


def test_a_minor_admin_of_two_tenants_reads_global_tags(api, acme, globex):
    user = UserFactory(role=roles.MINOR_ADMIN, tenants=[acme, globex])
    TagFactory(tenant=None, name="platform")
    names = [row["name"] for row in api(ApiKeyFactory(owner=user)).get("/api/tags/").json()["results"]]
    assert names == ["platform"]
