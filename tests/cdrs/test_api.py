"""`/api/cdrs/`: ingest that loses no good call for a bad one, and reads within reach."""

import datetime as dt
import json
from urllib.parse import quote

import pytest

from cdrs.models import CallRecord
from tests.api.support import assert_error
from tests.cdrs.test_formats import mod_json_cdr
from tests.factories import CallRecordFactory, ExtensionFactory

CALL = {
    "call_id": "a4f8c2de-1",
    "caller_number": "+390212345678",
    "destination_number": "1001",
    "start": "2026-03-10T08:00:00Z",
    "answer": "2026-03-10T08:00:05Z",
    "end": "2026-03-10T08:01:05Z",
    "duration": 65,
    "billsec": 60,
}
MASTER_CSV = (
    '"","1001","+441234567890","from-internal","""Alice"" <1001>","PJSIP/1001-01","PJSIP/carrier-02",'
    '"Dial","PJSIP/x","2026-03-10 09:00:00","2026-03-10 09:00:05","2026-03-10 09:01:05","65","60",'
    '"ANSWERED","DOCUMENTATION","1773129600.1"\n'
)


def test_one_record_is_created_in_the_key_tenant(api, acme_key, acme):
    response = api(acme_key).post("/api/cdrs/", CALL, format="json")
    assert response.status_code == 201
    assert (response.json()["tenant"], response.json()["call_id"]) == ("ACME", "a4f8c2de-1")
    assert CallRecord.objects.get().tenant == acme


def test_one_record_posted_again_answers_200_with_the_stored_call(api, acme_key):
    first = api(acme_key).post("/api/cdrs/", CALL, format="json").json()
    again = api(acme_key).post("/api/cdrs/", CALL, format="json")
    assert (again.status_code, again.json()["id"]) == (200, first["id"])
    assert CallRecord.objects.count() == 1


def test_one_bad_record_is_a_validation_error_naming_the_field(api, acme_key):
    response = api(acme_key).post("/api/cdrs/", {**CALL, "billsec": -1}, format="json")
    assert response.status_code == 400
    assert "billsec" in response.json()["error"]["fields"]


def test_a_record_in_an_array_posted_twice_is_skipped_and_counted(api, acme_key):
    api(acme_key).post("/api/cdrs/", [CALL], format="json")
    response = api(acme_key).post("/api/cdrs/", [CALL], format="json")
    assert response.json() == {"stored": 0, "skipped": 1, "rejected": []}
    assert CallRecord.objects.count() == 1


def test_a_bad_record_is_reported_by_index_and_the_good_ones_are_stored(api, acme_key):
    bad = {**CALL, "call_id": "a4f8c2de-2", "start": "yesterday"}
    good = {**CALL, "call_id": "a4f8c2de-3"}
    response = api(acme_key).post("/api/cdrs/", [CALL, bad, good], format="json")
    body = response.json()
    assert (response.status_code, body["stored"], body["skipped"]) == (200, 2, 0)
    [rejected] = body["rejected"]
    assert rejected["index"] == 1
    assert "ISO 8601" in rejected["error"]["fields"]["start"][0]


def test_seed_004_names_are_understood(api, acme_key):
    record = {
        "call_uuid": "550e8400-e29b-41d4-a716-446655440000",
        "caller_id_name": "Bob",
        "caller_id_number": "+390212345678",
        "destination_number": "1001",
        "start_stamp": "2026-03-10T08:00:00Z",
        "end_stamp": "2026-03-10T08:00:30Z",
        "hangup_cause": "NO_ANSWER",
        "record_path": "/var/lib/recordings/x.wav",
    }
    assert api(acme_key).post("/api/cdrs/", record, format="json").status_code == 201
    call = CallRecord.objects.get()
    assert (call.caller_name, call.disposition, call.recording) == (
        "Bob",
        "NO ANSWER",
        "/var/lib/recordings/x.wav",
    )


