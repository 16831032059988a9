"""GET /api/switch/did/: where a call from a carrier to a DID goes, as Kamailio asks it
(docs/switches.md, "What Kamailio asks pbx")."""

import pytest

from extensions.models import Extension
from routing.models import DID, Flow, ScheduleException, Trunk
from tenants.models import Tenant
from tests.factories import (
    CallerIdBlacklistFactory,
    FlowFactory,
    IVRFactory,
    QueueFactory,
    TrunkFactory,
    VoicemailFactory,
)
from tests.switch.conftest import CARRIER_A
from tests.switch.support import did, outbound_route, set_slot, weekday_schedule

pytestmark = pytest.mark.django_db

NUMBER = "+15551234567"


@pytest.fixture
def to_bob(acme_did, bob, carrier):
    set_slot(acme_did, "DID", bob)
    return acme_did


@pytest.fixture
def box(bob):
    return VoicemailFactory(tenant=bob.tenant, mailbox="900", name="After hours")


@pytest.fixture
def office(acme_did, bob, box, carrier):
    """The DID follows office hours (Monday to Friday, 09:00-18:00 in Rome): Bob, else voicemail."""
    schedule = weekday_schedule(acme_did.tenant)
    set_slot(schedule, "CONDITION", bob)
    set_slot(schedule, "NOTCONDITION", box)
    set_slot(acme_did, "DID", schedule)
    return schedule


def test_a_did_to_an_extension_rings_it(switch, to_bob, bob):
    answer = did(switch, NUMBER, source=CARRIER_A)
    assert (answer["action"], answer["aor"]) == ("extension", "sip:bob@acme.pbx.test")
    assert (answer["tenant"], answer["direction"]) == ("ACME", "inbound")
    assert (answer["did"], answer["extension"]) == (to_bob.pk, bob.pk)


def test_the_did_is_found_in_any_notation(switch, to_bob):
    assert did(switch, "15551234567", source=CARRIER_A)["did"] == to_bob.pk
    assert did(switch, "+1 555 123-4567", source=CARRIER_A)["did"] == to_bob.pk


def test_a_literal_plus_in_the_query_is_kept(switch, to_bob):
    response = switch.get(f"/api/switch/did/?number=+15551234567&source={CARRIER_A}")
    assert response.json()["did"] == to_bob.pk


def test_a_source_that_is_no_trunks_address_is_403_forbidden(switch, to_bob):
    answer = did(switch, NUMBER, source="192.0.2.99")
    assert (answer["action"], answer["code"], answer["reason"]) == ("reject", 403, "Forbidden")
    assert (answer["did"], answer["tenant"]) == (None, "")


def test_a_disabled_trunk_is_no_carrier(switch, to_bob, carrier):
    Trunk.objects.filter(pk=carrier.pk).update(enabled=False)
    assert did(switch, NUMBER, source=CARRIER_A)["code"] == 403


def test_an_unknown_did_is_404_not_found(switch, to_bob):
    answer = did(switch, "+15550000000", source=CARRIER_A)
    assert (answer["action"], answer["code"], answer["reason"]) == ("reject", 404, "Not Found")


def test_a_number_that_is_no_e164_number_is_404(switch, to_bob):
    assert did(switch, "0212345678", source=CARRIER_A)["code"] == 404


def test_another_tenants_did_reached_through_this_carrier_answers_as_an_unknown_one(
    switch, to_bob, globex_did
):
    other = did(switch, globex_did.number, source=CARRIER_A)
    unknown = did(switch, "+15557654322", source=CARRIER_A)
    assert {key: value for key, value in other.items() if key != "message"} == {
        key: value for key, value in unknown.items() if key != "message"
    }
    assert other["message"] == f"No DID {globex_did.number}."


def test_the_other_tenants_own_carrier_reaches_its_did(switch, globex_did):
    globex_did.tenant.refresh_from_db()
    assert did(switch, globex_did.number, source="203.0.113.20")["did"] == globex_did.pk


def test_a_carrier_given_by_host_name_is_recognised_by_the_address_it_resolves_to(switch, to_bob, carrier):
    Trunk.objects.filter(pk=carrier.pk).update(host="localhost")
    assert did(switch, NUMBER, source="127.0.0.1")["action"] == "extension"


def test_a_disabled_did_is_404(switch, to_bob):
    DID.objects.filter(pk=to_bob.pk).update(enabled=False)
    assert did(switch, NUMBER, source=CARRIER_A)["code"] == 404


def test_a_did_of_a_disabled_tenant_is_404(switch, to_bob):
    Tenant.objects.filter(pk=to_bob.tenant_id).update(enabled=False)
    assert did(switch, NUMBER, source=CARRIER_A)["code"] == 404


