"""Who may own an extension or a device: a member of its tenant. A tenant's key cannot
tell a platform admin's user id from one that does not exist."""

import pytest

from tests.factories import DeviceFactory, ExtensionFactory

NO_SUCH_USER = 987654


def _owned_object_path(kind, tenant):
    if kind == "extension":
        return f"/api/extensions/{ExtensionFactory(tenant=tenant).pk}/"
    return f"/api/devices/{DeviceFactory(tenant=tenant).pk}/"


def _give_owner(client, path, user_id):
    response = client.patch(path, {"user": user_id}, format="json")
    return response.status_code, response.json()


@pytest.mark.parametrize("kind", ["extension", "device"])
def test_a_tenant_key_is_told_the_same_of_a_platform_admin_as_of_no_user(
    api, acme, acme_key, platform_admin, kind
):
    path = _owned_object_path(kind, acme)
    status, body = _give_owner(api(acme_key), path, platform_admin.pk)
    missing_status, missing_body = _give_owner(api(acme_key), path, NO_SUCH_USER)
    assert status == missing_status == 400
    assert body["error"]["fields"]["user"] == [
        message.replace(str(NO_SUCH_USER), str(platform_admin.pk))
        for message in missing_body["error"]["fields"]["user"]
    ]


@pytest.mark.parametrize("kind", ["extension", "device"])
def test_a_member_of_the_tenant_may_own_it(api, acme, acme_key, acme_user, kind):
    status, body = _give_owner(api(acme_key), _owned_object_path(kind, acme), acme_user.pk)
    assert status == 200, body


@pytest.mark.parametrize("kind", ["extension", "device"])
def test_a_global_key_may_give_it_to_a_platform_admin(api, acme, admin_key, platform_admin, kind):
    status, body = _give_owner(api(admin_key), _owned_object_path(kind, acme), platform_admin.pk)
    assert status == 200, body


@pytest.mark.parametrize("kind", ["extension", "device"])
def test_a_member_of_another_tenant_may_not_own_it(api, acme, globex, acme_key, globex_admin, kind):
    status, body = _give_owner(api(acme_key), _owned_object_path(kind, acme), globex_admin.pk)
    assert status == 400
    assert "user" in body["error"]["fields"]
