"""A user_api user: its own extensions' do-not-disturb, forwarding and caller ID, nothing more."""

from extensions.models import Extension
from tests.factories import ExtensionFactory

URL = "/api/extensions/"


def test_a_user_reads_its_tenants_extensions(api, acme_user_key, acme, acme_user):
    ExtensionFactory(tenant=acme, number="100", user=acme_user)
    ExtensionFactory(tenant=acme, number="101")
    rows = api(acme_user_key).get(URL).json()["results"]
    assert [row["number"] for row in rows] == ["100", "101"]


def test_a_user_changes_do_not_disturb_and_forwarding_on_its_own_extension(
    api, acme_user_key, acme, acme_user
):
    extension = ExtensionFactory(tenant=acme, user=acme_user)
    response = api(acme_user_key).patch(
        f"{URL}{extension.pk}/",
        {
            "do_not_disturb": True,
            "forward_busy_enabled": True,
            "forward_busy_destination": "5551234",
            "caller_id_name": "Alice",
        },
    )
    assert response.status_code == 200, response.json()
    extension.refresh_from_db()
    assert (extension.do_not_disturb, extension.forward_busy_destination, extension.caller_id_name) == (
        True,
        "5551234",
        "Alice",
    )


def test_a_user_cannot_change_other_fields_of_its_own_extension(api, acme_user_key, acme, acme_user):
    extension = ExtensionFactory(tenant=acme, user=acme_user, name="Mine")
    response = api(acme_user_key).patch(f"{URL}{extension.pk}/", {"name": "Renamed", "do_not_disturb": True})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert list(response.json()["error"]["fields"]) == ["name"]
    extension.refresh_from_db()
    assert (extension.name, extension.do_not_disturb) == ("Mine", False)


def test_a_user_cannot_change_someone_elses_extension(api, acme_user_key, acme):
    extension = ExtensionFactory(tenant=acme)
    response = api(acme_user_key).patch(f"{URL}{extension.pk}/", {"do_not_disturb": True})
    assert response.status_code == 403
    extension.refresh_from_db()
    assert extension.do_not_disturb is False


def test_a_user_cannot_create_or_delete_extensions(api, acme_user_key, acme, acme_user):
    extension = ExtensionFactory(tenant=acme, user=acme_user)
    assert api(acme_user_key).post(URL, {"number": "500"}).status_code == 403
    assert api(acme_user_key).delete(f"{URL}{extension.pk}/").status_code == 403
    assert Extension.objects.count() == 1


def test_a_user_may_not_put(api, acme_user_key, acme, acme_user):
    extension = ExtensionFactory(tenant=acme, user=acme_user)
    response = api(acme_user_key).put(f"{URL}{extension.pk}/", {"number": extension.number})
    assert response.status_code == 403
    assert "PATCH" in response.json()["error"]["message"]


def test_a_user_may_use_the_seed_004_field_names(api, acme_user_key, acme, acme_user):
    extension = ExtensionFactory(tenant=acme, user=acme_user)
    response = api(acme_user_key).patch(f"{URL}{extension.pk}/", {"effective_caller_id_name": "Al"})
    assert response.status_code == 200
    assert response.json()["caller_id_name"] == "Al"
