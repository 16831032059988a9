"""The change log: one row per change, through every door, in the change's transaction."""

from pbx.models import ChangeLog
from tests.factories import ExtensionFactory

URL = "/api/extensions/"


def rows(**filters):
    return list(ChangeLog.objects.filter(**filters).order_by("id"))


def test_a_create_through_the_api_is_logged_with_who_and_where(api, acme_key, acme):
    response = api(acme_key).post(URL, {"number": "100", "name": "Desk"}, HTTP_X_REQUEST_ID="req-123")
    [row] = rows(object_type="extension")
    assert (row.action, row.object_id, row.tenant_id, row.tenant_code) == (
        "create",
        response.json()["id"],
        acme.pk,
        "ACME",
    )
    assert (row.actor_name, row.api_key_prefix, row.request_id, row.client_ip) == (
        "acme-admin",
        acme_key.prefix,
        "req-123",
        "127.0.0.1",
    )
    assert row.before is None and row.after["number"] == "100"
    assert row.source == "api"


def test_secrets_are_redacted_in_snapshots(api, acme_key):
    api(acme_key).post(URL, {"number": "100", "password": "super-secret-sip"})
    [row] = rows(object_type="extension")
    assert row.after["password"] == "********"
    assert "super-secret-sip" not in str(row.after)


def test_an_update_records_before_after_and_the_changed_fields(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme, name="Old")
    api(acme_key).patch(f"{URL}{extension.pk}/", {"name": "New", "do_not_disturb": True})
    [row] = rows(object_type="extension", action="update")
    assert row.changed_fields == ["do_not_disturb", "name"]
    assert (row.before["name"], row.after["name"]) == ("Old", "New")


def test_an_update_that_changes_nothing_leaves_no_row(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme, name="Same")
    api(acme_key).patch(f"{URL}{extension.pk}/", {"name": "Same"})
    assert rows(action="update") == []


def test_a_delete_keeps_the_last_snapshot(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme, number="100")
    api(acme_key).delete(f"{URL}{extension.pk}/")
    [row] = rows(action="delete")
    assert (row.object_id, row.before["number"], row.after) == (extension.pk, "100", None)


def test_a_bulk_create_logs_each_object(api, acme_key):
    api(acme_key).post(URL, [{"number": "100"}, {"number": "101"}])
    assert len(rows(object_type="extension", action="create")) == 2


def test_a_failed_bulk_write_leaves_no_rows(api, acme_key):
    response = api(acme_key).post(URL, [{"number": "100"}, {"number": "100"}])
    assert response.status_code == 409
    assert rows() == []


def test_role_and_tenant_changes_of_a_user_are_logged(api, admin_key, acme_user, globex):
    api(admin_key).patch(
        f"/api/users/{acme_user.pk}/", {"role": "minor_admin_api", "tenants": ["ACME", "GLOBEX"]}
    )
    [row] = rows(object_type="user")
    assert row.changed_fields == ["is_staff", "role", "tenants"]  # a tenant admin is staff
    assert row.after["tenants"] == ["ACME", "GLOBEX"]
    assert row.after["password"] == "********"


def test_revoking_a_key_is_logged_without_the_digest(api, admin_key):
    created = api(admin_key).post("/api/api-keys/", {"name": "tmp"}).json()
    api(admin_key).delete(f"/api/api-keys/{created['id']}/")
    actions = [
        (row.action, row.changed_fields) for row in rows(object_type="apikey", object_id=created["id"])
    ]
    assert actions[0][0] == "create" and actions[1] == ("update", ["revoked_at"])
    assert rows(object_type="apikey")[0].after["key_hash"] == "********"


def test_changes_list_is_scoped_to_the_callers_tenants(api, acme_key, globex_key):
    api(acme_key).post(URL, {"number": "100"})
    api(globex_key).post(URL, {"number": "200"})
    labels = [row["object_label"] for row in api(acme_key).get("/api/changes/").json()["results"]]
    assert labels == ["100"]


def test_changes_filter_by_object(api, acme_key, acme):
    first, second = ExtensionFactory(tenant=acme), ExtensionFactory(tenant=acme)
    api(acme_key).patch(f"{URL}{first.pk}/", {"name": "A"})
    api(acme_key).patch(f"{URL}{second.pk}/", {"name": "B"})
    results = (
        api(acme_key).get(f"/api/changes/?object_type=extension&object_id={second.pk}").json()["results"]
    )
    assert [row["after"]["name"] for row in results] == ["B"]


def test_every_detail_links_to_its_history(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme)
    history = api(acme_key).get(f"{URL}{extension.pk}/").json()["history"]
    assert history.endswith(f"/api/changes/?object_type=extension&object_id={extension.pk}")


def test_a_user_sees_only_its_own_changes(api, acme_key, acme_user_key, acme, acme_user):
    own = ExtensionFactory(tenant=acme, user=acme_user)
    api(acme_key).post(URL, {"number": "900"})
    api(acme_user_key).patch(f"{URL}{own.pk}/", {"do_not_disturb": True})
    results = api(acme_user_key).get("/api/changes/").json()["results"]
    assert [(row["actor"], row["object_id"]) for row in results] == [("acme-user", own.pk)]


def test_changes_are_read_only(api, admin_key):
    assert api(admin_key).post("/api/changes/", {}).status_code == 405
