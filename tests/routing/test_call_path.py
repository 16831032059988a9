"""GET /api/dids/<id>/route/: the path a call to a DID follows at a given moment."""

import pytest

from tests.factories import (
    DIDFactory,
    ExtensionFactory,
    FlowFactory,
    IVRFactory,
    ScheduleFactory,
    VoicemailFactory,
)


@pytest.fixture
def reception(acme):
    return ExtensionFactory(tenant=acme, number="100", name="Reception")


@pytest.fixture
def night_box(acme):
    return VoicemailFactory(tenant=acme, mailbox="900", name="After hours")


@pytest.fixture
def did(acme):
    return DIDFactory(tenant=acme, number="+390212345678")


@pytest.fixture
def office_hours(api, acme_key, acme, reception, night_box):
    """Weekdays 09:00-18:00 in Rome, closed on Christmas Day."""
    body = {
        "name": "Office hours",
        "time_zone": "Europe/Rome",
        "ranges": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00"}],
        "exceptions": [{"name": "Christmas", "start_date": "2026-12-25"}],
        "destinations": {"CONDITION": [f"EXT-{reception.pk}"], "NOTCONDITION": [f"VOICEMAIL-{night_box.pk}"]},
    }
    response = api(acme_key).post("/api/schedules/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def set_slots(api, key, url, slots):
    response = api(key).patch(url, {"destinations": slots}, format="json")
    assert response.status_code == 200, response.json()


def route(api, key, did, **params):
    response = api(key).get(f"/api/dids/{did.pk}/route/", params)
    assert response.status_code == 200, response.json()
    return response.json()


def chain_of(answer):
    return [step["destination"] for step in answer["chain"]]


def test_a_did_to_an_extension_ends_at_the_extension(api, acme_key, did, reception):
    set_slots(api, acme_key, f"/api/dids/{did.pk}/", {"DID": [f"EXT-{reception.pk}"]})
    answer = route(api, acme_key, did)
    assert answer["outcome"] == "terminal"
    assert chain_of(answer) == [f"DID-{did.pk}", f"EXT-{reception.pk}"]
    assert answer["terminal"]["label"].startswith("extension 100")


def test_the_schedule_is_read_in_its_own_time_zone_before_the_dst_change(
    api, acme_key, did, office_hours, reception, night_box
):
    set_slots(api, acme_key, f"/api/dids/{did.pk}/", {"DID": [f"CONDITION-{office_hours['id']}"]})
    # Friday 27 March 2026, 08:30 UTC = 09:30 in Rome (UTC+1): open.
    answer = route(api, acme_key, did, at="2026-03-27T08:30:00Z")
    assert chain_of(answer)[-1] == f"EXT-{reception.pk}"
    assert answer["chain"][1]["slot"] == "CONDITION"


def test_the_same_utc_time_after_the_dst_change_is_an_hour_later_in_rome(
    api, acme_key, did, office_hours, reception, night_box
):
    set_slots(api, acme_key, f"/api/dids/{did.pk}/", {"DID": [f"CONDITION-{office_hours['id']}"]})
    # Monday 30 March 2026 (after the 29 March change), 16:30 UTC = 18:30 in Rome (UTC+2): closed.
    answer = route(api, acme_key, did, at="2026-03-30T16:30:00Z")
    assert chain_of(answer)[-1] == f"VOICEMAIL-{night_box.pk}"
    assert answer["chain"][1]["slot"] == "NOTCONDITION"
    # ... while 16:30 UTC the Friday before was 17:30 in Rome: open.
    before = route(api, acme_key, did, at="2026-03-27T16:30:00Z")
    assert chain_of(before)[-1] == f"EXT-{reception.pk}"


def test_a_local_time_with_its_offset_is_read_as_such(api, acme_key, did, office_hours, reception):
    set_slots(api, acme_key, f"/api/dids/{did.pk}/", {"DID": [f"CONDITION-{office_hours['id']}"]})
    answer = route(api, acme_key, did, at="2026-03-30T09:15:00+02:00")
    assert chain_of(answer)[-1] == f"EXT-{reception.pk}"
    assert answer["at"] == "2026-03-30T07:15:00Z"


def test_a_holiday_closes_a_weekday(api, acme_key, did, office_hours, night_box):
    set_slots(api, acme_key, f"/api/dids/{did.pk}/", {"DID": [f"CONDITION-{office_hours['id']}"]})
    answer = route(api, acme_key, did, at="2026-12-25T10:00:00+01:00")  # a Friday
    assert chain_of(answer)[-1] == f"VOICEMAIL-{night_box.pk}"
    assert "Christmas" in answer["chain"][1]["reason"]


def test_a_did_with_a_schedule_follows_notcondition_outside_it(
    api, acme_key, did, office_hours, reception, night_box
):
    set_slots(api, acme_key, f"/api/dids/{did.pk}/", {"DID": [f"EXT-{reception.pk}"]})
    api(acme_key).patch(f"/api/dids/{did.pk}/", {"schedule": office_hours["id"]}, format="json")
    assert (
        chain_of(route(api, acme_key, did, at="2026-03-28T11:00:00+01:00"))[-1] == f"VOICEMAIL-{night_box.pk}"
    )
    assert chain_of(route(api, acme_key, did, at="2026-03-27T11:00:00+01:00"))[-1] == f"EXT-{reception.pk}"


def test_an_unconditional_forward_wins_over_everything(api, acme_key, did, reception, night_box):
    set_slots(
        api,
        acme_key,
        f"/api/dids/{did.pk}/",
        {"DID": [f"EXT-{reception.pk}"], "DID-UNCONDITIONAL": [f"VOICEMAIL-{night_box.pk}"]},
    )
    answer = route(api, acme_key, did)
    assert answer["chain"][0]["slot"] == "DID-UNCONDITIONAL"
    assert chain_of(answer)[-1] == f"VOICEMAIL-{night_box.pk}"


def test_toggling_a_flow_changes_the_path(api, acme_key, acme, did, reception, night_box):
    flow = FlowFactory(tenant=acme, name="Office mode")
    set_slots(api, acme_key, f"/api/flows/{flow.pk}/", {"FLOW": [f"VOICEMAIL-{night_box.pk}"]})
    set_slots(api, acme_key, f"/api/dids/{did.pk}/", {"DID": [f"FLOW-{flow.pk}", f"EXT-{reception.pk}"]})
    day = route(api, acme_key, did)
    assert chain_of(day)[-1] == f"EXT-{reception.pk}"  # day mode: on to the next destination
    response = api(acme_key).patch(f"/api/flows/{flow.pk}/", {"state": "night"}, format="json")
    assert response.status_code == 200
    night = route(api, acme_key, did)
    assert chain_of(night) == [f"DID-{did.pk}", f"FLOW-{flow.pk}", f"VOICEMAIL-{night_box.pk}"]


def test_an_ivr_that_times_out_into_itself_is_reported_as_a_loop(api, acme_key, acme, did):
    menu = IVRFactory(tenant=acme, name="Main menu")
    other = IVRFactory(tenant=acme, name="Sub menu")
    set_slots(api, acme_key, f"/api/ivrs/{menu.pk}/", {"IVR_TIMEOUT": [f"IVR-{other.pk}"]})
    set_slots(api, acme_key, f"/api/ivrs/{other.pk}/", {"IVR_TIMEOUT": [f"IVR-{menu.pk}"]})
    set_slots(api, acme_key, f"/api/dids/{did.pk}/", {"DID": [f"IVR-{menu.pk}"]})
    answer = route(api, acme_key, did)
    assert answer["outcome"] == "loop"
    assert chain_of(answer) == [f"DID-{did.pk}", f"IVR-{menu.pk}", f"IVR-{other.pk}", f"IVR-{menu.pk}"]
    assert f"IVR-{menu.pk}" in answer["message"]


def test_the_keys_pressed_choose_the_ivr_option(api, acme_key, acme, did, reception, night_box):
    menu = IVRFactory(tenant=acme)
    set_slots(
        api,
        acme_key,
        f"/api/ivrs/{menu.pk}/",
        {"IVR_1": [f"EXT-{reception.pk}"], "IVR_TIMEOUT": [f"VOICEMAIL-{night_box.pk}"]},
    )
    set_slots(api, acme_key, f"/api/dids/{did.pk}/", {"DID": [f"IVR-{menu.pk}"]})
    assert chain_of(route(api, acme_key, did, digits="1"))[-1] == f"EXT-{reception.pk}"
    assert chain_of(route(api, acme_key, did))[-1] == f"VOICEMAIL-{night_box.pk}"


def test_a_menu_left_again_by_a_key_is_not_a_loop(api, acme_key, acme, did, reception):
    menu = IVRFactory(tenant=acme, name="Main")
    sub = IVRFactory(tenant=acme, name="Sub")
    set_slots(
        api, acme_key, f"/api/ivrs/{menu.pk}/", {"IVR_2": [f"IVR-{sub.pk}"], "IVR_1": [f"EXT-{reception.pk}"]}
    )
    set_slots(api, acme_key, f"/api/ivrs/{sub.pk}/", {"IVR_0": [f"IVR-{menu.pk}"]})
    set_slots(api, acme_key, f"/api/dids/{did.pk}/", {"DID": [f"IVR-{menu.pk}"]})
    answer = route(api, acme_key, did, digits="201")
    assert answer["outcome"] == "terminal"
    assert chain_of(answer)[-1] == f"EXT-{reception.pk}"


def test_an_empty_did_hangs_up(api, acme_key, did):
    answer = route(api, acme_key, did)
    assert answer["outcome"] == "hangup"
    assert answer["terminal"] is None


def test_a_blacklisted_caller_is_refused(api, acme_key, did, reception):
    set_slots(api, acme_key, f"/api/dids/{did.pk}/", {"DID": [f"EXT-{reception.pk}"]})
    api(acme_key).post("/api/callerid-blacklist/", {"caller_id": "+4420*"}, format="json")
    assert route(api, acme_key, did, caller="+442079460000")["outcome"] == "blacklisted"
    assert route(api, acme_key, did, caller="+390611111111")["outcome"] == "terminal"


def test_a_bad_time_is_a_validation_error_naming_at(api, acme_key, did):
    response = api(acme_key).get(f"/api/dids/{did.pk}/route/", {"at": "christmas"})
    assert response.status_code == 400
    assert "at" in response.json()["error"]["fields"]


def test_another_tenants_did_has_no_route(api, globex_key, did):
    response = api(globex_key).get(f"/api/dids/{did.pk}/route/")
    assert response.status_code == 404


def test_the_schedule_state_tool_says_why(api, acme_key, office_hours):
    response = api(acme_key).get(
        f"/api/schedules/{office_hours['id']}/state/", {"at": "2026-12-25T10:00:00+01:00"}
    )
    assert response.status_code == 200
    assert response.json()["open"] is False
    assert "Christmas" in response.json()["reason"]


def test_an_overnight_range_runs_past_midnight(api, acme_key, acme):
    schedule = ScheduleFactory(tenant=acme, time_zone="UTC")
    body = {"ranges": [{"days": ["fri"], "start": "22:00", "end": "06:00"}]}
    assert api(acme_key).patch(f"/api/schedules/{schedule.pk}/", body, format="json").status_code == 200
    state = api(acme_key).get(f"/api/schedules/{schedule.pk}/state/", {"at": "2026-03-28T05:00:00Z"}).json()
    assert state["open"] is True  # Saturday 05:00, in Friday night's range
    state = api(acme_key).get(f"/api/schedules/{schedule.pk}/state/", {"at": "2026-03-28T07:00:00Z"}).json()
    assert state["open"] is False


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ("mon-fri", ["mon", "tue", "wed", "thu", "fri"]),
        ("Saturday,sunday", ["sat", "sun"]),
        ([1, 3, "5"], ["mon", "wed", "fri"]),
        ("weekend", ["sat", "sun"]),
        ("fri-mon", ["mon", "fri", "sat", "sun"]),
    ],
)
def test_days_are_understood_in_common_notations(api, acme_key, days, expected):
    body = {"name": "S", "ranges": [{"days": days, "start_time": "09:00", "end_time": "17:00"}]}
    response = api(acme_key).post("/api/schedules/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["ranges"][0]["days"] == expected


def test_an_unknown_day_is_refused_naming_the_choices(api, acme_key):
    body = {"name": "S", "ranges": [{"days": ["funday"], "start": "09:00", "end": "17:00"}]}
    response = api(acme_key).post("/api/schedules/", body, format="json")
    assert response.status_code == 400
    assert "funday" in str(response.json()["error"]["fields"])


@pytest.mark.parametrize("caller", ["+39 06 1111 1111", "+39-06-1111.1111", "+39 (06) 1111 1111"])
def test_a_blacklisted_caller_is_refused_in_any_notation(api, acme_key, did, reception, caller):
    api(acme_key).post("/api/callerid-blacklist/", {"caller_id": "+390611111111"}, format="json")
    answer = route(api, acme_key, did, caller=caller)
    assert answer["outcome"] == "blacklisted"
    assert answer["caller"] == "+390611111111"


def test_a_caller_typed_with_a_literal_plus_in_the_query_string_keeps_it(api, acme_key, did, reception):
    api(acme_key).post("/api/callerid-blacklist/", {"caller_id": "+3906*"}, format="json")
    response = api(acme_key).get(f"/api/dids/{did.pk}/route/?caller=+39%2006%201111%201111")
    assert response.json()["outcome"] == "blacklisted"


def test_a_blacklist_entry_written_with_dots_and_parentheses_is_stored_bare(api, acme_key):
    response = api(acme_key).post(
        "/api/callerid-blacklist/", {"caller_id": "+39 (06) 1111.1111"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["caller_id"] == "+390611111111"


def test_dids_are_found_by_number_in_any_notation(api, acme_key, did):
    response = api(acme_key).get("/api/dids/", {"number": "+39 02 1234 5678"})
    assert [row["id"] for row in response.json()["results"]] == [did.pk]
