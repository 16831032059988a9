"""Call records partitioned by month on PostgreSQL: the migration that converts the table,
`partition_cdrs`, `purge_cdrs` dropping whole months, and ingest storing a call once
across the months. SQLite keeps one table (its test is at the end)."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cdrs import partitions
from cdrs.models import CallRecord
from tests.factories import CallRecordFactory

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions are PostgreSQL's; SQLite keeps one table"
)
UTC = dt.UTC
BEFORE = ("cdrs", "0003_durations_of_records_stored_without_them")


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def month_names():
    with connection.cursor() as cursor:
        return [month.name for month in partitions.months(cursor)]


def rows_of(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} ORDER BY id")
        return [id_ for (id_,) in cursor.fetchall()]


def months_from_now(count, day=15):
    return partitions.add_months(partitions.month_of(timezone.now()), count).replace(day=day)


# --- the migration ------------------------------------------------------------------


@pytest.fixture
def months_made_here_dropped():
    """Drops, after the test, the month partitions it made: the tests after it find the
    layout that migrating an empty database gives."""
    before = set(month_names())
    yield
    with connection.cursor() as cursor:
        for month in partitions.months(cursor):
            if month.name not in before:
                partitions.drop_month(cursor, month)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_row_its_id_and_the_sequence(acme, months_made_here_dropped):
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    starts = [dt.datetime(2026, month, 3, 9, 30, tzinfo=UTC) for month in (1, 2, 5, 9)]
    starts += [dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC), dt.datetime(2061, 7, 1, tzinfo=UTC)]
    with connection.cursor() as cursor:
        for n, start in enumerate(starts):
            cursor.execute(
                "INSERT INTO cdrs_callrecord (created_at, updated_at, call_id, direction, caller_name, "
                "caller_number, destination_number, start, duration, billsec, disposition, hangup_cause, "
                "account_code, recording, raw, tenant_id) VALUES (now(), now(), %s, 'inbound', '', "
                "%s, '1001', %s, 65, 60, 'ANSWERED', '', '', '', '{\"n\": 1}', %s) RETURNING id",
                [f"call-{n}", f"+3902{n}", start, acme.pk],
            )
        cursor.execute("SELECT * FROM cdrs_callrecord ORDER BY id")
        before = cursor.fetchall()
        cursor.execute("SELECT last_value FROM cdrs_callrecord_id_seq")
        [last_id] = cursor.fetchone()

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert partitions.is_partitioned()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cdrs_callrecord ORDER BY id")
        assert cursor.fetchall() == before
    names = month_names()
    for start in starts:
        assert partitions.partition_name(partitions.month_of(start)) in names
    assert rows_of("cdrs_callrecord_default") == []
    new = CallRecordFactory(tenant=acme, start=starts[0] + dt.timedelta(days=1))
    assert new.pk == last_id + 1


@on_postgresql
def test_the_migrated_table_is_keyed_by_id_and_start(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'cdrs_callrecord'::regclass AND contype IN ('p', 'u') ORDER BY 1"
        )
        assert cursor.fetchall() == [
            ("cdr_unique_call_id", "UNIQUE (tenant_id, call_id, start)"),
            ("cdrs_callrecord_pkey", "PRIMARY KEY (id, start)"),
        ]


# --- ingest: one call once across the months ------------------------------------------


def test_a_call_sent_again_with_another_start_is_skipped(api, admin_key, acme):
    call = {"tenant": "ACME", "call_id": "moved-1", "start": "2026-01-10T08:00:00Z"}
    first = api(admin_key).post("/api/cdrs/", [call], format="json")
    again = api(admin_key).post("/api/cdrs/", [{**call, "start": "2026-06-10T08:00:00Z"}], format="json")
    assert (first.json()["stored"], again.json()["stored"], again.json()["skipped"]) == (1, 0, 1)
    assert CallRecord.objects.filter(call_id="moved-1").count() == 1


# --- partition_cdrs ---------------------------------------------------------------


@on_postgresql
def test_partition_cdrs_creates_the_months_ahead(db):
    out, err = run("partition_cdrs", "--months-ahead", "6")
    wanted = [partitions.partition_name(months_from_now(ahead, day=1)) for ahead in range(7)]
    assert set(wanted) <= set(month_names())
    assert "Created" in out and "[" in err


@on_postgresql
def test_partition_cdrs_a_second_time_creates_nothing(db):
    run("partition_cdrs", "--months-ahead", "5")
    before = month_names()
    out, _ = run("partition_cdrs", "--months-ahead", "5")
    assert out.strip() == "Created 0 partitions, moved 0 calls into them."
    assert month_names() == before


@on_postgresql
def test_partition_cdrs_moves_a_months_calls_out_of_the_default_partition(acme):
    far = CallRecordFactory(tenant=acme, start=dt.datetime(2040, 4, 9, tzinfo=UTC))
    assert rows_of("cdrs_callrecord_default") == [far.pk]
    _, err = run("partition_cdrs")
    assert rows_of("cdrs_callrecord_y2040m04") == [far.pk]
    assert rows_of("cdrs_callrecord_default") == []
    assert "moved 1 calls from the default partition" in err
    assert CallRecord.objects.get(pk=far.pk).start == far.start


@on_postgresql
def test_partition_cdrs_dry_run_says_what_it_would_do_and_does_nothing(acme):
    far = CallRecordFactory(tenant=acme, start=dt.datetime(2040, 4, 9, tzinfo=UTC))
    before = month_names()
    out, err = run("partition_cdrs", "--dry-run")
    assert "would create cdrs_callrecord_y2040m04, moving 1 calls from the default partition" in err
    assert out.startswith("Would create")
    assert month_names() == before
    assert rows_of("cdrs_callrecord_default") == [far.pk]


@on_postgresql
def test_a_call_stored_after_its_month_was_created_lands_in_it(acme):
    run("partition_cdrs", "--months-ahead", "2")
    month = months_from_now(2)
    call = CallRecordFactory(tenant=acme, start=month)
    assert rows_of(partitions.partition_name(partitions.month_of(month))) == [call.pk]


def test_partition_cdrs_with_a_bad_months_ahead_is_one_line_error(db):
    with pytest.raises(Exception, match="--months-ahead must be between 0 and 120"):
        run("partition_cdrs", "--months-ahead", "-1")


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite's answer: one table, nothing to do")
def test_partition_cdrs_on_sqlite_says_partitions_are_postgresqls_and_succeeds(db):
    out, _ = run("partition_cdrs")
    assert "partitioned on PostgreSQL only" in out


# --- purge_cdrs on partitions -------------------------------------------------------


@pytest.fixture
def history(acme, globex):
    """Calls of ACME and GLOBEX 14, 13 and 12 months ago, each month its partition, and
    one old call in the default partition (a month with no partition)."""
    for ago in (14, 13, 12):
        with connection.cursor() as cursor:
            partitions.create_month(cursor, partitions.month_of(months_from_now(-ago)))
    calls = {
        ago: [CallRecordFactory(tenant=tenant, start=months_from_now(-ago)) for tenant in (acme, globex)]
        for ago in (14, 13, 12)
    }
    calls["default"] = [CallRecordFactory(tenant=acme, start=months_from_now(-30))]
    calls["recent"] = [CallRecordFactory(tenant=acme, start=timezone.now() - dt.timedelta(days=1))]
    with connection.cursor() as cursor:
        # As a commit would: PostgreSQL drops no table with foreign-key checks pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return calls


def cutoff_in_the_12th_month_ago():
    """An age whose cutoff falls on the 20th of the month 12 months ago."""
    return f"{(timezone.now() - months_from_now(-12, day=20)).days}d"


@on_postgresql
def test_purge_drops_the_months_entirely_older_and_deletes_in_the_straddling_one(history):
    out, err = run("purge_cdrs", "--older-than", cutoff_in_the_12th_month_ago())
    dropped = [partitions.partition_name(partitions.month_of(months_from_now(-ago))) for ago in (14, 13)]
    assert not set(dropped) & set(month_names())
    assert "Dropped 2 partitions (4 call records)." in out
    assert "Deleted 7 call records of all tenants" in out  # 4 dropped, 2 straddling, 1 default
    assert f"[1/2] dropped {dropped[0]}" in err
    kept = [call.pk for call in history["recent"]]
    assert list(CallRecord.objects.values_list("pk", flat=True)) == kept


@on_postgresql
def test_purge_keeps_the_straddling_months_partition_and_its_newer_calls(history, acme):
    newer = CallRecordFactory(tenant=acme, start=months_from_now(-12, day=25))
    run("purge_cdrs", "--older-than", cutoff_in_the_12th_month_ago())
    assert partitions.partition_name(partitions.month_of(months_from_now(-12))) in month_names()
    assert CallRecord.objects.filter(pk=newer.pk).exists()


@on_postgresql
def test_purge_dry_run_lists_the_partitions_and_counts_the_rest(history):
    before = month_names()
    out, _ = run("purge_cdrs", "--older-than", cutoff_in_the_12th_month_ago(), "--dry-run")
    first = partitions.partition_name(partitions.month_of(months_from_now(-14)))
    assert f"Would drop partition {first} (2 call records)." in out
    assert "Would delete 3 more call records in batches." in out
    assert "7 call records of all tenants" in out
    assert month_names() == before and CallRecord.objects.count() == 8


@on_postgresql
def test_purge_of_one_tenant_deletes_its_rows_and_drops_no_partition(history, globex):
    before = month_names()
    out, _ = run("purge_cdrs", "--older-than", cutoff_in_the_12th_month_ago(), "--tenant", "acme")
    assert "Deleted 4 call records of tenant ACME" in out
    assert month_names() == before
    assert CallRecord.objects.filter(tenant=globex).count() == 3


# --- the admin's row count ------------------------------------------------------------


@on_postgresql
def test_the_admins_unfiltered_list_adds_up_the_months_estimates_instead_of_counting(client, acme):
    from django.contrib.auth import get_user_model

    with connection.cursor() as cursor:
        partitions.create_month(cursor, dt.datetime(2026, 3, 1, tzinfo=UTC))
        cursor.execute(
            "INSERT INTO cdrs_callrecord (created_at, updated_at, call_id, direction, caller_name, "
            "caller_number, destination_number, start, duration, billsec, disposition, hangup_cause, "
            "account_code, recording, tenant_id) SELECT now(), now(), 'c-' || n, 'inbound', '', '', '', "
            "'2026-03-10'::timestamptz + n * interval '1 second', 0, 0, 'NO ANSWER', '', '', '', %s "
            "FROM generate_series(1, 12000) n",
            [acme.pk],
        )
        cursor.execute("ANALYZE cdrs_callrecord_y2026m03")
    client.force_login(get_user_model().objects.create_superuser("root", "root@pbx.test", "x"))
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/admin/cdrs/callrecord/").content.decode()
    assert "12000 call" in page.replace(",", "")
    assert not [query for query in captured.captured_queries if "COUNT(*)" in query["sql"].upper()]
