"""CSV import and export, checked on every writable resource the router has: whatever a
resource's fields, its export imports back unchanged, every exported object is found
again by its natural key, a dry run writes nothing, and a bad file or column is a 400
that writes nothing."""

import pytest
from django.apps import apps

from pbx.models import ChangeLog
from tests.api.routes import ROUTES, routes_where
from tests.api.support import assert_error, body_text, make, snapshot

pytestmark = pytest.mark.django_db

IMPORTS = routes_where(lambda r: r.is_resource and r.action("POST") == "import_rows")
EXPORTS = routes_where(lambda r: r.is_resource and r.action("GET") == "export_rows")
TENANT = {"tenant": "ACME"}


def export_route_of(route):
    return next(r for r in ROUTES if r.view_class is route.view_class and r.action("GET") == "export_rows")


def exported(client, route, query=None):
    response = client.get(export_route_of(route).url(query))
    assert response.status_code == 200, body_text(response)[:500]
    assert response["Content-Type"].startswith("text/csv")
    return body_text(response)


def imported(client, route, text, **query):
    return client.post(route.url(query or None), text.encode(), content_type="text/csv")


def stored_rows():
    """Every row of every table: a dry run writes and rolls back, which the write counters
    of support.snapshot() would count, so it is judged by what the tables hold after."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values()) for model in apps.get_models()
    }


def test_every_writable_resource_has_an_import_and_an_export():
    importing = {r.view_class for r in IMPORTS["argvalues"]}
    exporting = {r.view_class for r in EXPORTS["argvalues"]}
    writable = {r.view_class for r in ROUTES if r.is_resource and r.is_list and "POST" in r.methods}
    assert importing == exporting
    assert writable - importing == {v for v in writable if not v.importable}


@pytest.mark.parametrize("route", **IMPORTS)
def test_an_export_imported_back_with_update_changes_and_logs_nothing(
    api, admin_key, acme, acme_admin, route
):
    make(route, tenant=acme, user=acme_admin, count=2)
    client = api(admin_key)
    text = exported(client, route)
    changes, before = ChangeLog.objects.count(), snapshot()
    response = imported(client, route, text, on_duplicate="update")
    assert response.status_code == 200, response.json()
    report = response.json()
    assert report["unchanged"] == report["rows"] >= 2, report
    assert ChangeLog.objects.count() == changes
    assert snapshot() == before


@pytest.mark.parametrize("route", **IMPORTS)
def test_a_tenant_keys_export_imports_back_unchanged_too(api, acme_key, acme, acme_admin, route):
    if not route.is_tenant_owned:
        pytest.skip("a platform resource: tenant keys neither export nor import it")
    make(route, tenant=acme, user=acme_admin, count=2)
    client = api(acme_key)
    response = imported(client, route, exported(client, route), on_duplicate="update")
    assert response.status_code == 200, response.json()
    assert response.json()["unchanged"] == response.json()["rows"] >= 2


@pytest.mark.parametrize("route", **IMPORTS)
def test_every_exported_object_is_found_again_as_a_duplicate(api, admin_key, acme, acme_admin, route):
    make(route, tenant=acme, user=acme_admin, count=2)
    client = api(admin_key)
    response = imported(client, route, exported(client, route), dry_run="true")
    report = response.json()
    assert response.status_code == 200, report
    assert report["refused"] == report["rows"] >= 2, report
    assert {error["code"] for error in report["errors"]} == {"duplicate"}, report["errors"]


@pytest.mark.parametrize("route", **IMPORTS)
def test_skip_leaves_every_existing_object_alone(api, admin_key, acme, acme_admin, route):
    make(route, tenant=acme, user=acme_admin, count=2)
    client = api(admin_key)
    text = exported(client, route)
    before = snapshot()
    response = imported(client, route, text, on_duplicate="skip")
    assert response.status_code == 200, response.json()
    assert response.json()["skipped"] == response.json()["rows"] >= 2
    assert snapshot() == before


@pytest.mark.parametrize("route", **IMPORTS)
def test_an_unknown_column_is_400_naming_the_columns_and_writes_nothing(api, admin_key, acme, route):
    before = snapshot()
    query = TENANT if route.is_tenant_owned else {}
    response = imported(api(admin_key), route, "no_such_column\r\nx\r\n", **query)
    assert_error(response, 400, "unknown_field")
    assert "no_such_column" in response.json()["error"]["message"]
    assert snapshot() == before


@pytest.mark.parametrize("route", **IMPORTS)
def test_an_unknown_query_parameter_is_400(api, admin_key, acme, route):
    response = imported(api(admin_key), route, "id\r\n", dry_rnu="true")
    assert_error(response, 400, "unknown_parameter")


@pytest.mark.parametrize("route", **IMPORTS)
def test_an_empty_body_is_400_invalid_csv(api, admin_key, acme, route):
    assert_error(imported(api(admin_key), route, ""), 400, "invalid_csv")


@pytest.mark.parametrize("route", **IMPORTS)
def test_an_unknown_on_duplicate_is_400(api, admin_key, acme, route):
    response = imported(api(admin_key), route, "id\r\n1\r\n", on_duplicate="merge")
    assert_error(response, 400, "validation_error")
    assert "on_duplicate" in response.json()["error"]["fields"]


@pytest.mark.parametrize("route", **IMPORTS)
def test_a_dry_run_of_new_rows_writes_nothing(api, admin_key, acme, acme_admin, route):
    objects = make(route, tenant=acme, user=acme_admin, count=2)
    client = api(admin_key)
    text = exported(client, route)
    for obj in objects:
        obj.delete()  # the file now describes objects that do not exist
    before = stored_rows()
    response = imported(client, route, text, dry_run="true")
    assert response.status_code == 200, response.json()
    assert response.json()["dry_run"] is True
    assert stored_rows() == before


@pytest.mark.parametrize("route", **IMPORTS)
def test_another_tenants_key_cannot_import_over_acmes_objects(
    api, admin_key, globex_key, acme, acme_admin, route
):
    if not route.is_tenant_owned:
        pytest.skip("a platform resource: tenant keys neither export nor import it")
    make(route, tenant=acme, user=acme_admin, count=1)
    text = exported(api(admin_key), route)
    before = snapshot()
    response = imported(api(globex_key), route, text, on_duplicate="update")
    assert response.status_code in (400, 403), response.content
    assert "ACME" not in body_text(response).replace("'ACME'", "")  # only echoed as given
    assert snapshot() == before


@pytest.mark.parametrize("route", **EXPORTS)
def test_an_export_shows_no_other_tenants_objects(api, globex_key, acme, acme_admin, route):
    if not route.is_tenant_owned:
        pytest.skip("a platform resource")
    make(route, tenant=acme, user=acme_admin, count=2)
    response = api(globex_key).get(route.url())
    assert response.status_code == 200
    lines = [line for line in body_text(response).splitlines() if line.strip()]
    assert len(lines) == 1, lines  # the header alone
