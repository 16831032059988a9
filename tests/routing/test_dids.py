"""DIDs: E.164 numbers unique across the platform, and their destination slots."""

import pytest

from routing.models import DID
from tests.factories import DIDFactory, ExtensionFactory, ScheduleFactory, VoicemailFactory


@pytest.mark.parametrize(
    "written", ["+39 02 1234 5678", "0039 (02) 1234-5678", "390212345678", "+39.02.12345678", 390212345678]
)
def test_a_number_in_any_notation_is_stored_in_e164(api, acme_key, written):
    response = api(acme_key).post("/api/dids/", {"number": written}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["number"] == "+390212345678"


@pytest.mark.parametrize("written", ["12", "+0212345678", "call me", "+3902123456789012"])
def test_a_number_that_is_not_e164_is_refused_with_the_reason(api, acme_key, written):
    response = api(acme_key).post("/api/dids/", {"number": written}, format="json")
    assert response.status_code == 400
    assert "E.164" in response.json()["error"]["fields"]["number"][0]


def test_a_number_belongs_to_one_tenant_and_the_clash_names_no_one(api, globex_key, acme):
    DIDFactory(tenant=acme, number="+390212345678")
    response = api(globex_key).post("/api/dids/", {"number": "+39 02 12345678"}, format="json")
    assert response.status_code == 409
    assert "ACME" not in response.content.decode()
    assert DID.objects.count() == 1


def test_the_seed_001_did_example_works_as_written(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme, number="101")
    box = VoicemailFactory(tenant=acme, mailbox="10")
    body = {
        "di_number": "390212345678",
        "di_comment": "Main number",
        "destinations": {
            "DID": [f"EXT-{extension.pk}"],
            "DID-UNCONDITIONAL": [{"type": "VOICEMAIL", "id": box.pk}],
        },
    }
    created = api(acme_key).post("/api/dids/?tenant=ACME", body, format="json")
    assert created.status_code == 201, created.json()
    did = created.json()
    assert (did["number"], did["description"]) == ("+390212345678", "Main number")
    assert [d["destination"] for d in did["destinations"]["DID-UNCONDITIONAL"]] == [f"VOICEMAIL-{box.pk}"]
    # ... and its PATCH example, on our path.
    patched = api(acme_key).patch(
        f"/api/dids/{did['id']}/?tenant=ACME",
        {"destinations": {"DID": [f"EXT-{extension.pk}"]}},
        format="json",
    )
    assert patched.status_code == 200
    assert [d["destination"] for d in patched.json()["destinations"]["DID"]] == [f"EXT-{extension.pk}"]
    assert patched.json()["destinations"]["DID-UNCONDITIONAL"]  # PATCH kept the other slot


def test_a_destination_in_another_tenant_is_refused_without_revealing_it(api, acme_key, acme, globex):
    theirs = ExtensionFactory(tenant=globex, number="555", name="Globex CEO")
    did = DIDFactory(tenant=acme)
    response = api(acme_key).patch(
        f"/api/dids/{did.pk}/", {"destinations": {"DID": [f"EXT-{theirs.pk}"]}}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_destination"
    assert "Globex" not in response.content.decode()


def test_a_schedule_of_another_tenant_is_refused(api, acme_key, acme, globex):
    theirs = ScheduleFactory(tenant=globex)
    did = DIDFactory(tenant=acme)
    response = api(acme_key).patch(f"/api/dids/{did.pk}/", {"schedule": theirs.pk}, format="json")
    assert response.status_code == 400
    assert f"No schedule {theirs.pk} in this tenant" in response.json()["error"]["fields"]["schedule"][0]


def test_a_schedule_used_by_a_did_is_not_deleted_unless_forced(api, acme_key, acme):
    schedule = ScheduleFactory(tenant=acme)
    did = DIDFactory(tenant=acme, schedule=schedule)
    refused = api(acme_key).delete(f"/api/schedules/{schedule.pk}/")
    assert refused.status_code == 409
    assert refused.json()["error"]["referrers"][0]["id"] == did.pk
    assert api(acme_key).delete(f"/api/schedules/{schedule.pk}/?force=true").status_code == 204
    did.refresh_from_db()
    assert did.schedule_id is None


def test_the_sms_and_fax_slots_take_destinations(api, acme_key, acme):
    box = VoicemailFactory(tenant=acme)
    did = DIDFactory(tenant=acme)
    slots = {"DID-SMS": [f"VOICEMAIL-{box.pk}"], "DID-FAXSUCCESS": [f"VOICEMAIL-{box.pk}"]}
    response = api(acme_key).patch(f"/api/dids/{did.pk}/", {"destinations": slots}, format="json")
    assert response.status_code == 200
    assert set(response.json()["destinations"]) == {"DID", "DID-UNCONDITIONAL", "DID-SMS", "DID-FAXSUCCESS"}


def test_a_tenant_whose_did_has_a_schedule_is_deleted_with_cascade(api, admin_key, acme):
    DIDFactory(tenant=acme, schedule=ScheduleFactory(tenant=acme))
    assert api(admin_key).delete(f"/api/tenants/{acme.pk}/?cascade=true").status_code == 204
    assert not DID.objects.exists()


def test_the_djangopbx_inbound_route_example_sends_the_did_to_the_extension(api, acme_key, acme):
    desk = ExtensionFactory(tenant=acme, number="1001")
    body = {"name": "Main Number", "number": "+1234567890", "destination_number": "1001", "enabled": True}
    response = api(acme_key).post("/api/dids/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["description"] == "Main Number"
    assert [d["destination"] for d in response.json()["destinations"]["DID"]] == [f"EXT-{desk.pk}"]


def test_an_extension_number_the_tenant_lacks_is_refused(api, acme_key):
    response = api(acme_key).post("/api/dids/", {"number": "+1234567890", "extension": "1001"}, format="json")
    assert response.status_code == 400
    assert "No extension 1001" in response.json()["error"]["fields"]["extension_number"][0]
