"""GET /api/switch/dial/: where a call from one of a tenant's extensions goes, as
Kamailio asks it (docs/switches.md, "What Kamailio asks pbx")."""

import pytest

from extensions.models import Extension
from switch.answers import DECISION
from tenants.models import Server, Tenant
from tests.factories import (
    ConferenceRoomFactory,
    ExtensionFactory,
    FeatureCodeFactory,
    HuntListFactory,
    PagingGroupFactory,
    QueueFactory,
    ShortNumberFactory,
    TrunkFactory,
    VoicemailFactory,
)
from tests.switch.support import dial, outbound_route, set_slot, weekday_schedule

pytestmark = pytest.mark.django_db

ANSWER_FIELDS = {
    *DECISION,
    "tenant",
    "direction",
    "extension",
    "did",
    "ttl",
    "ring_timeout",
    "busy",
    "noanswer",
    "unavailable",
}


@pytest.fixture
def box(bob):
    return VoicemailFactory(tenant=bob.tenant, mailbox="101", name="Bob", extension=bob)


@pytest.fixture
def trunks(acme_on_media):
    """Two carriers of ACME, tried in the order `first`, `second`."""
    first = TrunkFactory(name="first", host="198.51.100.1", port=5060, transport="udp", username="acme-1")
    second = TrunkFactory(name="second", host="2001:db8::5", port=5061, transport="tls", username="acme-2")
    for trunk in (first, second):
        trunk.tenants.add(acme_on_media)
    return first, second


@pytest.fixture
def national(acme_on_media, trunks):
    """ACME's route for national numbers: 0 dropped, +39 put in front."""
    return outbound_route(acme_on_media, "National", [("_0ZX.", 1, "+39")], trunks)


# --- ringing an extension -----------------------------------------------------------------


def test_an_extension_dialing_another_rings_its_registrations(switch, alice, bob):
    answer = dial(switch, "101")
    assert (answer["action"], answer["aor"]) == ("extension", "sip:bob@acme.pbx.test")
    assert (answer["tenant"], answer["direction"], answer["extension"]) == ("ACME", "internal", alice.pk)


def test_every_field_is_in_every_answer(switch, alice, bob):
    assert set(dial(switch, "101")) == ANSWER_FIELDS
    assert set(dial(switch, "999")) == ANSWER_FIELDS
    assert set(dial(switch, "101")["busy"]) == set(DECISION)


def test_the_callees_ring_timeout_is_in_the_answer(switch, alice, bob):
    Extension.objects.filter(pk=bob.pk).update(ring_timeout=45)
    assert dial(switch, "101")["ring_timeout"] == 45


def test_without_forwards_or_slots_busy_is_486_and_the_others_480(switch, alice, bob):
    answer = dial(switch, "101")
    assert [
        (answer[kind]["action"], answer[kind]["code"]) for kind in ("busy", "noanswer", "unavailable")
    ] == [
        ("reject", 486),
        ("reject", 480),
        ("reject", 480),
    ]
    assert answer["busy"]["reason"] == "Busy Here"


@pytest.mark.parametrize(
    ("kind", "slot"), [("busy", "EXT-BUSY"), ("noanswer", "EXT-NOANSWER"), ("unavailable", "EXT-UNAVAILABLE")]
)
def test_each_fallback_slot_sends_its_case_to_the_voicemail_on_the_media_server(
    switch, alice, bob, box, kind, slot
):
    set_slot(bob, slot, box)
    fallback = dial(switch, "101")[kind]
    assert (fallback["action"], fallback["destination"]) == ("media", f"VOICEMAIL-{box.pk}")
    assert fallback["uri"] == "sip:101@192.0.2.50:5080"


@pytest.mark.parametrize("kind", ["busy", "noanswer", "unavailable"])
def test_each_forward_to_an_internal_number_rings_it_as_the_fallback(switch, alice, bob, kind):
    ExtensionFactory(tenant=bob.tenant, number="102", sip_username="carol")
    field = {"busy": "busy", "noanswer": "no_answer", "unavailable": "unavailable"}[kind]
    Extension.objects.filter(pk=bob.pk).update(
        **{f"forward_{field}_enabled": True, f"forward_{field}_destination": "102"}
    )
    fallback = dial(switch, "101")[kind]
    assert (fallback["action"], fallback["aor"]) == ("extension", "sip:carol@acme.pbx.test")


