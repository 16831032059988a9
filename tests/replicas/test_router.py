"""pbx.replicas' router, in process: which database each read goes to.

The replicas here are real connections (tests/replicas/conftest.py: `add_replica`).
Each test runs as one request unless it starts others. tests/replicas/test_streaming_replica.py proves the same rules through
gunicorn against a real streaming replica.
"""

import logging

from django.core.signals import request_finished, request_started
from django.db import DEFAULT_DB_ALIAS, connections, transaction

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
    assert list(CallRecord.objects.all()) == []  # a real query through that connection
    assert connections["replica"].connection is not None


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
