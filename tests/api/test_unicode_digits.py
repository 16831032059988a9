"""Characters that str.isdigit() calls digits but int() refuses (superscripts, "³") are
no ids: wherever a tenant, an id or a number is read from text, they answer an error, not
a 500."""

import pytest

from tests.api.support import assert_error

pytestmark = pytest.mark.django_db


def test_a_superscript_tenant_is_not_found(api, admin_key, acme):
    assert_error(api(admin_key).get("/api/extensions/?tenant=%C2%B3"), 404, "tenant_not_found")


def test_a_superscript_domain_id_is_not_found(api, admin_key, acme):
    response = api(admin_key).get("/api/contacts/999999999999999999/?domain_id=%C2%B3")
    assert response.status_code in (400, 404), response.content


def test_a_superscript_destination_id_is_refused(api, acme_key, acme):
    body = {"number": "100", "destinations": {"EXT-BUSY": [{"type": "VOICEMAIL", "id": "³"}]}}
    assert_error(api(acme_key).post("/api/extensions/", body, format="json"), 400, "invalid_destination")


def test_a_superscript_id_in_an_import_is_refused_on_its_line(api, acme_key, acme):
    response = api(acme_key).post(
        "/api/contacts/import/", "id,first_name\r\n³,Alice\r\n".encode(), content_type="text/csv"
    )
    assert_error(response, 400, "rows_refused")
    assert response.json()["error"]["errors"][0]["column"] == "id"
