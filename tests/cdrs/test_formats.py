"""Reading what the switches write: Asterisk's Master.csv and FreeSWITCH's mod_json_cdr."""

import csv
import datetime as dt
import json
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from cdrs.formats import (
    RecordError,
    asterisk_columns,
    decode_text,
    read_asterisk_csv,
    read_freeswitch_json,
    read_json_record,
)

ROME = ZoneInfo("Europe/Rome")
BASE = (
    '"","1001","1002","from-internal","""Alice"" <1001>","PJSIP/1001-00000001",'
    '"PJSIP/1002-00000002","Dial","PJSIP/1002,30","2026-03-10 09:00:00","2026-03-10 09:00:05",'
    '"2026-03-10 09:01:05","65","60","ANSWERED","DOCUMENTATION"'
)


def read_one(line, tz=ROME):
    [(line_number, record)] = list(read_asterisk_csv(line + "\n", tz))
    assert line_number == 1
    return record


def test_a_sixteen_column_row_is_read_in_cdr_csv_order():
    record = read_one(BASE)
    assert (record.caller_name, record.caller_number, record.destination_number) == ("Alice", "1001", "1002")
    assert (record.duration, record.billsec, record.disposition) == (65, 60, "ANSWERED")
    assert record.channels == ("PJSIP/1001-00000001", "PJSIP/1002-00000002")


def test_asterisk_local_times_are_read_in_the_switch_time_zone():
    record = read_one(BASE)
    assert record.start == dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)
    assert record.answer == dt.datetime(2026, 3, 10, 8, 0, 5, tzinfo=dt.UTC)


def test_an_unanswered_call_has_no_answer_time():
    line = BASE.replace('"2026-03-10 09:00:05"', '""').replace('"ANSWERED"', '"NO ANSWER"')
    record = read_one(line)
    assert record.answer is None
    assert record.disposition == "NO ANSWER"


def test_a_row_with_uniqueid_uses_it_as_the_call_id():
    assert read_one(BASE + ',"1773129600.17"').call_id == "1773129600.17"


def test_a_row_with_only_a_userfield_is_told_from_one_with_a_uniqueid():
    [values] = csv.reader([BASE])
    assert asterisk_columns([*values, "billing-7"])[-1] == "userfield"
    assert asterisk_columns([*values, "1773129600.17"])[-1] == "uniqueid"


def test_with_newcdrcolumns_uniqueid_and_sequence_make_the_call_id():
    # Two legs of one call share the uniqueid; the sequence tells them apart.
    first = read_one(BASE + ',"1773129600.17","","","1773129600.17","41"')
    second = read_one(BASE + ',"1773129600.17","","","1773129600.17","42"')
    assert (first.call_id, second.call_id) == ("1773129600.17-41", "1773129600.17-42")


@pytest.mark.parametrize("extra", range(6))
def test_every_column_count_from_16_to_21_is_read(extra):
    tails = {
        0: "",
        1: ',"1773129600.17"',
        2: ',"1773129600.17","userfield"',
        3: ',"","1773129600.17","5"',
        4: ',"1773129600.17","","1773129600.17","5"',
        5: ',"1773129600.17","uf","","1773129600.17","5"',
    }
    record = read_one(BASE + tails[extra])
    assert record.destination_number == "1002"
    assert len(record.raw) == 16 + extra


def test_a_row_without_any_id_gets_the_same_call_id_each_time_it_is_read():
    assert read_one(BASE).call_id == read_one(BASE).call_id
    assert read_one(BASE).call_id != read_one(BASE.replace("1002", "1003")).call_id


def test_a_row_with_too_few_columns_is_reported_with_its_line_number():
    rows = list(read_asterisk_csv(BASE + "\n" + '"","1001","1002"\n' + BASE + "\n", ROME))
    assert [line for line, _ in rows] == [1, 2, 3]
    assert isinstance(rows[1][1], RecordError)
    assert "3 columns" in str(rows[1][1])


def test_a_bad_date_is_reported_in_the_user_terms():
    [(_, error)] = list(read_asterisk_csv(BASE.replace("2026-03-10 09:00:00", "yesterday") + "\n", ROME))
    assert isinstance(error, RecordError)
    assert "expected YYYY-MM-DD HH:MM:SS" in str(error)


def test_an_unknown_disposition_is_refused():
    [(_, error)] = list(read_asterisk_csv(BASE.replace("ANSWERED", "MAYBE") + "\n", ROME))
    assert isinstance(error, RecordError)
    assert "MAYBE" in str(error)


def test_blank_lines_are_skipped_and_line_numbers_stay_true():
    rows = list(read_asterisk_csv("\n" + BASE + "\n\n" + BASE.replace("1002", "1003") + "\n", ROME))
    assert [line for line, _ in rows] == [2, 4]


def freeswitch_cdr(**variables):
    base = {
        "uuid": "a4f8c2de-5b3c-4b1e-9f0a-1d2e3f4a5b6c",
        "direction": "inbound",
        "caller_id_name": "Bob Smith",
        "caller_id_number": "+390212345678",
        "start_epoch": "1773129600",
        "answer_epoch": "1773129605",
        "end_epoch": "1773129665",
        "duration": "65",
        "billsec": "60",
        "hangup_cause": "NORMAL_CLEARING",
        "accountcode": "ACME",
        "domain_name": "acme.pbx.local",
    }
    base.update(variables)
    return {
        "variables": {key: quote(value) for key, value in base.items()},
        "callflow": [{"caller_profile": {"destination_number": "1001", "uuid": base["uuid"]}}],
    }