def test_a_global_key_finds_the_tenant_by_the_record_domain(api, admin_key, acme):
    response = api(admin_key).post("/api/cdrs/", [{**CALL, "domain": acme.sip_domain}], format="json")
    assert response.json()["stored"] == 1
    assert CallRecord.objects.get().tenant == acme


def test_a_record_in_an_array_whose_tenant_cannot_be_told_is_rejected(api, admin_key, acme):
    response = api(admin_key).post("/api/cdrs/", [CALL], format="json")
    assert response.json()["rejected"][0]["error"]["message"].startswith("No tenant")


def test_one_record_whose_tenant_cannot_be_told_is_missing_tenant(api, admin_key, acme):
    response = api(admin_key).post("/api/cdrs/", CALL, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "missing_tenant")


def test_a_tenant_key_stores_in_its_own_tenant_whatever_domain_a_record_names(api, acme_key, globex):
    api(acme_key).post("/api/cdrs/", [{**CALL, "domain": globex.sip_domain}], format="json")
    assert not CallRecord.objects.filter(tenant=globex).exists()


def test_a_global_key_of_one_tenant_cannot_store_by_another_tenant_domain(api, acme_admin, globex):
    from tests.factories import ApiKeyFactory

    key = ApiKeyFactory(owner=acme_admin)
    api(key).post("/api/cdrs/", [{**CALL, "domain": globex.sip_domain}], format="json")
    assert [call.tenant.code for call in CallRecord.objects.all()] == ["ACME"]


def test_an_array_naming_a_tenant_out_of_reach_is_refused_whole(api, acme_key, globex):
    body = [CALL, {**CALL, "call_id": "x-2", "tenant": "GLOBEX"}]
    response = api(acme_key).post("/api/cdrs/", body, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "tenant_not_found")
    assert CallRecord.objects.count() == 0


def test_freeswitch_posts_are_stored_raw_or_as_a_form_field(api, acme_key):
    document = {
        "variables": {"uuid": "fs-1", "start_epoch": "1773129600", "caller_id_number": quote("+39 02")},
        "callflow": [{"caller_profile": {"destination_number": "1001"}}],
    }
    raw = api(acme_key).post(
        "/api/cdrs/freeswitch/?uuid=fs-1", json.dumps(document), content_type="application/json"
    )
    form = api(acme_key).post(
        "/api/cdrs/freeswitch/",
        "cdr=" + quote(json.dumps({**document, "variables": {**document["variables"], "uuid": "fs-2"}})),
        content_type="application/x-www-form-urlencoded",
    )
    assert raw.json()["stored"] == form.json()["stored"] == 1
    assert CallRecord.objects.get(call_id="fs-1").caller_number == "+39 02"


def test_asterisk_master_csv_is_stored_and_a_bad_line_reported_by_number(api, acme_key):
    body = MASTER_CSV + '"","1001"\n'
    response = api(acme_key).post("/api/cdrs/asterisk/?timezone=Europe/Rome", body, content_type="text/csv")
    result = response.json()
    assert result["stored"] == 1
    assert result["rejected"][0]["line"] == 2
    assert CallRecord.objects.get().start.isoformat() == "2026-03-10T08:00:00+00:00"


def test_master_csv_lines_may_come_as_a_json_string(api, acme_key):
    response = api(acme_key).post("/api/cdrs/asterisk/", {"csv": MASTER_CSV}, format="json")
    assert response.json()["stored"] == 1


def test_an_unknown_time_zone_is_a_validation_error(api, acme_key):
    response = api(acme_key).post(
        "/api/cdrs/asterisk/?timezone=Mars/Olympus", MASTER_CSV, content_type="text/csv"
    )
    assert response.status_code == 400
    assert "timezone" in response.json()["error"]["fields"]


