"""import_cdrs and purge_cdrs: files in, old records out, one-line errors."""

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command

from cdrs.models import CallRecord
from tests.cdrs.test_formats import BASE
from tests.factories import CallRecordFactory


def run(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_rejecting(*args):
    """Run a command that rejects records: (its output, its error output, the error it exits with)."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failure:
        call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), str(failure.value)


@pytest.fixture
def master_csv(tmp_path):
    path = tmp_path / "Master.csv"
    lines = [BASE + f',"1773129600.{n}"' for n in range(3)] + ['"","1001"']
    path.write_text("\n".join(lines) + "\n")
    return path


def test_import_stores_an_asterisk_file_and_reports_the_bad_line(acme, master_csv):
    out, err, _ = run_rejecting(
        "import_cdrs",
        "--format",
        "asterisk-csv",
        "--tenant",
        "ACME",
        "--timezone",
        "Europe/Rome",
        str(master_csv),
    )
    assert "Stored 3, skipped 0 already stored, rejected 1." in out
    assert "Master.csv line 4" in err
    assert CallRecord.objects.filter(tenant=acme).count() == 3


def test_importing_the_same_file_twice_stores_nothing_new(acme, master_csv):
    run_rejecting("import_cdrs", "--format", "asterisk-csv", "--tenant", "ACME", str(master_csv))
    out, _, _ = run_rejecting("import_cdrs", "--format", "asterisk-csv", "--tenant", "ACME", str(master_csv))
    assert "Stored 0, skipped 3" in out
    assert CallRecord.objects.count() == 3


def test_import_reads_freeswitch_files_and_finds_the_tenant_by_domain(acme, tmp_path):
    path = tmp_path / "a.cdr.json"
    path.write_text(
        json.dumps(
            {"variables": {"uuid": "fs-9", "start_epoch": "1773129600", "domain_name": acme.sip_domain}}
        )
    )
    out, _ = run("import_cdrs", "--format", "freeswitch-json", str(path))
    assert "Stored 1," in out
    assert CallRecord.objects.get().tenant == acme


def test_import_reads_json_lines(acme, tmp_path):
    path = tmp_path / "calls.jsonl"
    rows = [{"call_id": f"j-{n}", "start": "2026-03-10T08:00:00Z"} for n in range(2)]
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n{broken\n")
    out, _, _ = run_rejecting("import_cdrs", "--format", "json", "--tenant", "ACME", str(path))
    assert "Stored 2, skipped 0 already stored, rejected 1." in out


def test_import_exits_non_zero_when_a_record_was_rejected_and_keeps_the_good_ones(acme, master_csv):
    out, _, error = run_rejecting(
        "import_cdrs", "--format", "asterisk-csv", "--tenant", "ACME", str(master_csv)
    )
    assert "1 record rejected" in error
    assert "rejected 1." in out
    assert CallRecord.objects.count() == 3


def test_import_of_a_file_without_rejections_exits_zero(acme, tmp_path):
    path = tmp_path / "calls.json"
    path.write_text(json.dumps([{"call_id": "j-1", "start": "2026-03-10T08:00:00Z"}]))
    out, _ = run("import_cdrs", "--format", "json", "--tenant", "ACME", str(path))
    assert "rejected 0." in out


def test_an_import_rejection_names_each_bad_field_and_why(acme, tmp_path):
    path = tmp_path / "calls.json"
    path.write_text(json.dumps([{"call_id": "j-1", "start": "yesterday", "billsec": "a lot"}]))
    _, err, _ = run_rejecting("import_cdrs", "--format", "json", "--tenant", "ACME", str(path))
    [line] = [line for line in err.splitlines() if line.startswith("rejected")]
    assert line.startswith("rejected calls.json index 0: record has invalid fields: ")
    assert "start: 'yesterday' is not an ISO 8601 time" in line
    assert "billsec: Must be a whole number of seconds" in line


def test_import_computes_durations_from_the_times_when_a_record_has_none(acme, tmp_path):
    path = tmp_path / "calls.json"
    call = {"call_id": "j-1", "start": "2026-03-10T08:00:00Z", "answer": "2026-03-10T08:00:05Z",
            "end": "2026-03-10T08:01:05Z"}  # fmt: skip
    path.write_text(json.dumps([call]))
    run("import_cdrs", "--format", "json", "--tenant", "ACME", str(path))
    assert CallRecord.objects.values_list("duration", "billsec").get() == (65, 60)


def test_import_stores_a_master_csv_with_caller_names_that_are_not_utf8(acme, tmp_path):
    path = tmp_path / "Master.csv"
    lines = [
        BASE.replace("Alice", "Zoë") + ',"1773129600.1"',
        BASE.replace("Alice", "Jos\xe9") + ',"1773129600.2"',
    ]
    path.write_bytes(lines[0].encode() + b"\n" + lines[1].encode("cp1252") + b"\n")
    out, _ = run("import_cdrs", "--format", "asterisk-csv", "--tenant", "ACME", str(path))
    assert "Stored 2," in out
    assert sorted(CallRecord.objects.values_list("caller_name", flat=True)) == ["José", "Zoë"]


def test_import_of_a_missing_file_is_one_line_error(db):
    with pytest.raises(CommandError, match="no such file"):
        run("import_cdrs", "--format", "json", "/nowhere/calls.json")


def test_import_into_an_unknown_tenant_is_one_line_error(db, master_csv):
    with pytest.raises(CommandError, match="No tenant has the code"):
        run("import_cdrs", "--format", "asterisk-csv", "--tenant", "NOPE", str(master_csv))


def test_purge_deletes_records_older_than_the_age_only(acme):
    old = CallRecordFactory(tenant=acme, start=dt.datetime.now(dt.UTC) - dt.timedelta(days=500))
    new = CallRecordFactory(tenant=acme, start=dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
    out, _ = run("purge_cdrs", "--older-than", "400d", "--batch-size", "1")
    assert "Deleted 1 call records" in out
    assert list(CallRecord.objects.values_list("pk", flat=True)) == [new.pk]
    assert not CallRecord.objects.filter(pk=old.pk).exists()


def test_purge_of_one_tenant_keeps_the_others(acme, globex):
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=500)
    CallRecordFactory(tenant=acme, start=long_ago)
    kept = CallRecordFactory(tenant=globex, start=long_ago)
    run("purge_cdrs", "--older-than", "400d", "--tenant", "acme")
    assert list(CallRecord.objects.values_list("pk", flat=True)) == [kept.pk]


def test_purge_dry_run_counts_and_deletes_nothing(acme):
    CallRecordFactory(tenant=acme, start=dt.datetime.now(dt.UTC) - dt.timedelta(days=500))
    out, _ = run("purge_cdrs", "--older-than", "400d", "--dry-run")
    assert out.startswith("1 call records of all tenants")
    assert CallRecord.objects.count() == 1


def test_purge_with_a_bad_age_is_one_line_error(db):
    with pytest.raises(CommandError, match="Give an age such as"):
        run("purge_cdrs", "--older-than", "soon")


def test_export_writes_the_api_csv_columns_and_rows(client, admin_key, acme, tmp_path):
    CallRecordFactory.create_batch(3, tenant=acme)
    target = tmp_path / "cdrs.csv"
    _, err = run(
        "export_cdrs", "--output", str(target), "--tenant", "ACME", "--base-url", "http://testserver"
    )
    api_csv = client.get("/api/cdrs/?format=csv", HTTP_X_API_KEY=admin_key.key)
    assert target.read_bytes() == b"".join(api_csv.streaming_content)
    assert "Exported 3 call records" in err


def test_export_since_and_nojson_narrow_rows_and_columns(acme, tmp_path):
    CallRecordFactory(tenant=acme, start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    CallRecordFactory(tenant=acme, start=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    target = tmp_path / "cdrs.csv"
    run("export_cdrs", "-o", str(target), "--since", "2026-02-01", "--nojson")
    header, *rows = target.read_text().splitlines()
    assert len(rows) == 1 and "raw" not in header.split(",")


def test_export_with_a_bad_time_is_one_line_error(db):
    with pytest.raises(CommandError, match="--since: give a time"):
        run("export_cdrs", "--since", "last tuesday")
