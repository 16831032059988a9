"""Carriers' calls to DIDs through Kamailio: an INVITE whose From domain is no tenant's
is asked about with the packet's source address, and only an enabled trunk's address
is let in. The carrier (sipp) calls from 127.0.0.2, the trunk's host; phones and the
media server are on 127.0.0.1."""

import pytest

from tests.factories import CallerIdBlacklistFactory, DIDFactory, IVRFactory, TrunkFactory
from tests.switch.sip.harness import free_port
from tests.switch.support import moment, set_slot, weekday_schedule

CARRIER = "127.0.0.2"
ELSEWHERE = "127.0.0.3"


@pytest.fixture
def trunk(acme_on_media):
    trunk = TrunkFactory(name="carrier-a", host=CARRIER, port=free_port(CARRIER), transport="udp")
    trunk.tenants.add(acme_on_media)
    return trunk


@pytest.fixture
def did(acme_on_media, trunk, bob):
    did = DIDFactory(tenant=acme_on_media, number="+15551234567")
    set_slot(did, "DID", bob)
    return did


def test_a_did_call_from_the_trunks_address_rings_the_extension(sip, did, bob):
    phone = sip.phone(bob)

    assert sip.carrier_call("+15551234567", source=CARRIER).final == 200

    invite = phone.wait().invites[0]
    assert invite.uri == f"sip:bob@{phone.contact}"


def test_a_did_call_to_an_ivr_goes_to_the_media_server(sip, did, media_server):
    menu = IVRFactory(tenant=did.tenant)
    set_slot(did, "DID", menu)
    media = sip.media(media_server)

    assert sip.carrier_call("+15551234567", source=CARRIER).final == 200

    invite = media.wait().invites[0]
    assert invite.uri == f"sip:+15551234567@127.0.0.1:{media_server.sip_port}"
    assert (invite.header("X-PBX-Destination"), invite.header("X-PBX-Tenant")) == (f"IVR-{menu.pk}", "ACME")


def test_an_unknown_did_is_404(sip, did):
    assert sip.carrier_call("+15550000000", source=CARRIER).final == 404


def test_a_blacklisted_caller_is_declined_without_ringing(sip, did, bob):
    CallerIdBlacklistFactory(tenant=did.tenant, caller_id="+15550009999")
    phone = sip.phone(bob)

    assert sip.carrier_call("+15551234567", source=CARRIER, caller="+15550009999").final == 603
    assert phone.stop().invites == []


def test_a_closed_schedule_without_a_destination_refuses_the_call(sip, did, bob, settings):
    did.schedule = weekday_schedule(did.tenant)
    did.save()
    settings.PBX_SWITCH_NOW = moment("2026-03-29T12:00:00+02:00")  # a Sunday in Rome
    phone = sip.phone(bob)

    assert sip.carrier_call("+15551234567", source=CARRIER).final == 480
    assert phone.stop().invites == []


def test_a_source_that_is_no_trunk_is_refused(sip, did, bob):
    phone = sip.phone(bob)

    assert sip.carrier_call("+15551234567", source=ELSEWHERE).final == 403
    assert phone.stop().invites == []


def test_a_disabled_trunks_address_is_refused(sip, did, trunk):
    trunk.enabled = False
    trunk.save()

    assert sip.carrier_call("+15551234567", source=CARRIER).final == 403
