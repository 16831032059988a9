"""Bulk create, update and delete of extensions: all or nothing."""

from extensions.models import Extension
from tests.factories import ExtensionFactory

URL = "/api/extensions/"


def test_an_array_creates_every_extension(api, acme_key):
    response = api(acme_key).post(URL, [{"number": "100"}, {"number": "101"}, {"number": "102"}])
    assert response.status_code == 201
    assert [row["number"] for row in response.json()] == ["100", "101", "102"]
    assert Extension.objects.count() == 3


def test_one_invalid_element_creates_nothing_and_is_reported_by_index(api, acme_key):
    response = api(acme_key).post(URL, [{"number": "100"}, {"number": "abc"}, {"name": "no number"}])
    assert response.status_code == 400
    error = response.json()["error"]
    assert [item["index"] for item in error["items"]] == [1, 2]
    assert "number" in error["items"][0]["fields"]
    assert not Extension.objects.exists()


def test_a_number_repeated_within_the_batch_creates_nothing(api, acme_key):
    response = api(acme_key).post(URL, [{"number": "100"}, {"number": "100"}])
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "number_in_use"
    assert response.json()["error"]["index"] == 1
    assert not Extension.objects.exists()


def test_an_empty_array_is_refused(api, acme_key):
    response = api(acme_key).post(URL, [])
    assert response.status_code == 400


def test_bulk_patch_updates_all(api, acme_key, acme):
    first, second = ExtensionFactory(tenant=acme), ExtensionFactory(tenant=acme)
    response = api(acme_key).patch(URL, [{"id": first.pk, "name": "A"}, {"id": second.pk, "name": "B"}])
    assert response.status_code == 200
    assert sorted(Extension.objects.values_list("name", flat=True)) == ["A", "B"]


def test_bulk_patch_with_one_bad_element_changes_nothing(api, acme_key, acme):
    first, second = ExtensionFactory(tenant=acme, name="keep"), ExtensionFactory(tenant=acme, name="keep")
    response = api(acme_key).patch(
        URL, [{"id": first.pk, "name": "changed"}, {"id": second.pk, "ring_timeout": 1}]
    )
    assert response.status_code == 400
    assert response.json()["error"]["items"][0]["index"] == 1
    assert set(Extension.objects.values_list("name", flat=True)) == {"keep"}


def test_bulk_patch_needs_ids(api, acme_key, acme):
    response = api(acme_key).patch(URL, [{"name": "x"}])
    assert response.status_code == 400
    assert "id" in response.json()["error"]["message"]


def test_bulk_patch_with_an_unknown_id_changes_nothing(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme, name="keep")
    response = api(acme_key).patch(URL, [{"id": extension.pk, "name": "x"}, {"id": 999999, "name": "y"}])
    assert response.status_code == 404
    extension.refresh_from_db()
    assert extension.name == "keep"


def test_bulk_delete_removes_all(api, acme_key, acme):
    first, second = ExtensionFactory(tenant=acme), ExtensionFactory(tenant=acme)
    response = api(acme_key).delete(URL, [{"id": first.pk}, {"id": second.pk}])
    assert response.status_code == 204
    assert not Extension.objects.exists()


def test_bulk_delete_with_an_unknown_id_removes_nothing(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme)
    response = api(acme_key).delete(URL, [{"id": extension.pk}, {"id": 999999}])
    assert response.status_code == 404
    assert Extension.objects.filter(pk=extension.pk).exists()