def test_a_user_api_caller_reads_only_its_own_extensions_calls(api, acme, acme_user):
    from tests.factories import ApiKeyFactory

    own = ExtensionFactory(tenant=acme, user=acme_user)
    mine = CallRecordFactory(tenant=acme, extension=own)
    CallRecordFactory(tenant=acme)
    key = ApiKeyFactory(owner=acme_user, tenant=acme)
    ids = [row["id"] for row in api(key).get("/api/cdrs/").json()["results"]]
    assert ids == [mine.pk]


def test_nojson_leaves_the_raw_payload_out(api, acme_key, acme):
    CallRecordFactory(tenant=acme, raw={"big": "x" * 100})
    row = api(acme_key).get("/api/cdrs/?nojson").json()["results"][0]
    assert "raw" not in row


def test_filters_by_start_range_and_number_prefix(api, acme_key, acme):
    CallRecordFactory(tenant=acme, caller_number="+390211111111")
    CallRecordFactory(tenant=acme, caller_number="+441111111111")
    rows = (
        api(acme_key).get("/api/cdrs/?caller_number__startswith=%2B39&start__gte=2026-01-01T00:00:00Z").json()
    )
    assert [row["caller_number"] for row in rows["results"]] == ["+390211111111"]


def test_the_list_pages_by_cursor_newest_first(api, acme_key, acme):
    CallRecordFactory.create_batch(3, tenant=acme)
    first = api(acme_key).get("/api/cdrs/?page_size=2").json()
    second = api(acme_key).get(first["next"]).json()
    starts = [row["start"] for row in first["results"] + second["results"]]
    assert starts == sorted(starts, reverse=True) and len(starts) == 3
    assert "count" not in first


def test_records_are_not_changed_or_deleted_through_the_api(api, admin_key, acme):
    call = CallRecordFactory(tenant=acme)
    assert api(admin_key).patch(f"/api/cdrs/{call.pk}/", {"billsec": 1}, format="json").status_code == 405
    assert api(admin_key).delete(f"/api/cdrs/{call.pk}/").status_code == 405


def test_the_timeline_gives_a_call_events_in_order(api, acme_key, acme):
    call = CallRecordFactory(tenant=acme)
    call.answer = call.start + dt.timedelta(seconds=5)
    call.end = call.start + dt.timedelta(seconds=65)
    call.save()
    events = api(acme_key).get(f"/api/cdrs/{call.pk}/timeline/").json()
    assert [event["event"] for event in events] == ["started", "answered", "ended"]


def test_the_timeline_of_a_freeswitch_call_shows_its_call_flow(api, acme_key, acme):
    start = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)
    micros = int(start.timestamp() * 1_000_000)
    raw = {"callflow": [{"times": {"progress_time": micros + 1_000_000, "hangup_time": micros + 9_000_000}}]}
    call = CallRecordFactory(tenant=acme, start=start, raw=raw, answer=None)
    events = api(acme_key).get(f"/api/cdrs/{call.pk}/timeline/").json()
    assert [event["event"] for event in events] == ["started", "ringing", "hangup"]


def test_another_tenant_call_timeline_is_not_found(api, acme_key, globex):
    call = CallRecordFactory(tenant=globex)
    assert api(acme_key).get(f"/api/cdrs/{call.pk}/timeline/").status_code == 404


def test_stats_count_calls_answered_and_missed_with_ring_and_talk_times(api, acme_key, acme):
    CallRecordFactory(tenant=acme, duration=65, billsec=60, disposition="ANSWERED")
    CallRecordFactory(tenant=acme, duration=20, billsec=0, disposition="NO ANSWER")
    body = api(acme_key).get("/api/cdrs/stats/").json()
    assert (body["calls"], body["answered"], body["missed"], body["answer_seizure_ratio"]) == (2, 1, 1, 0.5)
    assert body["ring_seconds"] == {"average": 12.5, "longest": 20}
    assert body["talk_seconds"] == {"average": 60.0, "longest": 60}


