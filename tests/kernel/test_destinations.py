"""Destinations (docs/api.md), through the extension's slots: both written forms,
labels, validation against the tenant, in_use on delete, and the change log."""

import pytest

from extensions.models import Extension
from pbx.models import ChangeLog, Destination
from tests.factories import ExtensionFactory

URL = "/api/extensions/"


@pytest.fixture
def reception(acme):
    return ExtensionFactory(tenant=acme, number="100", name="Reception")


@pytest.fixture
def sales(acme):
    return ExtensionFactory(tenant=acme, number="200", name="Sales")


def detail(api, key, extension):
    return api(key).get(f"{URL}{extension.pk}/").json()


def test_a_slot_is_written_as_type_id_and_read_in_both_forms_with_a_label(api, acme_key, reception, sales):
    response = api(acme_key).patch(
        f"{URL}{reception.pk}/", {"destinations": {"EXT-BUSY": [f"EXT-{sales.pk}"]}}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["destinations"]["EXT-BUSY"] == [
        {"destination": f"EXT-{sales.pk}", "type": "EXT", "id": sales.pk, "label": "extension 200 (Sales)"}
    ]


def test_a_slot_is_written_as_type_and_id_objects(api, acme_key, reception, sales):
    body = {"destinations": {"EXT-NOANSWER": [{"type": "EXT", "id": sales.pk}, "HANGUP"]}}
    response = api(acme_key).patch(f"{URL}{reception.pk}/", body)
    assert response.status_code == 200, response.json()
    written = [item["destination"] for item in response.json()["destinations"]["EXT-NOANSWER"]]
    assert written == [f"EXT-{sales.pk}", "HANGUP"]


def test_every_slot_of_the_owner_is_listed_even_when_empty(api, acme_key, reception):
    assert detail(api, acme_key, reception)["destinations"] == {
        "EXT-BUSY": [],
        "EXT-NOANSWER": [],
        "EXT-UNAVAILABLE": [],
    }


def test_the_onbusy_shorthand_of_seed_001_sets_the_busy_slot(api, acme_key, reception, sales):
    response = api(acme_key).patch(f"{URL}{reception.pk}/", {"onbusy": [f"EXT-{sales.pk}"]})
    assert response.status_code == 200, response.json()
    assert response.json()["destinations"]["EXT-BUSY"][0]["id"] == sales.pk


def test_an_empty_onbusy_clears_the_busy_slot(api, acme_key, reception, sales):
    api(acme_key).patch(f"{URL}{reception.pk}/", {"onbusy": [f"EXT-{sales.pk}"]})
    response = api(acme_key).patch(f"{URL}{reception.pk}/", {"onbusy": []})
    assert response.json()["destinations"]["EXT-BUSY"] == []
    assert not Destination.objects.exists()


def test_patch_keeps_the_slots_it_does_not_send(api, acme_key, reception, sales):
    api(acme_key).patch(f"{URL}{reception.pk}/", {"destinations": {"EXT-BUSY": ["HANGUP"]}})
    api(acme_key).patch(f"{URL}{reception.pk}/", {"destinations": {"EXT-NOANSWER": [f"EXT-{sales.pk}"]}})
    slots = detail(api, acme_key, reception)["destinations"]
    assert [i["destination"] for i in slots["EXT-BUSY"]] == ["HANGUP"]


def test_put_empties_the_slots_it_does_not_send(api, acme_key, reception):
    api(acme_key).patch(f"{URL}{reception.pk}/", {"destinations": {"EXT-BUSY": ["HANGUP"]}})
    response = api(acme_key).put(f"{URL}{reception.pk}/", {"number": "100", "name": "Reception"})
    assert response.status_code == 200, response.json()
    assert response.json()["destinations"]["EXT-BUSY"] == []


def test_a_destination_can_be_set_when_the_owner_is_created(api, acme_key, sales):
    response = api(acme_key).post(URL, {"number": "300", "destinations": {"EXT-BUSY": [f"EXT-{sales.pk}"]}})
    assert response.status_code == 201, response.json()
    assert response.json()["destinations"]["EXT-BUSY"][0]["id"] == sales.pk


def test_a_target_of_another_tenant_is_invalid_and_not_revealed(api, acme_key, reception, globex):
    theirs = ExtensionFactory(tenant=globex, number="900", name="Globex secret")
    response = api(acme_key).patch(f"{URL}{reception.pk}/", {"onbusy": [f"EXT-{theirs.pk}"]})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_destination"
    assert error["fields"]["destinations"]["EXT-BUSY"] == [
        f"Item 0: EXT-{theirs.pk} does not exist in this tenant."
    ]
    assert "Globex" not in response.content.decode()


def test_an_unknown_target_type_is_invalid(api, acme_key, reception):
    response = api(acme_key).patch(f"{URL}{reception.pk}/", {"onbusy": ["PIZZA-1"]})
    assert response.json()["error"]["code"] == "invalid_destination"
    assert "unknown destination type PIZZA" in response.json()["error"]["message"]


def test_a_slot_the_owner_does_not_have_is_invalid(api, acme_key, reception):
    response = api(acme_key).patch(f"{URL}{reception.pk}/", {"destinations": {"DID": ["HANGUP"]}})
    assert response.status_code == 400
    assert "has no slot DID" in response.json()["error"]["fields"]["destinations"]["DID"][0]


def test_a_bare_number_without_a_type_is_invalid(api, acme_key, reception):
    response = api(acme_key).patch(f"{URL}{reception.pk}/", {"onbusy": [12]})
    assert response.json()["error"]["code"] == "invalid_destination"


def test_an_invalid_destination_changes_nothing(api, acme_key, reception):
    response = api(acme_key).patch(f"{URL}{reception.pk}/", {"name": "Renamed", "onbusy": ["EXT-999999"]})
    assert response.status_code == 400
    assert Extension.objects.get(pk=reception.pk).name == "Reception"


def test_the_target_lists_who_refers_to_it(api, acme_key, reception, sales):
    api(acme_key).patch(f"{URL}{reception.pk}/", {"onbusy": [f"EXT-{sales.pk}"]})
    assert detail(api, acme_key, sales)["referenced_by"] == [
        {"type": "extension", "id": reception.pk, "label": "extension 100 Reception", "slot": "EXT-BUSY"}
    ]


def test_lists_leave_destinations_out(api, acme_key, reception):
    row = api(acme_key).get(URL).json()["results"][0]
    assert "destinations" not in row and "referenced_by" not in row


def test_deleting_a_referenced_object_answers_in_use_with_the_referrers(api, acme_key, reception, sales):
    api(acme_key).patch(f"{URL}{reception.pk}/", {"onbusy": [f"EXT-{sales.pk}"]})
    response = api(acme_key).delete(f"{URL}{sales.pk}/")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "in_use"
    assert error["referrers"][0]["id"] == reception.pk
    assert Extension.objects.filter(pk=sales.pk).exists()


def test_a_forced_delete_removes_the_references(api, acme_key, reception, sales):
    api(acme_key).patch(f"{URL}{reception.pk}/", {"onbusy": [f"EXT-{sales.pk}"]})
    response = api(acme_key).delete(f"{URL}{sales.pk}/?force=true")
    assert response.status_code == 204
    assert not Destination.objects.exists()
    assert detail(api, acme_key, reception)["destinations"]["EXT-BUSY"] == []


def test_deleting_the_owner_removes_its_destinations(api, acme_key, reception, sales):
    api(acme_key).patch(f"{URL}{reception.pk}/", {"onbusy": [f"EXT-{sales.pk}"]})
    assert api(acme_key).delete(f"{URL}{reception.pk}/").status_code == 204
    assert not Destination.objects.exists()


def test_a_target_deleted_outside_the_api_leaves_no_dangling_destination(api, acme_key, reception, sales):
    api(acme_key).patch(f"{URL}{reception.pk}/", {"onbusy": [f"EXT-{sales.pk}"]})
    Extension.objects.get(pk=sales.pk).delete()
    assert not Destination.objects.exists()


def test_a_change_of_slots_is_in_the_change_log(api, acme_key, reception, sales):
    api(acme_key).patch(f"{URL}{reception.pk}/", {"onbusy": [f"EXT-{sales.pk}"]})
    change = ChangeLog.objects.get(object_id=reception.pk, action="update")
    assert change.changed_fields == ["destinations"]
    assert change.before["destinations"] == {"EXT-BUSY": []}
    assert change.after["destinations"] == {"EXT-BUSY": [f"EXT-{sales.pk}"]}


def test_resending_the_same_slots_is_no_change(api, acme_key, reception, sales):
    body = {"onbusy": [f"EXT-{sales.pk}"]}
    api(acme_key).patch(f"{URL}{reception.pk}/", body)
    api(acme_key).patch(f"{URL}{reception.pk}/", body)
    assert ChangeLog.objects.filter(object_id=reception.pk, action="update").count() == 1


def test_a_forced_delete_logs_the_referrers_lost_destinations(api, acme_key, reception, sales):
    api(acme_key).patch(f"{URL}{reception.pk}/", {"onbusy": [f"EXT-{sales.pk}", "HANGUP"]})
    api(acme_key).delete(f"{URL}{sales.pk}/?force=true")
    change = ChangeLog.objects.filter(object_id=reception.pk, action="update").order_by("-id").first()
    assert change.before["destinations"] == {"EXT-BUSY": [f"EXT-{sales.pk}", "HANGUP"]}
    assert change.after["destinations"] == {"EXT-BUSY": ["HANGUP"]}
