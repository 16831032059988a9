"""The admin's CSV export (pbx.admin_csv): the "Export CSV" action on the selected rows and
the list's "Export CSV" link write what the API's export writes for the same rows and the
same user: the same columns, secrets for the platform's administrators only, and nothing
of another tenant."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apikeys import roles
from tests.api.support import body_text
from tests.factories import ExtensionFactory, UserFactory

CHANGELIST = "/admin/extensions/extension/"
EXPORT = "/admin/extensions/extension/export/"
API_EXPORT = "/api/extensions/export/"


@pytest.fixture
def operator(db):
    """A platform administrator (admin_api) of the admin."""
    return UserFactory(username="operator", role=roles.ADMIN, is_staff=True)


def export_selected(client, *objects):
    response = client.post(
        CHANGELIST, {"action": "export_csv_rows", "_selected_action": [obj.pk for obj in objects]}
    )
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return body_text(response)


def api_export(client, query=""):
    """The API's export, for the same user (the admin's session is an API credential)."""
    response = client.get(API_EXPORT + query)
    assert response.status_code == 200, body_text(response)[:500]
    return body_text(response)


def lines_of(text, numbers):
    """The header and the lines of `text` whose `number` column is in `numbers`."""
    header, *rows = text.splitlines()
    column = header.split(",").index("number")
    return [header] + [row for row in rows if row.split(",")[column] in numbers]


def test_the_action_writes_the_api_export_of_the_selected_rows(client, acme_admin, acme):
    first, _second, third = (ExtensionFactory(tenant=acme, number=n) for n in ("100", "101", "102"))
    client.force_login(acme_admin)
    exported = export_selected(client, first, third)
    assert exported.splitlines() == lines_of(api_export(client), {"100", "102"})
    assert len(exported.splitlines()) == 3


def test_the_link_writes_the_api_export_of_the_lists_rows(client, acme_admin, acme):
    for number in ("100", "101", "102"):
        ExtensionFactory(tenant=acme, number=number)
    client.force_login(acme_admin)
    assert f'href="{EXPORT}?"' in client.get(CHANGELIST).content.decode()
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert body_text(response) == api_export(client)


def test_the_link_keeps_the_lists_search(client, acme_admin, acme):
    ExtensionFactory(tenant=acme, number="100", name="Reception")
    ExtensionFactory(tenant=acme, number="101", name="Warehouse")
    client.force_login(acme_admin)
    exported = body_text(client.get(EXPORT + "?q=Warehouse"))
    assert exported.splitlines() == lines_of(api_export(client), {"101"})


def test_a_tenant_administrator_exports_only_its_tenants_rows(client, acme_admin, acme, globex):
    ExtensionFactory(tenant=acme, number="100")
    ExtensionFactory(tenant=globex, number="200")
    client.force_login(acme_admin)
    exported = body_text(client.get(EXPORT))
    assert len(exported.splitlines()) == 2 and ",GLOBEX," not in exported
    assert exported == api_export(client)


def test_another_tenants_row_posted_to_the_action_is_not_exported(client, acme_admin, acme, globex):
    ours = ExtensionFactory(tenant=acme, number="100")
    theirs = ExtensionFactory(tenant=globex, number="200", name="GlobexSecretDesk")
    client.force_login(acme_admin)
    exported = export_selected(client, ours, theirs)
    assert "GlobexSecretDesk" not in exported and len(exported.splitlines()) == 2


def test_secrets_are_columns_of_a_platform_administrators_export(client, operator, acme):
    extension = ExtensionFactory(tenant=acme, number="100", password="sip-secret-4471")
    client.force_login(operator)
    exported = export_selected(client, extension)
    assert "password" in exported.splitlines()[0].split(",") and "sip-secret-4471" in exported
    assert exported == api_export(client)


def test_secrets_are_no_columns_of_a_tenant_administrators_export(client, acme_admin, acme):
    extension = ExtensionFactory(tenant=acme, number="100", password="sip-secret-4471")
    client.force_login(acme_admin)
    exported = export_selected(client, extension)
    assert "password" not in exported.splitlines()[0].split(",") and "sip-secret-4471" not in exported


def test_an_export_imports_back_unchanged(client, acme_admin, acme):
    for number in ("100", "101"):
        ExtensionFactory(tenant=acme, number=number)
    client.force_login(acme_admin)
    exported = body_text(client.get(EXPORT)).encode()
    response = client.post(
        "/admin/extensions/extension/import/",
        {"file": SimpleUploadedFile("export.csv", exported), "on_duplicate": "update"},
    )
    report = response.context["report"]
    assert (report["rows"], report["unchanged"]) == (2, 2), report["errors"]


def test_a_model_whose_resource_takes_no_csv_has_no_export(client, operator):
    client.force_login(operator)
    assert client.get("/admin/apikeys/apikey/export/").status_code == 403
    actions = client.get("/admin/apikeys/apikey/").context["action_form"].fields["action"].choices
    assert "export_csv_rows" not in [name for name, _label in actions]


def test_a_tenant_administrator_has_no_export_of_a_platform_model(client, acme_admin):
    client.force_login(acme_admin)
    assert client.get("/admin/routing/trunk/export/").status_code == 403


def test_a_tenant_administrator_who_sees_its_tenant_cannot_export_tenants(client, acme_admin, acme):
    client.force_login(acme_admin)
    assert client.get("/admin/tenants/tenant/export/").status_code == 403
    page = client.get("/admin/tenants/tenant/").content.decode()
    assert "export_csv_rows" not in page and "/admin/tenants/tenant/export/" not in page