def test_stats_distribution_by_hour_is_in_the_asked_time_zone(api, acme_key, acme):
    CallRecordFactory(tenant=acme, start=dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC))
    body = api(acme_key).get("/api/cdrs/stats/?timezone=Europe/Rome").json()
    assert len(body["distribution"]) == 24
    assert body["distribution"][9]["calls"] == 1


def test_stats_take_the_list_filters_and_seed_004_parameters(api, acme_key, acme):
    alice = ExtensionFactory(tenant=acme, number="1001")
    CallRecordFactory(tenant=acme, extension=alice, start=dt.datetime.now(dt.UTC))
    CallRecordFactory(tenant=acme, start=dt.datetime.now(dt.UTC))
    CallRecordFactory(tenant=acme, extension=alice, start=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    body = api(acme_key).get("/api/cdrs/stats/?cdr_extn=1001&cdr_hours=24&cdr_scope=extn").json()
    assert body["calls"] == 1


def test_stats_by_extension_group_each_extension_calls(api, acme_key, acme):
    alice = ExtensionFactory(tenant=acme, number="1001")
    CallRecordFactory.create_batch(2, tenant=acme, extension=alice)
    body = api(acme_key).get("/api/cdrs/stats/?group_by=extension").json()
    assert body["distribution"] == [{"key": alice.pk, "calls": 2, "answered": 2, "missed": 0}]


def test_stats_never_count_another_tenant_calls(api, acme_key, globex):
    CallRecordFactory(tenant=globex)
    assert api(acme_key).get("/api/cdrs/stats/").json()["calls"] == 0


def test_a_nul_character_from_a_switch_never_fails_the_batch(api, acme_key):
    document = {
        "variables": {"uuid": "fs-nul", "start_epoch": "1773129600", "caller_id_name": "Bob%00"},
        "x": "a\x00b",
    }
    response = api(acme_key).post(
        "/api/cdrs/freeswitch/", json.dumps(document), content_type="application/json"
    )
    assert response.json()["stored"] == 1
    assert CallRecord.objects.get().caller_name == "Bob"


def test_a_nul_character_in_a_json_record_is_refused(api, acme_key):
    response = api(acme_key).post("/api/cdrs/", {**CALL, "caller_name": "a\x00b"}, format="json")
    assert "caller_name" in response.json()["error"]["fields"]


@pytest.mark.parametrize("seconds", ["²", "1e3", 2**40, "-5", 1.5])
def test_seconds_that_are_not_whole_numbers_in_range_are_refused(api, acme_key, seconds):
    response = api(acme_key).post("/api/cdrs/", {**CALL, "billsec": seconds}, format="json")
    assert response.status_code == 400
    assert "billsec" in response.json()["error"]["fields"]


def test_an_asterisk_duration_past_the_column_limit_is_a_rejected_line(api, acme_key):
    body = MASTER_CSV.replace('"65","60"', '"99999999999","60"')
    assert (
        api(acme_key).post("/api/cdrs/asterisk/", body, content_type="text/csv").json()["rejected"][0]["line"]
        == 1
    )


def test_seed_004_queries_filter_by_start_stamp_and_extension_id(api, acme_key, acme):
    alice = ExtensionFactory(tenant=acme, number="1001")
    day = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.UTC)
    CallRecordFactory(tenant=acme, start=day, extension=alice, call_id="in-the-day")
    CallRecordFactory(tenant=acme, start=day + dt.timedelta(days=1), extension=alice, call_id="the-day-after")
    CallRecordFactory(tenant=acme, start=day, call_id="another-extension")
    query = "start_stamp__gte=2026-01-15T00:00:00Z&start_stamp__lt=2026-01-16T00:00:00Z"
    found = api(acme_key).get(f"/api/cdrs/?{query}&extension_id={alice.pk}&nojson&noxml").json()["results"]
    assert [call["call_id"] for call in found] == ["in-the-day"]


