"""The admin: a tenant admin (minor_admin_api, staff) lives inside its own tenants."""

import pytest

from extensions.models import Extension
from tests.factories import ExtensionFactory, UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def test_a_platform_admin_sees_every_tenants_extensions(client, superuser, acme, globex):
    ExtensionFactory(tenant=acme, number="100", name="AcmeDesk")
    ExtensionFactory(tenant=globex, number="200", name="GlobexDesk")
    client.force_login(superuser)
    page = client.get("/admin/extensions/extension/").content.decode()
    assert "AcmeDesk" in page and "GlobexDesk" in page


def test_a_tenant_admin_sees_only_its_tenants_extensions(client, acme_admin, acme, globex):
    ExtensionFactory(tenant=acme, number="100", name="AcmeDesk")
    ExtensionFactory(tenant=globex, number="200", name="GlobexDesk")
    client.force_login(acme_admin)
    page = client.get("/admin/extensions/extension/").content.decode()
    assert "AcmeDesk" in page and "GlobexDesk" not in page


def test_a_tenant_admin_cannot_open_another_tenants_extension_by_url(client, acme_admin, globex):
    other = ExtensionFactory(tenant=globex, number="200", name="GlobexSecret")
    client.force_login(acme_admin)
    response = client.get(f"/admin/extensions/extension/{other.pk}/change/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert "GlobexSecret" not in client.get(response["Location"]).content.decode()


def test_a_tenant_admin_cannot_delete_another_tenants_extension_by_url(client, acme_admin, globex):
    other = ExtensionFactory(tenant=globex, number="200")
    client.force_login(acme_admin)
    response = client.post(f"/admin/extensions/extension/{other.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert Extension.objects.filter(pk=other.pk).exists()


def test_a_tenant_admin_can_only_choose_its_own_tenant(client, acme_admin, acme, globex):
    client.force_login(acme_admin)
    form = client.get("/admin/extensions/extension/add/").content.decode()
    assert "ACME" in form and "GLOBEX" not in form


def test_a_tenant_admin_edits_its_own_extension(client, acme_admin, acme):
    extension = ExtensionFactory(tenant=acme, number="100", name="Old")
    client.force_login(acme_admin)
    response = client.post(
        f"/admin/extensions/extension/{extension.pk}/change/",
        {
            "tenant": acme.pk,
            "number": "100",
            "name": "New",
            "tech": "PJSIP",
            "enabled": "on",
            "sip_username": "100",
            "password": "a-long-sip-secret",
            "max_contacts": 1,
            "ring_timeout": 30,
            "forward_all_destination": "",
            "forward_busy_destination": "",
            "forward_no_answer_destination": "",
            "forward_unavailable_destination": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    extension.refresh_from_db()
    assert extension.name == "New"


def test_the_admin_refuses_a_number_already_in_the_dial_plan(client, acme_admin, acme):
    ExtensionFactory(tenant=acme, number="100")
    client.force_login(acme_admin)
    response = client.post(
        "/admin/extensions/extension/add/",
        {
            "tenant": acme.pk,
            "number": "100",
            "tech": "PJSIP",
            "max_contacts": 1,
            "ring_timeout": 30,
        },
    )
    assert response.status_code == 200
    assert "already used by extension 100" in response.content.decode()


def test_a_tenant_admin_does_not_see_platform_objects(client, acme_admin):
    client.force_login(acme_admin)
    index = client.get("/admin/").content.decode()
    assert "Resellers" not in index and "Users" not in index
    assert client.get("/admin/tenants/reseller/").status_code == 403


def test_a_tenant_admin_sees_only_its_own_tenant(client, acme_admin, acme, globex):
    client.force_login(acme_admin)
    page = client.get("/admin/tenants/tenant/").content.decode()
    assert "Acme Inc" in page and "Globex Corp" not in page


def test_an_admin_save_is_recorded_in_the_change_log(client, superuser, acme):
    from pbx.models import ChangeLog

    client.force_login(superuser)
    response = client.post(
        "/admin/tenants/tenant/add/",
        {
            "code": "NEWCO",
            "name": "New Co",
            "sip_domain": "newco.pbx.test",
            "enabled": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    row = ChangeLog.objects.get(object_type="tenant", action="create")
    assert (row.source, row.actor_name, row.after["code"]) == ("admin", "root", "NEWCO")


def test_a_tenant_admin_reads_only_its_tenants_change_log(client, acme_admin, acme, globex):
    from tests.factories import ChangeLogFactory

    ChangeLogFactory(tenant=acme, object_label="acme-change")
    ChangeLogFactory(tenant=globex, object_label="globex-change")
    client.force_login(acme_admin)
    page = client.get("/admin/pbx/changelog/").content.decode()
    assert "acme-change" in page and "globex-change" not in page