def test_a_freeswitch_cdr_is_read_with_url_encoded_values_decoded():
    record = read_freeswitch_json(json.dumps(freeswitch_cdr()))
    assert record.caller_name == "Bob Smith"
    assert record.caller_number == "+390212345678"
    assert record.destination_number == "1001"
    assert record.domain == "acme.pbx.local"


def test_freeswitch_times_come_from_the_epoch_fields():
    record = read_freeswitch_json(freeswitch_cdr())
    assert record.start == dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)
    assert record.end - record.start == dt.timedelta(seconds=65)


@pytest.mark.parametrize(
    ("cause", "disposition"),
    [("USER_BUSY", "BUSY"), ("NO_ANSWER", "NO ANSWER"), ("ORIGINATOR_CANCEL", "NO ANSWER"),
     ("NORMAL_CIRCUIT_CONGESTION", "CONGESTION"), ("UNALLOCATED_NUMBER", "FAILED")],
)  # fmt: skip
def test_an_unanswered_freeswitch_call_takes_its_disposition_from_the_hangup_cause(cause, disposition):
    record = read_freeswitch_json(freeswitch_cdr(answer_epoch="0", billsec="0", hangup_cause=cause))
    assert record.answer is None
    assert record.disposition == disposition


def test_a_freeswitch_cdr_without_variables_is_refused():
    with pytest.raises(RecordError, match="variables"):
        read_freeswitch_json({"callflow": []})


def test_a_freeswitch_cdr_that_is_not_json_is_refused():
    with pytest.raises(RecordError, match="not JSON"):
        read_freeswitch_json("{nope")


def test_a_freeswitch_cdr_with_a_bad_epoch_is_refused():
    with pytest.raises(RecordError, match="start_epoch"):
        read_freeswitch_json(freeswitch_cdr(start_epoch="soon"))


# --- durations computed from the times -------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures"


def mod_json_cdr(**variables):
    """A real-looking mod_json_cdr document of an answered call, its variables changed
    (None takes one out)."""
    document = json.loads((FIXTURES / "mod_json_cdr.json").read_text())
    for name, value in variables.items():
        if value is None:
            document["variables"].pop(name)
        else:
            document["variables"][name] = value
    return document


def test_a_json_record_with_times_and_no_durations_gets_them_computed():
    record = read_json_record(
        {
            "call_id": "c-1",
            "start": "2026-03-10T08:00:00Z",
            "answer": "2026-03-10T08:00:05Z",
            "end": "2026-03-10T08:01:05.900Z",
        }
    )
    assert (record.duration, record.billsec) == (65, 60)


def test_an_unanswered_json_record_without_durations_has_a_duration_and_no_billsec():
    record = read_json_record(
        {"call_id": "c-1", "start": "2026-03-10T08:00:00Z", "end": "2026-03-10T08:00:20Z"}
    )
    assert (record.duration, record.billsec) == (20, 0)


def test_durations_a_record_gives_are_kept_even_where_the_times_disagree():
    record = read_json_record(
        {
            "call_id": "c-1",
            "start": "2026-03-10T08:00:00Z",
            "answer": "2026-03-10T08:00:05Z",
            "end": "2026-03-10T08:01:05Z",
            "duration": 70,
            "billsec": 0,
        }
    )
    assert (record.duration, record.billsec) == (70, 0)


def test_a_record_without_durations_that_ends_before_it_starts_is_refused_naming_end():
    with pytest.raises(RecordError) as error:
        read_json_record({"call_id": "c-1", "start": "2026-03-10T08:00:00Z", "end": "2026-03-10T07:59:00Z"})
    assert "end" in error.value.fields


def test_a_master_csv_row_with_empty_durations_gets_them_from_its_times():
    record = read_one(BASE.replace('"65","60"', '"",""'))
    assert (record.duration, record.billsec) == (65, 60)


def test_a_freeswitch_cdr_without_durations_gets_them_from_its_microsecond_times():
    record = read_freeswitch_json(mod_json_cdr(duration=None, billsec=None))
    # 65.586532 s from start and 60.125676 s from answer, counted in whole seconds.
    assert (record.duration, record.billsec) == (65, 60)


def test_freeswitch_times_come_from_the_microsecond_fields_when_there_are():
    record = read_freeswitch_json(mod_json_cdr())
    assert record.start == dt.datetime(2026, 3, 10, 8, 0, 0, 412345, tzinfo=dt.UTC)
    assert record.answer == dt.datetime(2026, 3, 10, 8, 0, 5, 873201, tzinfo=dt.UTC)
    assert record.end == dt.datetime(2026, 3, 10, 8, 1, 5, 998877, tzinfo=dt.UTC)
    assert (record.duration, record.billsec) == (65, 60)


def test_a_freeswitch_cdr_with_a_bad_microsecond_time_names_the_field():
    with pytest.raises(RecordError, match="end_uepoch"):
        read_freeswitch_json(mod_json_cdr(end_uepoch="soon"))


# --- text that is not UTF-8 ---------------------------------------------------------------


def test_text_is_read_as_utf8_and_each_byte_that_is_not_as_windows_1252():
    data = "Zoë <1001>\n".encode() + "José €\n".encode("cp1252")
    assert decode_text(data) == "Zoë <1001>\nJosé €\n"


def test_a_byte_windows_1252_leaves_undefined_still_reads_as_a_character():
    assert decode_text(b"a\x81b") == "a\x81b"


def test_a_named_charset_is_used_instead_of_the_fallback():
    assert decode_text("Иван".encode("cp1251"), "windows-1251") == "Иван"


def test_a_freeswitch_value_url_encoded_from_windows_1252_bytes_is_read():
    record = read_freeswitch_json(mod_json_cdr(caller_id_name="Jos%E9%20Garc%EDa"))
    assert record.caller_name == "José García"