def test_a_seed_004_time_that_is_not_a_time_is_a_validation_error(api, acme_key, acme):
    response = api(acme_key).get("/api/cdrs/?start_stamp__gte=yesterday")
    assert response.status_code == 400 and "start_stamp__gte" in response.json()["error"]["fields"]


# --- durations computed from the times ---------------------------------------------------

TIMED_CALL = {key: value for key, value in CALL.items() if key not in ("duration", "billsec")}


def test_a_record_posted_with_times_and_no_durations_is_stored_with_them(api, acme_key):
    response = api(acme_key).post("/api/cdrs/", TIMED_CALL, format="json")
    assert (response.json()["duration"], response.json()["billsec"]) == (65, 60)


def test_records_posted_in_an_array_without_durations_count_in_the_stats(api, acme_key):
    unanswered = {**TIMED_CALL, "call_id": "a4f8c2de-2", "answer": None}
    api(acme_key).post("/api/cdrs/", [TIMED_CALL, unanswered], format="json")
    stats = api(acme_key).get("/api/cdrs/stats/").json()
    assert stats["talk_seconds"] == {"average": 60.0, "longest": 60}
    assert stats["ring_seconds"]["longest"] == 65  # the unanswered call rang its whole 65 s


def test_a_master_csv_line_with_empty_durations_is_stored_with_them(api, acme_key):
    body = MASTER_CSV.replace('"65","60"', '"",""')
    api(acme_key).post("/api/cdrs/asterisk/", body, content_type="text/csv")
    assert CallRecord.objects.values_list("duration", "billsec").get() == (65, 60)


# --- FreeSWITCH: microsecond times, and non-2xx when nothing was stored -------------------


def post_freeswitch(client, document):
    return client.post("/api/cdrs/freeswitch/", json.dumps(document), content_type="application/json")


def test_a_freeswitch_call_ends_when_its_call_flow_hangs_up(api, acme_key):
    post_freeswitch(api(acme_key), mod_json_cdr())
    call = CallRecord.objects.get()
    events = api(acme_key).get(f"/api/cdrs/{call.pk}/timeline/").json()
    [ended] = [event for event in events if event["event"] == "ended"]
    [hangup] = [event for event in events if event["event"] == "hangup"]
    assert ended["at"] == hangup["at"] == "2026-03-10T08:01:05.998877Z"
    assert events[-1]["event"] == "ended"
    assert [event["at"] for event in events] == sorted(event["at"] for event in events)


def test_a_freeswitch_call_without_durations_is_stored_with_them(api, acme_key):
    post_freeswitch(api(acme_key), mod_json_cdr(duration=None, billsec=None))
    assert CallRecord.objects.values_list("duration", "billsec").get() == (65, 60)


def test_a_freeswitch_form_post_whose_json_cannot_be_parsed_is_400_so_the_switch_retries(api, acme_key):
    response = api(acme_key).post(
        "/api/cdrs/freeswitch/",
        "cdr=" + quote('{"variables": {'),
        content_type="application/x-www-form-urlencoded",
    )
    assert_error(response, 400, "invalid_json")
    assert "not stored" in response.json()["error"]["message"]


def test_a_freeswitch_post_of_a_record_that_is_refused_is_400_with_the_reason(api, acme_key):
    response = post_freeswitch(api(acme_key), mod_json_cdr(start_uepoch="soon"))
    assert_error(response, 400, "validation_error")
    assert "start_uepoch" in response.json()["error"]["message"]
    assert CallRecord.objects.count() == 0


def test_a_freeswitch_post_whose_tenant_cannot_be_told_is_400_missing_tenant(api, admin_key, acme):
    response = post_freeswitch(api(admin_key), mod_json_cdr(domain_name="nowhere.example", accountcode=None))
    assert_error(response, 400, "missing_tenant")


