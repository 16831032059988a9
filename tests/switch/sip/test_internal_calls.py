"""Calls between a tenant's phones through Kamailio: pbx's dial answer rings the callee's
registrations, and its busy, no-answer and unavailable fallbacks send the call to the
tenant's media server (Asterisk, FreeSWITCH; played by sipp) naming the destination in
X-PBX-Destination. ACME (acme.pbx.test) is on `media_server`; alice is 100, bob 101
(tests/switch/conftest.py)."""

import pytest

from extensions.models import Extension
from tests.factories import ConferenceRoomFactory, HuntListFactory, QueueFactory, VoicemailFactory
from tests.switch.support import set_slot


@pytest.fixture
def box(bob):
    return VoicemailFactory(tenant=bob.tenant, mailbox="801", name="Bob", extension=bob)


def test_a_call_reaches_the_callees_registered_phone(sip, alice, bob):
    phone = sip.phone(bob)

    call = sip.call(alice, "101")

    assert call.final == 200
    invite = phone.wait().invites[0]
    assert invite.uri == f"sip:bob@{phone.contact}"
    assert '"Alice" <sip:alice@acme.pbx.test>' in invite.header("From")


def test_do_not_disturb_answers_busy_without_ringing_the_phone(sip, alice, bob):
    Extension.objects.filter(pk=bob.pk).update(do_not_disturb=True)
    phone = sip.phone(bob)

    assert sip.call(alice, "101").final == 486
    assert phone.stop().invites == []


def test_do_not_disturb_sends_the_call_to_the_busy_destination(sip, alice, bob, box, media_server):
    Extension.objects.filter(pk=bob.pk).update(do_not_disturb=True)
    set_slot(bob, "EXT-BUSY", box)
    media = sip.media(media_server)

    assert sip.call(alice, "101").final == 200
    assert media.wait().invites[0].header("X-PBX-Destination") == f"VOICEMAIL-{box.pk}"


def test_a_callee_not_registered_is_480_without_an_unavailable_destination(sip, alice, bob):
    assert sip.call(alice, "101").final == 480


def test_a_callee_not_registered_goes_to_the_unavailable_destination(sip, alice, bob, box, media_server):
    set_slot(bob, "EXT-UNAVAILABLE", box)
    media = sip.media(media_server)

    assert sip.call(alice, "101").final == 200

    invite = media.wait().invites[0]
    assert invite.uri == f"sip:101@127.0.0.1:{media_server.sip_port}"
    assert (invite.header("X-PBX-Destination"), invite.header("X-PBX-Tenant")) == (
        f"VOICEMAIL-{box.pk}",
        "ACME",
    )


def test_a_busy_phone_sends_the_call_to_the_busy_destination(sip, alice, bob, box, media_server):
    set_slot(bob, "EXT-BUSY", box)
    phone = sip.phone(bob, "reject", code=486, reason="Busy Here")
    media = sip.media(media_server)

    assert sip.call(alice, "101").final == 200

    assert phone.wait().invites
    assert media.wait().invites[0].header("X-PBX-Destination") == f"VOICEMAIL-{box.pk}"


def test_a_busy_phone_without_a_busy_destination_is_486(sip, alice, bob):
    sip.phone(bob, "reject", code=486, reason="Busy Here")

    assert sip.call(alice, "101").final == 486


def test_an_unanswered_phone_rings_for_its_ring_timeout_then_the_no_answer_destination(
    sip, alice, bob, box, media_server
):
    Extension.objects.filter(pk=bob.pk).update(ring_timeout=5)
    set_slot(bob, "EXT-NOANSWER", box)
    phone = sip.phone(bob, "ring")
    media = sip.media(media_server)

    call = sip.call(alice, "101")

    assert call.final == 200
    assert [m.method for m in phone.wait().received() if m.method] == ["INVITE", "CANCEL", "ACK"]
    assert media.wait().invites[0].header("X-PBX-Destination") == f"VOICEMAIL-{box.pk}"


def test_the_same_number_in_another_tenant_is_never_reached(sip, alice, globex_bob):
    their_phone = sip.phone(globex_bob)

    assert sip.call(alice, "101").final == 404
    assert their_phone.stop().invites == []


@pytest.mark.parametrize(
    ("factory", "code"),
    [
        (HuntListFactory, "HUNTLIST"),
        (QueueFactory, "QUEUE"),
        (ConferenceRoomFactory, "CONFERENCE"),
        (VoicemailFactory, "VOICEMAIL"),
    ],
)
def test_a_group_room_or_mailbox_number_goes_to_the_media_server(sip, alice, media_server, factory, code):
    number = {"mailbox": "600"} if factory is VoicemailFactory else {"number": "600"}
    target = factory(tenant=alice.tenant, **number)
    media = sip.media(media_server)

    assert sip.call(alice, "600").final == 200

    invite = media.wait().invites[0]
    assert invite.uri == f"sip:600@127.0.0.1:{media_server.sip_port}"
    assert invite.header("X-PBX-Destination") == f"{code}-{target.pk}"


def test_a_caller_authenticated_as_another_extension_is_refused(sip, alice, bob):
    phone = sip.phone(bob)

    call = sip.call(alice, "101", auth_as=bob)

    assert call.received()[-1].first_line == "SIP/2.0 403 From is not the authenticated user"
    assert phone.stop().invites == []


def test_a_wrong_password_on_the_invite_is_refused(sip, alice, bob):
    phone = sip.phone(bob)

    assert sip.call(alice, "101", password="not-alices-password").final == 403
    assert phone.stop().invites == []


def test_a_number_pbx_cannot_read_is_404(sip, alice):
    assert sip.call(alice, "1!2").final == 404