def test_a_forward_to_an_outside_number_is_a_fallback_through_the_trunks(
    switch, alice, bob, national, trunks
):
    Extension.objects.filter(pk=bob.pk).update(
        forward_no_answer_enabled=True,
        forward_no_answer_destination="0612345678",
        outbound_caller_id_number="+390200000101",
    )
    fallback = dial(switch, "101")["noanswer"]
    assert (fallback["action"], fallback["number"]) == ("trunks", "+39612345678")
    assert [trunk["id"] for trunk in fallback["trunks"]] == [trunk.pk for trunk in trunks]
    assert fallback["caller_id_number"] == "+390200000101"  # the forwarding extension's


def test_a_forward_wins_over_the_slot_of_the_same_case(switch, alice, bob, box):
    ExtensionFactory(tenant=bob.tenant, number="102", sip_username="carol")
    set_slot(bob, "EXT-BUSY", box)
    Extension.objects.filter(pk=bob.pk).update(forward_busy_enabled=True, forward_busy_destination="102")
    assert dial(switch, "101")["busy"]["aor"] == "sip:carol@acme.pbx.test"


def test_a_forward_switched_off_leaves_the_slot_in_charge(switch, alice, bob, box):
    set_slot(bob, "EXT-BUSY", box)
    Extension.objects.filter(pk=bob.pk).update(forward_busy_enabled=False, forward_busy_destination="102")
    assert dial(switch, "101")["busy"]["destination"] == f"VOICEMAIL-{box.pk}"


def test_a_schedule_in_a_fallback_slot_decides_by_the_switchs_clock(switch, at, alice, bob, box):
    reception = ExtensionFactory(tenant=bob.tenant, number="109", sip_username="reception")
    office = weekday_schedule(bob.tenant)
    set_slot(office, "CONDITION", reception)
    set_slot(office, "NOTCONDITION", box)
    set_slot(bob, "EXT-NOANSWER", office)
    at("2026-03-27T10:00:00+01:00")  # a Friday morning in Rome
    assert dial(switch, "101")["noanswer"]["aor"] == "sip:reception@acme.pbx.test"
    at("2026-03-27T20:00:00+01:00")  # the same evening
    assert dial(switch, "101")["noanswer"]["destination"] == f"VOICEMAIL-{box.pk}"


# --- do not disturb and forwarding all calls ---------------------------------------------------


def test_do_not_disturb_answers_with_the_busy_fallback(switch, alice, bob, box):
    set_slot(bob, "EXT-BUSY", box)
    Extension.objects.filter(pk=bob.pk).update(do_not_disturb=True)
    answer = dial(switch, "101")
    assert (answer["action"], answer["destination"]) == ("media", f"VOICEMAIL-{box.pk}")
    assert "do-not-disturb" in answer["message"]


def test_do_not_disturb_without_a_busy_destination_is_486_busy_here(switch, alice, bob):
    Extension.objects.filter(pk=bob.pk).update(do_not_disturb=True)
    answer = dial(switch, "101")
    assert (answer["action"], answer["code"], answer["reason"]) == ("reject", 486, "Busy Here")


def test_forwarding_all_calls_to_an_internal_number_answers_that_target(switch, alice, bob):
    carol = ExtensionFactory(tenant=bob.tenant, number="102", sip_username="carol", ring_timeout=20)
    Extension.objects.filter(pk=bob.pk).update(forward_all_enabled=True, forward_all_destination="102")
    answer = dial(switch, "101")
    assert (answer["action"], answer["aor"], answer["ring_timeout"]) == (
        "extension",
        "sip:carol@acme.pbx.test",
        20,
    )
    assert answer["busy"]["code"] == 486  # carol's own fallbacks
    assert carol.number in answer["message"]


def test_forwarding_all_calls_to_an_outside_number_answers_trunks(switch, alice, bob, national):
    Extension.objects.filter(pk=bob.pk).update(forward_all_enabled=True, forward_all_destination="0612345678")
    answer = dial(switch, "101")
    assert (answer["action"], answer["number"], answer["direction"]) == ("trunks", "+39612345678", "outbound")