def test_a_freeswitch_post_of_a_call_already_stored_is_a_success(api, acme_key):
    post_freeswitch(api(acme_key), mod_json_cdr())
    response = post_freeswitch(api(acme_key), mod_json_cdr())
    assert response.status_code == 200
    assert response.json() == {"stored": 0, "skipped": 1, "rejected": []}


# --- bytes that are not UTF-8 --------------------------------------------------------------

CP1252_NAMES = ["José", "Müller", "François", "Ærø €"]


def test_a_master_csv_with_caller_names_that_are_not_utf8_is_stored_whole(api, acme_key):
    lines = [MASTER_CSV.replace("1773129600.1", "1773129600.0").encode()]  # a UTF-8 line
    for number, name in enumerate(CP1252_NAMES, 1):
        line = MASTER_CSV.replace("Alice", name).replace("1773129600.1", f"1773129600.{number}")
        lines.append(line.encode("cp1252"))
    response = api(acme_key).post("/api/cdrs/asterisk/", b"".join(lines), content_type="text/csv")
    assert response.json() == {"stored": 5, "skipped": 0, "rejected": []}
    assert sorted(CallRecord.objects.values_list("caller_name", flat=True)) == sorted(
        ["Alice", *CP1252_NAMES]
    )


def test_a_master_csv_in_the_charset_its_content_type_names_is_read_in_it(api, acme_key):
    body = MASTER_CSV.replace("Alice", "Иван").encode("cp1251")
    api(acme_key).post("/api/cdrs/asterisk/", body, content_type="text/csv; charset=windows-1251")
    assert CallRecord.objects.get().caller_name == "Иван"


def test_a_master_csv_in_a_charset_that_is_not_text_is_invalid_csv(api, acme_key):
    response = api(acme_key).post(
        "/api/cdrs/asterisk/", MASTER_CSV, content_type="text/csv; charset=bz2_codec"
    )
    assert_error(response, 400, "invalid_csv")


def test_a_raw_freeswitch_post_with_bytes_that_are_not_utf8_is_stored(api, acme_key):
    body = json.dumps(mod_json_cdr(caller_id_name="José")).replace("\\u00e9", "é").encode("cp1252")
    response = api(acme_key).post("/api/cdrs/freeswitch/", body, content_type="application/json")
    assert response.json()["stored"] == 1
    assert CallRecord.objects.get().caller_name == "José"


def test_a_freeswitch_form_post_with_bytes_that_are_not_utf8_is_stored(api, acme_key):
    document = json.dumps(mod_json_cdr(caller_id_name="José"), ensure_ascii=False)
    body = b"cdr=" + quote(document.encode("cp1252")).encode()
    response = api(acme_key).post(
        "/api/cdrs/freeswitch/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.json()["stored"] == 1
    assert CallRecord.objects.get().caller_name == "José"


def test_a_json_record_body_that_is_not_utf8_is_400_invalid_json(api, acme_key):
    body = json.dumps({**CALL, "caller_name": "José"}, ensure_ascii=False).encode("cp1252")
    response = api(acme_key).post("/api/cdrs/", body, content_type="application/json")
    assert_error(response, 400, "invalid_json")
    assert "utf-8" in response.json()["error"]["message"].lower()


def test_a_freeswitch_post_of_deeply_nested_json_is_400_invalid_json(api, acme_key):
    deep = "[" * 100_000 + "]" * 100_000
    raw = api(acme_key).post("/api/cdrs/freeswitch/", deep, content_type="application/json")
    form = api(acme_key).post(
        "/api/cdrs/freeswitch/", "cdr=" + quote(deep), content_type="application/x-www-form-urlencoded"
    )
    assert_error(raw, 400, "invalid_json")
    assert_error(form, 400, "invalid_json")


def test_a_freeswitch_post_that_is_not_a_document_says_so(api, acme_key):
    response = post_freeswitch(api(acme_key), [mod_json_cdr()])
    assert_error(response, 400, "validation_error")
    assert "variables" in response.json()["error"]["message"]
