"""Calls out through the carriers: pbx's outbound match chooses the route, the number
sent and the trunks in failover order; Kamailio tries them in turn and answers a
carrier's digest challenge with the trunk's credentials. The carriers are sipp at
127.0.0.2, one port per trunk."""

import pytest

from extensions.models import Extension
from tests.factories import TrunkFactory
from tests.switch.sip.harness import free_port
from tests.switch.support import outbound_route

CARRIER = "127.0.0.2"


@pytest.fixture
def trunks(acme_on_media):
    """ACME's two carriers, tried in the order first, second."""
    made = []
    for name in ("first", "second"):
        trunk = TrunkFactory(
            name=name, host=CARRIER, port=free_port(CARRIER), transport="udp", username=f"acme-{name}"
        )
        trunk.tenants.add(acme_on_media)
        made.append(trunk)
    return made


@pytest.fixture
def national(acme_on_media, trunks):
    """ACME's route for national numbers: 0 dropped, +39 put in front."""
    return outbound_route(acme_on_media, "National", [("_0ZX.", 1, "+39")], trunks)


def test_the_number_goes_out_stripped_and_prefixed_through_the_first_trunk(sip, alice, trunks, national):
    first, _ = trunks
    carrier = sip.carrier(first)

    assert sip.call(alice, "0612345678").final == 200

    invite = carrier.wait().invites[0]
    assert invite.uri == f"sip:+39612345678@{CARRIER}:{first.port};transport=udp"


def test_the_callers_outbound_caller_id_is_presented_to_the_carrier(sip, alice, trunks, national):
    Extension.objects.filter(pk=alice.pk).update(
        outbound_caller_id_name="Acme Sales", outbound_caller_id_number="+390200000100"
    )
    carrier = sip.carrier(trunks[0])

    call = sip.call(alice, "0612345678")

    assert carrier.wait().invites[0].header("From").startswith('"Acme Sales" <sip:+390200000100@')
    # the caller's own dialog keeps the From it sent
    answered = next(m for m in call.received() if m.code == 200)
    assert "sip:alice@acme.pbx.test" in answered.header("From")


def test_a_failing_first_trunk_hands_the_call_to_the_second(sip, alice, trunks, national):
    first, second = trunks
    failing = sip.carrier(first, "reject", code=503, reason="Service Unavailable")
    answering = sip.carrier(second)

    assert sip.call(alice, "0612345678").final == 200

    assert failing.wait().invites
    assert answering.wait().invites[0].uri.startswith("sip:+39612345678@")


def test_when_every_trunk_fails_the_call_fails(sip, alice, trunks, national):
    carriers = [sip.carrier(trunk, "reject", code=503, reason="Service Unavailable") for trunk in trunks]

    # A proxy passes no 503 on (RFC 3261 16.7: the caller would take Kamailio for down).
    assert sip.call(alice, "0612345678").final == 500
    assert all(carrier.wait().invites for carrier in carriers)


def test_a_busy_callee_at_the_carrier_is_not_tried_on_the_next_trunk(sip, alice, trunks, national):
    first, second = trunks
    sip.carrier(first, "reject", code=486, reason="Busy Here")
    other = sip.carrier(second)

    assert sip.call(alice, "0612345678").final == 486
    assert other.stop().invites == []


def test_the_carriers_digest_challenge_is_answered_with_the_trunks_credentials(sip, alice, trunks, national):
    first, _ = trunks
    first.username, first.password = "acme-account", "carrier-secret-1"
    first.save()
    carrier = sip.carrier(first, "challenge", username="acme-account", password="carrier-secret-1")

    assert sip.call(alice, "0612345678").final == 200

    invites = carrier.wait().invites
    assert len(invites) == 2
    assert 'username="acme-account"' in invites[1].header("Authorization")


def test_wrong_trunk_credentials_move_on_to_the_next_trunk(sip, alice, trunks, national):
    first, second = trunks
    carrier = sip.carrier(first, "challenge", username="acme-account", password="another-password")
    answering = sip.carrier(second)

    assert sip.call(alice, "0612345678").final == 200

    assert len(carrier.wait().invites) == 2
    assert answering.wait().invites


def test_a_trunks_from_user_goes_in_from_and_the_caller_id_in_p_asserted_identity(
    sip, alice, trunks, national
):
    Extension.objects.filter(pk=alice.pk).update(outbound_caller_id_number="+390200000100")
    first, _ = trunks
    first.from_user, first.from_domain = "acme-account", "sip.carrier.example"
    first.save()
    carrier = sip.carrier(first)

    sip.call(alice, "0612345678")

    invite = carrier.wait().invites[0]
    assert "<sip:acme-account@sip.carrier.example>" in invite.header("From")
    assert invite.header("P-Asserted-Identity") == "<sip:+390200000100@sip.carrier.example>"
