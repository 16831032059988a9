"""The admin's CSV import page (pbx.admin_csv): an upload is previewed by a dry run of the
API's import, each row with its action and each refused row with its line, column and
message, and written only when confirmed; a tenant administrator imports into its own
tenants only."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from apikeys import roles
from extensions.models import Extension
from pbx.admin_csv import PENDING_DIR
from pbx.models import ChangeLog
from tenants.models import Tenant
from tests.factories import ExtensionFactory, TenantFactory, UserFactory

IMPORT = "/admin/extensions/extension/import/"
CHANGELIST = "/admin/extensions/extension/"


@pytest.fixture
def operator(db):
    """A platform administrator (admin_api) of the admin."""
    return UserFactory(username="operator", role=roles.ADMIN, is_staff=True)


def preview(client, text, **fields):
    upload = SimpleUploadedFile("phones.csv", text.encode() if isinstance(text, str) else text)
    return client.post(IMPORT, {"file": upload, "on_duplicate": "fail", **fields})


def confirm(client, token, **fields):
    return client.post(IMPORT, {"_confirm": "1", "token": token, **fields}, follow=True)


def rows_of(response):
    return [(row["line"], row["action"], row["key"]) for row in response.context["report"]["results"]]


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def test_the_changelist_links_to_the_import_page(client, acme_admin):
    client.force_login(acme_admin)
    page = client.get(CHANGELIST).content.decode()
    assert f'href="{IMPORT}"' in page


def test_the_import_page_asks_for_a_file_and_what_an_existing_object_does(client, acme_admin):
    client.force_login(acme_admin)
    response = client.get(IMPORT)
    assert response.status_code == 200
    assert set(response.context["form"].fields) == {"file", "on_duplicate"}  # one tenant: implied


def test_the_preview_lists_each_rows_action_and_key(client, acme_admin, acme):
    ExtensionFactory(tenant=acme, number="100", name="Reception")
    client.force_login(acme_admin)
    response = preview(client, "number,name\n100,Front desk\n101,Bob\n", on_duplicate="update")
    assert response.status_code == 200
    assert rows_of(response) == [(2, "updated", "100"), (3, "created", "101")]
    page = response.content.decode()
    assert 'class="action-updated">updated<' in page and 'class="action-created">created<' in page


def test_the_preview_writes_nothing(client, acme_admin, acme):
    ExtensionFactory(tenant=acme, number="100", name="Reception")
    client.force_login(acme_admin)
    changes = ChangeLog.objects.count()
    preview(client, "number,name\n100,Front desk\n101,Bob\n", on_duplicate="update")
    assert list(Extension.objects.values_list("number", "name")) == [("100", "Reception")]
    assert ChangeLog.objects.count() == changes


def test_the_preview_shows_each_error_with_its_line_column_and_message(client, acme_admin, acme):
    ExtensionFactory(tenant=acme, number="100")
    client.force_login(acme_admin)
    response = preview(client, "number,name,ring_timeout\n100,Taken,30\n101,Bob,lots\n102,Carol,20\n")
    errors = response.context["report"]["errors"]
    assert [(e["line"], e["column"]) for e in errors] == [(2, "number"), (3, "ring_timeout")]
    page = response.content.decode()
    assert "already exists" in page and "A valid integer is required." in page
    assert rows_of(response)[2] == (4, "created", "102")


def test_a_preview_with_a_refused_row_offers_no_confirmation(client, acme_admin, acme):
    client.force_login(acme_admin)
    response = preview(client, "number,name,ring_timeout\n101,Bob,lots\n102,Carol,20\n")
    assert response.context["token"] is None
    assert 'name="_confirm"' not in response.content.decode()
    assert "1 of 2 rows are refused" in response.content.decode()


def test_a_file_that_is_no_csv_of_the_resource_is_an_error_on_the_form(client, acme_admin, acme):
    client.force_login(acme_admin)
    response = preview(client, "number,colour\n101,blue\n")
    assert response.status_code == 200
    assert "unknown column colour" in response.context["form"].errors["file"][0]
    assert not Extension.objects.exists()


def test_a_binary_file_is_an_error_on_the_form(client, acme_admin, acme):
    client.force_login(acme_admin)
    response = preview(client, b"number,name\n\x00\x01\x02\n")
    assert response.context["form"].errors["file"] == ["The file holds NUL characters: it is no CSV text."]


def test_a_spreadsheet_saved_as_windows_1252_is_read_as_such(client, acme_admin, acme):
    client.force_login(acme_admin)
    token = preview(client, "number;name\r\n101;Zoë Müller\r\n".encode("cp1252")).context["token"]
    confirm(client, token)
    assert Extension.objects.get().name == "Zoë Müller"


def test_confirming_writes_the_previewed_rows_and_reports_the_counts(client, acme_admin, acme):
    ExtensionFactory(tenant=acme, number="100", name="Reception")
    client.force_login(acme_admin)
    token = preview(client, "number,name\n100,Front desk\n101,Bob\n", on_duplicate="update").context["token"]
    response = confirm(client, token)
    assert response.redirect_chain == [(CHANGELIST, 302)]
    assert messages_of(response) == ["2 rows imported: 1 created, 1 updated."]
    assert dict(Extension.objects.values_list("number", "name")) == {"100": "Front desk", "101": "Bob"}
    assert set(Extension.objects.values_list("tenant__code", flat=True)) == {"ACME"}


def test_the_confirmation_runs_the_options_previewed_not_those_posted_with_it(client, acme_admin, acme):
    ExtensionFactory(tenant=acme, number="100", name="Reception")
    client.force_login(acme_admin)
    token = preview(client, "number,name\n100,Front desk\n", on_duplicate="skip").context["token"]
    confirm(client, token, on_duplicate="update")
    assert Extension.objects.get().name == "Reception"


def test_the_change_log_names_the_administrator_and_the_admin(client, acme_admin, acme):
    client.force_login(acme_admin)
    confirm(client, preview(client, "number,name\n101,Bob\n").context["token"])
    row = ChangeLog.objects.get(object_type="extension")
    assert (row.action, row.source, row.actor_id, row.object_label) == (
        "create",
        "admin",
        acme_admin.pk,
        "101 Bob",
    )


def test_the_upload_waits_in_no_file_once_confirmed(client, acme_admin, acme):
    client.force_login(acme_admin)
    token = preview(client, "number,name\n101,Bob\n").context["token"]
    waiting = Path(settings.MEDIA_ROOT) / PENDING_DIR / f"{token}.csv"
    assert waiting.read_bytes() == b"number,name\n101,Bob\n"
    confirm(client, token)
    assert not waiting.exists()


def test_a_token_confirms_once(client, acme_admin, acme):
    client.force_login(acme_admin)
    token = preview(client, "number,name\n101,Bob\n").context["token"]
    confirm(client, token)
    Extension.objects.all().delete()
    response = confirm(client, token)
    assert "upload the file again" in messages_of(response)[0]
    assert not Extension.objects.exists()


@pytest.mark.parametrize("token", ["", "../../etc/passwd", "x" * 43])
def test_a_confirmation_naming_no_preview_of_this_session_writes_nothing(client, acme_admin, acme, token):
    client.force_login(acme_admin)
    response = confirm(client, token)
    assert response.redirect_chain == [(IMPORT, 302)]
    assert "upload the file again" in messages_of(response)[0]
    assert not Extension.objects.exists()


def test_another_sessions_preview_cannot_be_confirmed(client, acme_admin, acme):
    client.force_login(acme_admin)
    token = preview(client, "number,name\n101,Bob\n").context["token"]
    other = UserFactory(username="acme-second", role=roles.MINOR_ADMIN, tenants=[acme], is_staff=True)
    client.force_login(other)  # a new session
    confirm(client, token)
    assert not Extension.objects.exists()


def test_a_preview_confirms_only_into_the_model_it_previewed(client, acme_admin, acme):
    client.force_login(acme_admin)
    token = preview(client, "number,name\n101,Bob\n").context["token"]
    response = client.post("/admin/routing/huntlist/import/", {"_confirm": "1", "token": token}, follow=True)
    assert "upload the file again" in messages_of(response)[0]
    assert not Extension.objects.exists()
    confirm(client, token)  # still waiting for its own page
    assert Extension.objects.get().number == "101"


def test_rows_refused_at_confirmation_are_shown_and_nothing_is_written(client, acme_admin, acme):
    client.force_login(acme_admin)
    token = preview(client, "number,name\n101,Bob\n102,Carol\n").context["token"]
    ExtensionFactory(tenant=acme, number="102")  # meanwhile, somebody took 102
    response = confirm(client, token)
    assert response.context["report"]["errors"][0]["line"] == 3
    assert "1 of 2 rows are refused, nothing was written" in messages_of(response)[0]
    assert list(Extension.objects.values_list("number", flat=True)) == ["102"]


# --- tenants -------------------------------------------------------------------------------


def test_a_tenant_column_naming_another_tenant_is_refused(client, acme_admin, acme, globex):
    client.force_login(acme_admin)
    response = preview(client, "tenant,number,name\nACME,101,Bob\nGLOBEX,102,Carol\n")
    assert rows_of(response) == [(2, "created", "101"), (3, "refused", None)]
    error = response.context["report"]["errors"][0]
    assert (error["line"], error["message"]) == (3, "Tenant 'GLOBEX' not found.")


def test_a_tenant_administrator_of_several_tenants_chooses_among_its_own(client, acme, globex):
    initech = TenantFactory(code="INITECH")
    both = UserFactory(username="both", role=roles.MINOR_ADMIN, tenants=[acme, initech], is_staff=True)
    client.force_login(both)
    choices = client.get(IMPORT).context["form"].fields["tenant"].queryset
    assert [tenant.code for tenant in choices] == ["ACME", "INITECH"]
    confirm(client, preview(client, "number,name\n101,Bob\n", tenant="INITECH").context["token"])
    assert Extension.objects.get().tenant == initech


def test_a_tenant_administrator_cannot_choose_another_tenant(client, acme, globex):
    initech = TenantFactory(code="INITECH")
    both = UserFactory(username="both", role=roles.MINOR_ADMIN, tenants=[acme, initech], is_staff=True)
    client.force_login(both)
    response = preview(client, "number,name\n101,Bob\n", tenant="GLOBEX")
    assert "tenant" in response.context["form"].errors
    assert response.context["report"] is None
    assert not Extension.objects.exists()


def test_a_platform_administrator_names_the_tenant_of_the_rows(client, operator, acme, globex):
    client.force_login(operator)
    confirm(client, preview(client, "number,name\n101,Bob\n", tenant="GLOBEX").context["token"])
    assert Extension.objects.get().tenant == globex


def test_a_platform_administrator_naming_no_tenant_is_told_to(client, operator, acme, globex):
    client.force_login(operator)
    response = preview(client, "number,name\n101,Bob\n")
    assert response.context["report"]["errors"][0]["message"].startswith("This object belongs to a tenant")


def test_a_tenant_administrator_has_no_import_of_a_platform_model(client, acme_admin):
    client.force_login(acme_admin)
    assert client.get("/admin/routing/trunk/import/").status_code == 403


def test_a_model_whose_resource_takes_no_csv_has_no_import_page(client, operator):
    client.force_login(operator)
    assert client.get("/admin/apikeys/apikey/import/").status_code == 403
    assert "/admin/apikeys/apikey/import/" not in client.get("/admin/apikeys/apikey/").content.decode()


def test_a_tenant_administrator_who_sees_its_tenant_cannot_import_tenants(client, acme_admin, acme):
    """The admin shows a tenant administrator its own tenant; the API's tenants are the
    platform's, and so is their import."""
    client.force_login(acme_admin)
    assert client.get("/admin/tenants/tenant/").status_code == 200
    assert "/admin/tenants/tenant/import/" not in client.get("/admin/tenants/tenant/").content.decode()
    upload = SimpleUploadedFile("tenants.csv", b"code,name\nNEWCO,New Co\n")
    response = client.post("/admin/tenants/tenant/import/", {"file": upload, "on_duplicate": "fail"})
    assert response.status_code == 403
    assert not Tenant.objects.filter(code="NEWCO").exists()
