"""The DID lookup costs the same number of SQL queries however long the chain of
schedules and flows a call goes through: Kamailio asks it on every incoming call."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from routing.models import DID, Flow
from switch import inbound
from tests.factories import ExtensionFactory, FlowFactory, ScheduleFactory, VoicemailFactory
from tests.switch.conftest import CARRIER_A
from tests.switch.support import set_slot

pytestmark = pytest.mark.django_db

# The DID (with its tenant and media server), the carrier, the blacklist, the reachable
# destinations, then one query per target type: schedules, their ranges, their
# exceptions, flows, extensions, voicemail boxes.
QUERIES = 10


def chain(did, extension, links):
    """DID -> schedule 1 -> flow 1 -> schedule 2 -> flow 2 ... -> `extension`, whose busy
    destination is its voicemail box: each schedule is closed (it has no ranges) and
    sends the call to its flow, each flow is in night mode and sends it to the next."""
    box = VoicemailFactory(tenant=extension.tenant, mailbox=extension.number)
    set_slot(extension, "EXT-BUSY", box)
    schedules = [ScheduleFactory(tenant=did.tenant) for _ in range(links)]
    flows = [FlowFactory(tenant=did.tenant, state=Flow.State.NIGHT) for _ in range(links)]
    set_slot(did, "DID", schedules[0])
    for index, (schedule, flow) in enumerate(zip(schedules, flows, strict=True)):
        set_slot(schedule, "NOTCONDITION", flow)
        set_slot(flow, "FLOW", schedules[index + 1] if index + 1 < links else extension)


@pytest.mark.parametrize("links", [1, 3, 10])
def test_the_did_lookup_costs_a_constant_number_of_queries(
    django_assert_num_queries, acme_did, bob, carrier, links
):
    chain(acme_did, bob, links)
    with django_assert_num_queries(QUERIES):
        answer = inbound.did(acme_did.number, "+390611111111", CARRIER_A)
    assert answer["aor"] == "sip:bob@acme.pbx.test"
    assert answer["busy"]["action"] == "media"


def test_the_endpoint_costs_the_same_for_a_chain_of_1_and_of_10(switch, acme_did, bob, carrier):
    short, long = acme_did, DID.objects.create(tenant=acme_did.tenant, number="+15551234568")
    chain(short, bob, 1)
    chain(long, ExtensionFactory(tenant=bob.tenant, number="102", sip_username="carol"), 10)
    switch.get("/api/switch/did/", {"number": short.number, "source": CARRIER_A})  # the key's first use
    counts = []
    for did in (short, long):
        with CaptureQueriesContext(connection) as queries:
            response = switch.get("/api/switch/did/", {"number": did.number, "source": CARRIER_A})
        assert response.json()["action"] == "extension"
        counts.append(len(queries))
    assert counts[0] == counts[1]
