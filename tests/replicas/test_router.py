"""pbx.replicas' router, in process: which database each read goes to.

The replicas here are real connections (tests/replicas/conftest.py: `add_replica`).
Each test runs as one request unless it starts others. tests/replicas/test_streaming_replica.py proves the same rules through
gunicorn against a real streaming replica.
"""

import logging

import pytest
from django.core.signals import request_finished, request_started
from django.db import DEFAULT_DB_ALIAS, DatabaseError, OperationalError, connection, connections, transaction

from cdrs.models import CallRecord
from pbx import replicas

ROUTER = replicas.ReplicaRouter()


def test_without_replicas_every_read_goes_to_the_primary():
    replicas.read_from_replica()
    assert replicas.replica_aliases() == []
    assert ROUTER.db_for_read(CallRecord) == DEFAULT_DB_ALIAS


def test_a_request_that_asks_for_no_replica_reads_from_the_primary(add_replica):
    add_replica("replica")
    assert ROUTER.db_for_read(CallRecord) == DEFAULT_DB_ALIAS


def test_a_large_read_goes_to_the_replica(add_replica):
    add_replica("replica")
    replicas.read_from_replica()
    assert ROUTER.db_for_read(CallRecord) == "replica"


def test_a_queryset_of_a_large_read_runs_on_the_replica(add_replica):
    add_replica("replica")
    replicas.read_from_replica()
    assert CallRecord.objects.all().db == "replica"
    assert connections["replica"].connection is not None  # connected when chosen


def test_a_write_pins_the_request_to_the_primary(add_replica):
    add_replica("replica")
    replicas.read_from_replica()
    assert ROUTER.db_for_read(CallRecord) == "replica"
    assert ROUTER.db_for_write(CallRecord) == DEFAULT_DB_ALIAS
    assert ROUTER.db_for_read(CallRecord) == DEFAULT_DB_ALIAS
    replicas.read_from_replica()  # asking again does not undo the pin
    assert ROUTER.db_for_read(CallRecord) == DEFAULT_DB_ALIAS


def test_a_read_inside_a_transaction_on_the_primary_stays_on_the_primary(add_replica):
    add_replica("replica")
    replicas.read_from_replica()
    with transaction.atomic():
        assert ROUTER.db_for_read(CallRecord) == DEFAULT_DB_ALIAS
    assert ROUTER.db_for_read(CallRecord) == "replica"


def test_the_next_request_starts_unpinned(add_replica):
    add_replica("replica")
    ROUTER.db_for_write(CallRecord)
    request_finished.send(sender=None)
    request_started.send(sender=None)
    replicas.read_from_replica()
    assert ROUTER.db_for_read(CallRecord) == "replica"


def test_outside_a_request_everything_goes_to_the_primary(add_replica):
    add_replica("replica")
    replicas.end_request()
    assert ROUTER.db_for_read(CallRecord) == DEFAULT_DB_ALIAS
    assert ROUTER.db_for_write(CallRecord) == DEFAULT_DB_ALIAS


def test_an_unreachable_replica_falls_back_to_the_primary_saying_so_once(add_replica, caplog):
    add_replica("replica", reachable=False)
    with caplog.at_level(logging.WARNING, logger="pbx.replicas"):
        for _request in range(3):
            replicas.begin_request()
            replicas.read_from_replica()
            assert ROUTER.db_for_read(CallRecord) == DEFAULT_DB_ALIAS
    [warning] = caplog.records
    assert warning.getMessage().startswith("replica replica unreachable, reading from the primary: ")
    assert replicas.is_down("replica")


def test_reads_go_to_the_replica_that_answers(add_replica):
    add_replica("replica", reachable=False)
    add_replica("replica_2")
    for _request in range(5):  # whichever the shuffle tries first
        replicas.begin_request()
        replicas.read_from_replica()
        assert ROUTER.db_for_read(CallRecord) == "replica_2"


def test_reads_spread_over_the_healthy_replicas(add_replica):
    add_replica("replica")
    add_replica("replica_2")
    chosen = set()
    for _request in range(40):
        replicas.begin_request()
        replicas.read_from_replica()
        chosen.add(ROUTER.db_for_read(CallRecord))
    assert chosen == {"replica", "replica_2"}


def test_a_replica_marked_down_is_left_out_for_the_retry_period(add_replica, settings):
    add_replica("replica")
    settings.PBX_REPLICA_RETRY_SECONDS = 30
    replicas.mark_down("replica", OSError("gone"))
    replicas.read_from_replica()
    assert ROUTER.db_for_read(CallRecord) == DEFAULT_DB_ALIAS


def test_a_replica_back_after_the_retry_period_is_read_again_saying_so(add_replica, settings, caplog):
    add_replica("replica")
    settings.PBX_REPLICA_RETRY_SECONDS = 0
    replicas.mark_down("replica", OSError("gone"))
    replicas.read_from_replica()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="pbx.replicas"):
        assert ROUTER.db_for_read(CallRecord) == "replica"
    assert [r.getMessage() for r in caplog.records] == ["replica replica reachable again, reading from it"]
    assert not replicas.is_down("replica")


def test_replicas_are_never_migrated():
    assert ROUTER.allow_migrate(DEFAULT_DB_ALIAS, "cdrs")
    assert not ROUTER.allow_migrate("replica", "cdrs")


# --- a replica failing under a read (the viewset then runs the request again) -------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="ends and cancels PostgreSQL sessions"
)


def replica_error(sql):
    """The error Django raises for `sql` on the replica the request reads from."""
    assert ROUTER.db_for_read(CallRecord) == "replica"
    with pytest.raises(DatabaseError) as raised, connections["replica"].cursor() as cursor:
        cursor.execute(sql)
    return raised.value


@postgresql_only
def test_a_replica_that_died_under_a_read_is_marked_down_and_the_read_retried_on_the_primary(add_replica):
    add_replica("replica")
    replicas.read_from_replica()
    # Its server process ends under the query, as when the server dies.
    error = replica_error("SELECT pg_terminate_backend(pg_backend_pid())")
    assert replicas.retry_on_primary(error)
    assert replicas.is_down("replica")
    assert ROUTER.db_for_read(CallRecord) == DEFAULT_DB_ALIAS


@postgresql_only
def test_a_read_cancelled_for_the_replicas_replay_is_retried_on_the_primary(add_replica):
    add_replica("replica")
    replicas.read_from_replica()
    # What a standby raises when replaying the primary's changes needs the rows a query reads.
    error = replica_error(
        "DO $$ BEGIN RAISE EXCEPTION 'canceling statement due to conflict with recovery' "
        "USING ERRCODE = 'serialization_failure'; END $$"
    )
    assert replicas.retry_on_primary(error)
    assert not replicas.is_down("replica")
    assert ROUTER.db_for_read(CallRecord) == DEFAULT_DB_ALIAS


@postgresql_only
def test_another_error_on_a_healthy_replica_is_not_retried(add_replica):
    add_replica("replica")
    replicas.read_from_replica()
    assert not replicas.retry_on_primary(replica_error("SELECT 1 / 0"))
    assert ROUTER.db_for_read(CallRecord) == "replica"


def test_an_error_of_a_request_reading_from_the_primary_is_not_retried(add_replica):
    add_replica("replica")
    assert not replicas.retry_on_primary(OperationalError("the primary is gone"))