def test_forwards_of_all_calls_in_a_circle_are_482_loop_detected(switch, alice, bob):
    ExtensionFactory(
        tenant=bob.tenant,
        number="102",
        sip_username="carol",
        forward_all_enabled=True,
        forward_all_destination="101",
    )
    Extension.objects.filter(pk=bob.pk).update(forward_all_enabled=True, forward_all_destination="102")
    answer = dial(switch, "101")
    assert (answer["action"], answer["code"], answer["reason"]) == ("reject", 482, "Loop Detected")


# --- the rest of the dial plan -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factory", "code"),
    [
        (HuntListFactory, "HUNTLIST"),
        (QueueFactory, "QUEUE"),
        (ConferenceRoomFactory, "CONFERENCE"),
        (PagingGroupFactory, "PAGING"),
    ],
)
def test_a_number_held_by_a_group_goes_to_the_media_server(switch, alice, factory, code):
    group = factory(tenant=alice.tenant, number="600")
    answer = dial(switch, "600")
    assert (answer["action"], answer["destination"]) == ("media", f"{code}-{group.pk}")
    assert answer["uri"] == "sip:600@192.0.2.50:5080"


def test_a_voicemail_box_is_reached_by_its_mailbox(switch, alice):
    box = VoicemailFactory(tenant=alice.tenant, mailbox="900", name="After hours")
    assert dial(switch, "900")["destination"] == f"VOICEMAIL-{box.pk}"


def test_an_extension_is_reached_by_its_sip_username_too(switch, alice, bob):
    assert dial(switch, "bob")["aor"] == "sip:bob@acme.pbx.test"


def test_a_media_destination_of_a_tenant_without_media_server_is_480_saying_so(switch, alice):
    Tenant.objects.filter(pk=alice.tenant_id).update(server=None)
    QueueFactory(tenant=alice.tenant, number="600")
    answer = dial(switch, "600")
    assert (answer["action"], answer["code"]) == ("reject", 480)
    assert "no media server" in answer["message"]


def test_a_disabled_media_server_is_480(switch, alice, media_server):
    Server.objects.filter(pk=media_server.pk).update(enabled=False)
    QueueFactory(tenant=alice.tenant, number="600")
    assert dial(switch, "600")["code"] == 480


def test_a_disabled_callee_is_480(switch, alice, bob):
    Extension.objects.filter(pk=bob.pk).update(enabled=False)
    assert dial(switch, "101")["code"] == 480


def test_an_unknown_internal_number_is_404_not_found(switch, alice, bob):
    answer = dial(switch, "105")
    assert (answer["action"], answer["code"], answer["reason"]) == ("reject", 404, "Not Found")


def test_another_tenants_extension_is_never_reached(switch, alice, globex):
    ExtensionFactory(tenant=globex, number="102", sip_username="dave")
    assert dial(switch, "102")["code"] == 404


def test_a_number_both_tenants_have_rings_the_callers_tenants(switch, alice, bob, globex_bob):
    assert dial(switch, "101")["aor"] == "sip:bob@acme.pbx.test"
    assert dial(switch, "101")["extension"] == alice.pk


def test_a_built_in_feature_code_goes_to_the_media_server(switch, alice):
    feature = FeatureCodeFactory(tenant=alice.tenant, code="*97", feature="voicemail")
    assert dial(switch, "*97")["destination"] == f"FEATURE-{feature.pk}"


def test_the_tenants_feature_code_wins_over_the_platforms(switch, alice):
    FeatureCodeFactory(tenant=None, code="*97", feature="voicemail_main")
    own = FeatureCodeFactory(tenant=alice.tenant, code="*97", feature="voicemail")
    assert dial(switch, "*97")["destination"] == f"FEATURE-{own.pk}"


def test_a_feature_code_with_a_destination_follows_it(switch, alice, bob):
    feature = FeatureCodeFactory(tenant=alice.tenant, code="*55", feature="")
    set_slot(feature, "FEATURE", bob)
    assert dial(switch, "*55")["aor"] == "sip:bob@acme.pbx.test"


def test_a_short_number_dials_the_number_it_stands_for(switch, alice, bob):
    ShortNumberFactory(tenant=alice.tenant, number="9", dial="101")
    assert dial(switch, "9")["aor"] == "sip:bob@acme.pbx.test"


# --- the caller ----------------------------------------------------------------------------


def test_an_unknown_sip_domain_is_404(switch, alice):
    assert dial(switch, "101", domain="nowhere.pbx.test")["code"] == 404


