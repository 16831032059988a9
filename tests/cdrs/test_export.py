"""The CDR export: every matching call as CSV, the same cells as the JSON list, whichever
path renders them (PostgreSQL's COPY, or the serializer), and the same bytes from the
API, `manage.py export_cdrs` and the admin's action."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from cdrs import export
from tests.factories import CallRecordFactory

START = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)


def csv_of(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def json_list(client):
    calls, url = [], "/api/cdrs/?page_size=1000"
    while url:
        page = client.get(url).json()
        calls.extend(page["results"])
        url = page["next"]
    return calls


def as_cells(call):
    """What each CSV cell holds for a JSON call: JSON for objects, empty for null."""
    return {
        name: json.dumps(value) if isinstance(value, dict) else "" if value is None else str(value)
        for name, value in call.items()
    }


def read_back(row, call):
    return {
        name: json.dumps(json.loads(cell)) if isinstance(call[name], dict) else cell
        for name, cell in row.items()
    }


@pytest.fixture
def awkward_calls(acme):
    """Calls with what breaks a careless CSV writer or time format."""
    return [
        CallRecordFactory(
            tenant=acme,
            start=START,
            answer=START + dt.timedelta(seconds=5, microseconds=123456),
            caller_name='Zoë "The Boss", Ltd\nSales',
            raw={"variables": {"note": 'a "quoted", multi\nline ünïcode value'}, "n": [1, 2.5, None]},
        ),
        CallRecordFactory(tenant=acme, start=START + dt.timedelta(minutes=1), answer=None, raw=None),
    ]


def test_the_export_holds_the_json_cells_of_every_call(api, acme_key, awkward_calls):
    client = api(acme_key)
    rows = csv_of(client.get("/api/cdrs/?format=csv"))
    calls = json_list(client)
    assert len(rows) == len(calls) == 2
    for row, call in zip(rows, calls, strict=True):
        assert list(row) == list(call)
        assert read_back(row, call) == as_cells(call)


@override_settings(TIME_ZONE="Europe/Rome")
def test_outside_utc_the_export_still_holds_the_json_cells(api, acme_key, awkward_calls):
    client = api(acme_key)
    rows, calls = csv_of(client.get("/api/cdrs/?format=csv")), json_list(client)
    assert calls[0]["start"].endswith("+01:00")
    assert [read_back(row, call) for row, call in zip(rows, calls, strict=True)] == [
        as_cells(c) for c in calls
    ]


def test_the_export_takes_the_list_filters(api, acme_key, awkward_calls):
    rows = csv_of(
        api(acme_key).get("/api/cdrs/?format=csv&disposition=ANSWERED&start__gte=2026-03-10T08:00:30Z")
    )
    assert [row["call_id"] for row in rows] == [awkward_calls[1].call_id]


@pytest.mark.parametrize("name", ["start__lte", "start_stamp__lte", "answer__lte"])
def test_a_time_with_an_offset_past_what_postgresql_reads_is_compared_in_utc(
    api, acme_key, awkward_calls, name
):
    response = api(acme_key).get("/api/cdrs/download/", {name: "2461-02-14T02:52:00.405488-23:57"})
    assert response.status_code == 200
    assert len(csv_of(response)) == len(
        [call for call in awkward_calls if name != "answer__lte" or call.answer]
    )


def test_nojson_leaves_the_raw_column_out_of_the_export(api, acme_key, awkward_calls):
    rows = csv_of(api(acme_key).get("/api/cdrs/?format=csv&nojson"))
    assert rows and "raw" not in rows[0]


def test_an_export_of_no_calls_is_the_header_line_alone(api, acme_key, acme):
    response = api(acme_key).get("/api/cdrs/?format=csv")
    assert b"".join(response.streaming_content).decode().startswith("id,url,tenant,call_id,")


def test_the_export_never_holds_another_tenant_calls(api, acme_key, awkward_calls, globex):
    CallRecordFactory(tenant=globex)
    assert {row["tenant"] for row in csv_of(api(acme_key).get("/api/cdrs/?format=csv"))} == {"ACME"}


def test_the_command_and_the_admin_action_write_the_api_export_bytes(
    client, api, admin_key, admin_user, awkward_calls, tmp_path
):
    api_bytes = b"".join(api(admin_key).get("/api/cdrs/?format=csv").streaming_content)
    target = tmp_path / "cdrs.csv"
    call_command(
        "export_cdrs", "--output", str(target), "--base-url", "http://testserver", stderr=io.StringIO()
    )
    client.force_login(admin_user)
    selected = [call.pk for call in awkward_calls]
    action = client.post("/admin/cdrs/callrecord/", {"action": "export_csv", "_selected_action": selected})
    assert target.read_bytes() == api_bytes == b"".join(action.streaming_content)


def test_postgresql_renders_the_export_with_copy(db):
    assert export.fast_path_available() is (connection.vendor == "postgresql")


def test_seed_004_download_is_the_export_with_its_filters(api, acme_key, awkward_calls):
    query = "start_stamp__gte=2026-03-10T08:00:30Z&start_stamp__lt=2026-03-11T00:00:00Z"
    rows = csv_of(api(acme_key).get(f"/api/cdrs/download/?{query}"))
    assert [row["call_id"] for row in rows] == [awkward_calls[1].call_id]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY export is PostgreSQL's")
def test_a_copy_export_whose_filters_can_match_nothing_is_its_header_alone(db):
    # Django compiles a filter that can match nothing (an IN of no ids) to no SQL at all.
    from cdrs.models import CallRecord

    chunks = b"".join(export._copy_chunks(CallRecord.objects.none(), ["id", "url"], "http://x/", "/"))
    assert chunks.decode().splitlines() == ["id,url"]