def test_a_blacklisted_caller_is_603_decline(switch, to_bob):
    CallerIdBlacklistFactory(tenant=to_bob.tenant, caller_id="+4420*")
    answer = did(switch, NUMBER, source=CARRIER_A, caller="+442079460000")
    assert (answer["action"], answer["code"], answer["reason"]) == ("reject", 603, "Decline")


def test_a_caller_the_blacklist_does_not_name_gets_through(switch, to_bob):
    CallerIdBlacklistFactory(tenant=to_bob.tenant, caller_id="+4420*")
    assert did(switch, NUMBER, source=CARRIER_A, caller="+390611111111")["action"] == "extension"


def test_a_did_without_destination_is_480(switch, acme_did, carrier):
    answer = did(switch, NUMBER, source=CARRIER_A)
    assert (answer["action"], answer["code"], answer["reason"]) == ("reject", 480, "Temporarily Unavailable")


def test_a_did_that_hangs_up_is_480(switch, acme_did, carrier):
    set_slot(acme_did, "DID", "HANGUP")
    assert did(switch, NUMBER, source=CARRIER_A)["code"] == 480


def test_office_hours_ring_the_extension(switch, at, office):
    at("2026-03-27T10:00:00+01:00")  # Friday morning in Rome
    assert did(switch, NUMBER, source=CARRIER_A)["aor"] == "sip:bob@acme.pbx.test"


def test_after_hours_go_to_voicemail_on_the_media_server(switch, at, office, box):
    at("2026-03-27T19:30:00+01:00")  # Friday evening in Rome
    answer = did(switch, NUMBER, source=CARRIER_A)
    assert (answer["action"], answer["destination"]) == ("media", f"VOICEMAIL-{box.pk}")
    assert answer["uri"] == "sip:+15551234567@192.0.2.50:5080"


def test_the_schedule_is_read_in_its_own_time_zone(switch, at, office, box):
    at("2026-03-27T08:30:00Z")  # 09:30 in Rome: open, though 08:30 in UTC
    assert did(switch, NUMBER, source=CARRIER_A)["action"] == "extension"


def test_a_holiday_closes_a_weekday(switch, at, office, box):
    ScheduleException.objects.create(schedule=office, name="Christmas", start_date="2026-12-25")
    at("2026-12-25T10:00:00+01:00")  # a Friday
    assert did(switch, NUMBER, source=CARRIER_A)["destination"] == f"VOICEMAIL-{box.pk}"


def test_closed_with_no_destination_is_480(switch, at, office):
    set_slot(office, "NOTCONDITION")
    at("2026-03-28T11:00:00+01:00")  # Saturday
    assert did(switch, NUMBER, source=CARRIER_A)["code"] == 480


def test_a_did_schedule_sends_calls_outside_it_to_its_notcondition(switch, at, to_bob, box):
    schedule = weekday_schedule(to_bob.tenant)
    set_slot(schedule, "NOTCONDITION", box)
    DID.objects.filter(pk=to_bob.pk).update(schedule=schedule)
    at("2026-03-28T11:00:00+01:00")  # Saturday
    assert did(switch, NUMBER, source=CARRIER_A)["destination"] == f"VOICEMAIL-{box.pk}"


def test_a_flow_in_night_mode_takes_its_night_destination(switch, to_bob, bob, box):
    flow = FlowFactory(tenant=to_bob.tenant, state=Flow.State.NIGHT)
    set_slot(flow, "FLOW", box)
    set_slot(to_bob, "DID", flow, bob)
    assert did(switch, NUMBER, source=CARRIER_A)["destination"] == f"VOICEMAIL-{box.pk}"


def test_a_flow_in_day_mode_passes_the_call_on(switch, to_bob, bob, box):
    flow = FlowFactory(tenant=to_bob.tenant, state=Flow.State.DAY)
    set_slot(flow, "FLOW", box)
    set_slot(to_bob, "DID", flow, bob)
    assert did(switch, NUMBER, source=CARRIER_A)["aor"] == "sip:bob@acme.pbx.test"


def test_the_unconditional_slot_wins_over_everything(switch, to_bob, box):
    set_slot(to_bob, "DID-UNCONDITIONAL", box)
    assert did(switch, NUMBER, source=CARRIER_A)["destination"] == f"VOICEMAIL-{box.pk}"


def test_an_ivr_is_where_the_media_server_takes_over(switch, to_bob, bob):
    menu = IVRFactory(tenant=to_bob.tenant)
    set_slot(menu, "IVR_1", bob)
    set_slot(to_bob, "DID", menu)
    answer = did(switch, NUMBER, source=CARRIER_A)
    assert (answer["action"], answer["destination"]) == ("media", f"IVR-{menu.pk}")


def test_a_queue_goes_to_the_media_server(switch, to_bob):
    queue = QueueFactory(tenant=to_bob.tenant)
    set_slot(to_bob, "DID", queue)
    assert did(switch, NUMBER, source=CARRIER_A)["destination"] == f"QUEUE-{queue.pk}"