def test_a_caller_who_is_no_extension_of_the_tenant_is_403(switch, alice, globex_bob):
    answer = dial(switch, "100", caller="mallory")
    assert (answer["action"], answer["code"], answer["reason"]) == ("reject", 403, "Forbidden")


def test_a_disabled_caller_is_403(switch, alice, bob):
    Extension.objects.filter(pk=alice.pk).update(enabled=False)
    assert dial(switch, "101")["code"] == 403


def test_a_caller_of_a_disabled_tenant_is_403(switch, alice, bob):
    Tenant.objects.filter(pk=alice.tenant_id).update(enabled=False)
    assert dial(switch, "101")["code"] == 403


# --- out through trunks --------------------------------------------------------------------


def test_an_outside_number_goes_out_through_the_routes_trunks_in_failover_order(
    switch, alice, national, trunks
):
    answer = dial(switch, "0212345678")
    assert (answer["action"], answer["direction"]) == ("trunks", "outbound")
    assert [trunk["id"] for trunk in answer["trunks"]] == [trunk.pk for trunk in trunks]


def test_strip_and_prepend_make_the_number_sent(switch, alice, national):
    answer = dial(switch, "0212345678")
    assert answer["number"] == "+39212345678"
    assert answer["trunks"][0]["uri"] == "sip:+39212345678@198.51.100.1:5060;transport=udp"


def test_a_trunk_given_by_ipv6_address_is_bracketed_in_its_uri(switch, alice, national):
    assert (
        dial(switch, "0212345678")["trunks"][1]["uri"] == "sip:+39212345678@[2001:db8::5]:5061;transport=tls"
    )


def test_the_trunks_credentials_come_with_it_for_the_carriers_challenge(switch, alice, national, trunks):
    first = dial(switch, "0212345678")["trunks"][0]
    assert (first["username"], first["password"]) == ("acme-1", trunks[0].password)


def test_a_disabled_trunk_is_left_out_of_the_failover(switch, alice, national, trunks):
    trunks[0].enabled = False
    trunks[0].save()
    assert [trunk["id"] for trunk in dial(switch, "0212345678")["trunks"]] == [trunks[1].pk]


def test_a_trunk_not_assigned_to_the_tenant_is_left_out(switch, alice, national, trunks):
    trunks[1].tenants.clear()
    assert [trunk["id"] for trunk in dial(switch, "0212345678")["trunks"]] == [trunks[0].pk]


def test_the_callers_outbound_caller_id_is_presented(switch, alice, national):
    Extension.objects.filter(pk=alice.pk).update(
        outbound_caller_id_name="Acme Sales", outbound_caller_id_number="+390200000100"
    )
    answer = dial(switch, "0212345678")
    assert (answer["caller_id_name"], answer["caller_id_number"]) == ("Acme Sales", "+390200000100")


def test_no_outbound_route_is_403_naming_the_number(switch, alice, national):
    answer = dial(switch, "+442079460000")
    assert (answer["action"], answer["code"], answer["reason"]) == ("reject", 403, "Forbidden")
    assert "+442079460000" in answer["message"]


def test_a_literal_plus_in_the_query_is_the_international_prefix(switch, alice, trunks):
    outbound_route(alice.tenant, "International", [("+.", 0, "")], trunks)
    response = switch.get("/api/switch/dial/?domain=acme.pbx.test&caller=alice&number=+442079460000")
    assert response.json()["number"] == "+442079460000"


def test_emergency_routes_come_first(switch, alice, national, trunks):
    emergency_trunk = TrunkFactory(name="emergency", host="198.51.100.99")
    emergency_trunk.tenants.add(alice.tenant)
    outbound_route(alice.tenant, "Anything", [("X.", 0, "")], trunks, priority=1)
    outbound_route(None, "Emergency", [("112", 0, "")], [emergency_trunk], emergency=True, priority=500)
    assert [trunk["id"] for trunk in dial(switch, "112")["trunks"]] == [emergency_trunk.pk]


def test_an_emergency_number_goes_out_even_where_an_extension_has_that_number(switch, alice):
    ExtensionFactory(tenant=alice.tenant, number="112", sip_username="oops")
    emergency_trunk = TrunkFactory(name="emergency", host="198.51.100.99")
    emergency_trunk.tenants.add(alice.tenant)
    outbound_route(None, "Emergency", [("112", 0, "")], [emergency_trunk], emergency=True)
    assert dial(switch, "112")["action"] == "trunks"
