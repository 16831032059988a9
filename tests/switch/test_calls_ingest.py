"""POST /api/switch/calls/: each call through Kamailio ends as exactly one call record
(and so one `call.completed` webhook), with the ids pbx gave the switch checked to be
the tenant's."""

import datetime as dt

import pytest

from cdrs.models import CallRecord
from tests.factories import DIDFactory, ExtensionFactory, TrunkFactory, WebhookFactory
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db

START = 1_774_602_000.25  # 2026-03-27 09:00:00.25 UTC


@pytest.fixture
def call(alice, bob):
    """Alice called Bob; he answered after 5 s and they spoke for 60 s."""
    return {
        "call_id": "a84b4c76e66710@198.51.100.1",
        "tenant": "ACME",
        "direction": "internal",
        "caller_number": "100",
        "caller_name": "Alice",
        "destination_number": "101",
        "extension": alice.pk,
        "did": None,
        "trunk": None,
        "start": START,
        "answer": START + 5,
        "end": START + 65,
        "code": 200,
        "reason": "OK",
    }


def post(client, body):
    return client.post("/api/switch/calls/", body, format="json")


def test_a_finished_call_is_stored_as_one_record(switch, call, alice):
    response = post(switch, call)
    assert response.status_code == 201, response.json()
    record = CallRecord.objects.get()
    assert response.json() == {
        "id": record.pk,
        "call_id": call["call_id"],
        "tenant": "ACME",
        "stored": 1,
        "skipped": 0,
    }
    assert (record.direction, record.caller_number, record.destination_number) == ("internal", "100", "101")
    assert (record.extension_id, record.duration, record.billsec) == (alice.pk, 65, 60)
    assert record.start == dt.datetime(2026, 3, 27, 9, 0, 0, 250000, tzinfo=dt.UTC)


def test_a_repeat_of_the_call_is_skipped_never_stored_twice(switch, call):
    post(switch, call)
    response = post(switch, call)
    assert response.status_code == 200
    assert (response.json()["stored"], response.json()["skipped"]) == (0, 1)
    assert CallRecord.objects.count() == 1


def test_the_same_call_id_in_another_tenant_is_another_call(switch, call, globex):
    post(switch, call)
    response = post(switch, {**call, "tenant": "GLOBEX", "extension": None})
    assert response.status_code == 201
    assert CallRecord.objects.count() == 2


@pytest.mark.parametrize(
    ("code", "disposition"),
    [
        (200, "ANSWERED"),
        (486, "BUSY"),
        (600, "BUSY"),
        (487, "NO ANSWER"),
        (408, "NO ANSWER"),
        (480, "NO ANSWER"),
        (404, "FAILED"),
        (503, "FAILED"),
    ],
)
def test_the_disposition_comes_from_the_final_sip_code(switch, call, code, disposition):
    answer = call["answer"] if code == 200 else 0
    post(switch, {**call, "code": code, "answer": answer})
    assert CallRecord.objects.get().disposition == disposition


def test_the_sip_code_and_reason_are_the_hangup_cause(switch, call):
    post(switch, {**call, "answer": 0, "code": 486, "reason": "Busy Here"})
    assert CallRecord.objects.get().hangup_cause == "486 Busy Here"


def test_a_call_never_answered_has_no_answer_time_and_no_billed_seconds(switch, call):
    post(switch, {**call, "answer": 0, "code": 487, "reason": "Request Terminated"})
    record = CallRecord.objects.get()
    assert (record.answer, record.billsec, record.duration) == (None, 0, 65)


def test_an_inbound_call_keeps_its_did_and_trunk(switch, call, acme_did, carrier, bob):
    body = {**call, "direction": "inbound", "extension": bob.pk, "did": acme_did.pk, "trunk": carrier.pk}
    assert post(switch, body).status_code == 201
    record = CallRecord.objects.get()
    assert (record.direction, record.did_id, record.trunk_id) == ("inbound", acme_did.pk, carrier.pk)


def test_a_stored_call_sends_one_call_completed_webhook(switch, call, acme):
    hook = WebhookFactory(tenant=acme, events=["call.completed"])
    post(switch, call)
    post(switch, call)
    deliveries = Delivery.objects.filter(webhook=hook)
    assert [delivery.event for delivery in deliveries] == ["call.completed"]


# --- refused, and nothing stored ----------------------------------------------------------------


def refused(response, field):
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "validation_error"
    assert field in response.json()["error"]["fields"]
    assert not CallRecord.objects.exists()


def test_another_tenants_extension_is_refused(switch, call, globex):
    other = ExtensionFactory(tenant=globex, number="101")
    refused(post(switch, {**call, "extension": other.pk}), "extension")


def test_another_tenants_did_is_refused(switch, call, globex):
    other = DIDFactory(tenant=globex)
    refused(post(switch, {**call, "did": other.pk}), "did")


def test_a_trunk_not_assigned_to_the_tenant_is_refused(switch, call):
    other = TrunkFactory()
    refused(post(switch, {**call, "trunk": other.pk}), "trunk")


def test_an_unknown_tenant_is_refused(switch, call):
    refused(post(switch, {**call, "tenant": "NOSUCH", "extension": None}), "tenant")


def test_an_end_before_the_start_is_refused(switch, call):
    refused(post(switch, {**call, "answer": 0, "end": START - 1}), "end")


def test_an_answer_outside_the_call_is_refused(switch, call):
    refused(post(switch, {**call, "answer": START + 100}), "answer")


@pytest.mark.parametrize("field", ["call_id", "tenant", "direction", "start", "end", "code"])
def test_a_missing_field_is_refused_naming_it(switch, call, field):
    refused(post(switch, {key: value for key, value in call.items() if key != field}), field)


def test_a_sip_code_that_is_no_sip_code_is_refused(switch, call):
    refused(post(switch, {**call, "code": 999}), "code")


def test_an_unknown_field_is_unknown_field(switch, call):
    response = post(switch, {**call, "duraton": 60})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_field"
    assert "duraton" in response.json()["error"]["fields"]
    assert not CallRecord.objects.exists()


def test_a_body_that_is_not_json_is_invalid_json(switch, alice):
    response = switch.post("/api/switch/calls/", '{"call_id": ', content_type="application/json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_json")


def test_a_list_of_calls_is_refused(switch, call):
    refused(post(switch, [call]), "non_field_errors")