def test_a_tenant_without_media_server_answers_480_saying_so(switch, to_bob):
    Tenant.objects.filter(pk=to_bob.tenant_id).update(server=None)
    set_slot(to_bob, "DID", QueueFactory(tenant=to_bob.tenant))
    answer = did(switch, NUMBER, source=CARRIER_A)
    assert (answer["action"], answer["code"]) == ("reject", 480)
    assert "ACME has no media server" in answer["message"]


def test_schedules_that_send_the_call_round_in_a_circle_are_482(switch, to_bob):
    first = weekday_schedule(to_bob.tenant)
    second = weekday_schedule(to_bob.tenant)
    for schedule, other in ((first, second), (second, first)):
        set_slot(schedule, "CONDITION", other)
        set_slot(schedule, "NOTCONDITION", other)
    set_slot(to_bob, "DID", first)
    answer = did(switch, NUMBER, source=CARRIER_A)
    assert (answer["action"], answer["code"], answer["reason"]) == ("reject", 482, "Loop Detected")


def test_the_extension_reached_in_do_not_disturb_answers_its_busy_fallback(switch, to_bob, bob, box):
    set_slot(bob, "EXT-BUSY", box)
    Extension.objects.filter(pk=bob.pk).update(do_not_disturb=True)
    assert did(switch, NUMBER, source=CARRIER_A)["destination"] == f"VOICEMAIL-{box.pk}"


def test_the_extension_reached_hands_over_its_fallbacks(switch, to_bob, bob, box):
    set_slot(bob, "EXT-NOANSWER", box)
    assert did(switch, NUMBER, source=CARRIER_A)["noanswer"]["destination"] == f"VOICEMAIL-{box.pk}"


def test_the_extension_reached_forwarding_all_calls_outside_answers_trunks(switch, to_bob, bob):
    trunk = TrunkFactory(name="out", host="198.51.100.7")
    trunk.tenants.add(to_bob.tenant)
    outbound_route(to_bob.tenant, "Mobile", [("3X.", 0, "+39")], [trunk])
    Extension.objects.filter(pk=bob.pk).update(forward_all_enabled=True, forward_all_destination="3331234567")
    answer = did(switch, NUMBER, source=CARRIER_A)
    assert (answer["action"], answer["number"], answer["direction"]) == ("trunks", "+393331234567", "inbound")


@pytest.mark.parametrize("moment", ["2026-03-27T10:00:00+01:00", "2026-03-27T19:30:00+01:00"])
def test_the_switch_gets_the_decision_the_route_tool_shows(
    switch, api, acme_key, at, office, acme_did, moment
):
    at(moment)
    tool = api(acme_key).get(f"/api/dids/{acme_did.pk}/route/", {"at": moment}).json()
    answer = did(switch, NUMBER, source=CARRIER_A)
    reached = answer["destination"] or f"EXT-{answer['extension']}"
    assert tool["terminal"]["destination"] == reached


# --- how long the answer holds ------------------------------------------------------------------


def test_by_default_an_answer_is_not_to_be_kept_so_every_change_applies_at_the_next_call(switch, to_bob):
    assert did(switch, NUMBER, source=CARRIER_A)["ttl"] == 0


def test_an_answer_without_schedules_holds_for_the_setting(switch, settings, to_bob):
    settings.PBX_SWITCH_ANSWER_TTL = 7
    assert did(switch, NUMBER, source=CARRIER_A)["ttl"] == 7


def test_an_answer_holds_no_later_than_the_schedules_next_change(switch, settings, at, office):
    settings.PBX_SWITCH_ANSWER_TTL = 60
    at("2026-03-27T17:59:30+01:00")  # 30 seconds before the office closes
    assert did(switch, NUMBER, source=CARRIER_A)["ttl"] == 30


def test_an_answer_holds_no_later_than_a_holiday_starting_at_midnight(switch, settings, at, office):
    ScheduleException.objects.create(schedule=office, name="Closed", start_date="2026-03-28")
    settings.PBX_SWITCH_ANSWER_TTL = 600
    at("2026-03-27T23:58:00+01:00")
    assert did(switch, NUMBER, source=CARRIER_A)["ttl"] == 600  # closed now, closed after midnight
    at("2026-03-26T23:58:00+01:00")
    assert did(switch, NUMBER, source=CARRIER_A)["ttl"] == 600  # closed Thursday night, closed Friday 00:00


def test_a_schedule_in_a_fallback_bounds_the_answer_too(switch, settings, at, to_bob, bob, box):
    evening = weekday_schedule(to_bob.tenant, start="09:00", end="18:00")
    set_slot(evening, "NOTCONDITION", box)
    set_slot(bob, "EXT-NOANSWER", evening)
    settings.PBX_SWITCH_ANSWER_TTL = 60
    at("2026-03-27T17:59:50+01:00")
    assert did(switch, NUMBER, source=CARRIER_A)["ttl"] == 10
