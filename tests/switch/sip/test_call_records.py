"""Every call through Kamailio ends as exactly one call record in pbx: Kamailio posts the
finished dialog (answered and hung up, busy, unanswered, cancelled, failed after every
trunk, refused) to /api/switch/calls/ once, with the tenant, extension, DID and trunk
pbx named in its answer; the record's `call.completed` webhook is queued with it."""

import time

import pytest

from cdrs.models import CallRecord
from tests.factories import DIDFactory, TrunkFactory, WebhookFactory
from tests.switch.sip.harness import free_port
from tests.switch.support import outbound_route, set_slot
from webhooks.models import Delivery

CARRIER = "127.0.0.2"


def record_of(dialog, seconds=5):
    """The one call record of the sipp call `dialog` (Kamailio posts it before it passes
    the final answer or the BYE on; a short wait covers a slow machine)."""
    deadline = time.monotonic() + seconds
    while not (records := list(CallRecord.objects.filter(call_id=dialog.call_id))):
        assert time.monotonic() < deadline, f"no call record for {dialog.call_id}"
        time.sleep(0.05)
    time.sleep(0.2)  # a second record would come at once
    records = list(CallRecord.objects.filter(call_id=dialog.call_id))
    assert len(records) == 1, records
    return records[0]


@pytest.fixture
def trunks(acme_on_media):
    made = []
    for name in ("first", "second"):
        trunk = TrunkFactory(name=name, host=CARRIER, port=free_port(CARRIER), transport="udp")
        trunk.tenants.add(acme_on_media)
        made.append(trunk)
    outbound_route(acme_on_media, "National", [("_0ZX.", 1, "+39")], made)
    return made


def test_an_answered_call_is_one_record_with_its_tenant_and_extension(sip, alice, bob):
    sip.phone(bob)

    call = sip.call(alice, "101", hold=1200)

    record = record_of(call)
    assert (record.tenant.code, record.direction, record.extension_id) == ("ACME", "internal", alice.pk)
    assert (record.disposition, record.hangup_cause) == ("ANSWERED", "200 OK")
    assert (record.caller_number, record.caller_name, record.destination_number) == ("alice", "Alice", "101")
    assert record.start <= record.answer <= record.end
    assert 1 <= (record.end - record.answer).total_seconds() < 5


def test_a_busy_callee_is_one_busy_record(sip, alice, bob):
    sip.phone(bob, "reject", code=486, reason="Busy Here")

    record = record_of(sip.call(alice, "101"))

    assert (record.disposition, record.answer) == ("BUSY", None)


def test_a_call_the_caller_cancels_is_one_unanswered_record(sip, alice, bob):
    sip.phone(bob, "ring")

    call = sip.call(alice, "101", scenario="cancel", hold=500)

    assert call.final == 487
    record = record_of(call)
    assert (record.disposition, record.hangup_cause) == ("NO ANSWER", "487 Request Terminated")


def test_a_call_pbx_refuses_is_one_failed_record(sip, alice):
    call = sip.call(alice, "199")

    assert call.final == 404
    record = record_of(call)
    assert (record.disposition, record.hangup_cause, record.extension_id) == (
        "FAILED",
        "404 Not Found",
        alice.pk,
    )


def test_an_inbound_call_records_its_did_and_the_extension_it_reached(sip, acme_on_media, bob, trunks):
    did = DIDFactory(tenant=acme_on_media, number="+15551234567")
    set_slot(did, "DID", bob)
    sip.phone(bob)

    record = record_of(sip.carrier_call("+15551234567", source=CARRIER))

    assert (record.direction, record.did_id, record.extension_id) == ("inbound", did.pk, bob.pk)
    assert record.disposition == "ANSWERED"


def test_an_outbound_call_records_the_trunk_that_carried_it(sip, alice, trunks):
    first, second = trunks
    sip.carrier(first, "reject", code=503, reason="Service Unavailable")
    sip.carrier(second)

    record = record_of(sip.call(alice, "0612345678"))

    assert (record.direction, record.trunk_id, record.disposition) == ("outbound", second.pk, "ANSWERED")


def test_a_call_failed_after_every_trunk_is_one_failed_record_of_the_last_trunk(sip, alice, trunks):
    for trunk in trunks:
        sip.carrier(trunk, "reject", code=503, reason="Service Unavailable")

    record = record_of(sip.call(alice, "0612345678"))

    assert (record.disposition, record.trunk_id) == ("FAILED", trunks[1].pk)


def test_each_call_queues_its_call_completed_webhook(sip, alice, bob):
    hook = WebhookFactory(tenant=alice.tenant, events=["call.completed"])
    sip.phone(bob)

    record = record_of(sip.call(alice, "101"))

    delivery = Delivery.objects.get(webhook=hook)
    assert delivery.event == "call.completed"
    assert delivery.payload["data"]["call_id"] == record.call_id
