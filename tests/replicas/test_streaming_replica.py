"""Read replicas, black-box: gunicorn serving pbx on a real primary and its streaming
replica (tests/replicas/streaming.py starts them), and where each read runs, read from
the servers' own statement logs.

The module shares one pair; its tests run in order (one xdist group) and the last ones
kill the replica and bring it back.
"""

import json
import threading
import time
import uuid

import pytest
from django.db import connection

from cdrs.models import CallRecord
from tests.replicas import streaming

RETRY_SECONDS = 2

pytestmark = [
    pytest.mark.xdist_group("streaming_replica"),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="starts its own PostgreSQL pair: runs once, in the PostgreSQL pass",
    ),
    pytest.mark.skipif(streaming.missing() is not None, reason=str(streaming.missing())),
]

CDRS = CallRecord._meta.db_table


@pytest.fixture(scope="module")
def pair():
    pair = streaming.Pair(retry_seconds=RETRY_SECONDS)
    try:
        pair.start()
        yield pair
    finally:
        pair.close()


@pytest.fixture(scope="module")
def tenant_request_id(pair):
    """ACME, created through the API with this request id (which its change log keeps)."""
    request_id = f"replica-test-{uuid.uuid4().hex}"
    status, _, body = pair.request(
        "POST",
        "/api/tenants/",
        {"code": "ACME", "name": "Acme", "sip_domain": "acme.pbx.test"},
        headers={"X-Request-ID": request_id},
    )
    assert status == 201, body
    return request_id


@pytest.fixture(scope="module")
def account(pair, tenant_request_id):
    """Three calls stored through the API under this account code, replayed on the replica."""
    account = uuid.uuid4().hex[:16]
    calls = [
        {
            "call_id": f"{account}-{n}",
            "caller_number": "+390212345678",
            "destination_number": "1001",
            "start": f"2026-03-10T08:0{n}:00Z",
            "end": f"2026-03-10T08:0{n}:30Z",
            "duration": 30,
            "billsec": 20,
            "account_code": account,
        }
        for n in range(3)
    ]
    status, _, body = pair.request("POST", "/api/cdrs/?tenant=ACME", calls)
    assert (status, json.loads(body)["stored"]) == (200, 3), body
    pair.wait_for_replay()
    return account


def read_on(pair, path, marker, key=None):
    """GET `path` (200); which servers logged a statement containing `marker` meanwhile."""
    primary, replica = pair.primary.log_size(), pair.replica.log_size()
    status, _headers, body = pair.request("GET", path, key=key)
    assert status == 200, body[:500]
    ran_on = set()
    if pair.primary.statements_since(primary, marker):
        ran_on.add("primary")
    if pair.replica.statements_since(replica, marker):
        ran_on.add("replica")
    return ran_on, body


def call_ids(body):
    return sorted(call["call_id"] for call in json.loads(body)["results"])


# --- with the replica up --------------------------------------------------------------------


def test_cdrs_stored_through_the_api_are_listed_from_the_replica(pair, account):
    ran_on, body = read_on(pair, f"/api/cdrs/?account_code={account}", account)
    assert ran_on == {"replica"}
    assert call_ids(body) == [f"{account}-{n}" for n in range(3)]


def test_the_cdr_export_runs_its_copy_on_the_replica(pair, account):
    primary, replica = pair.primary.log_size(), pair.replica.log_size()
    status, _headers, body = pair.request("GET", f"/api/cdrs/?account_code={account}&format=csv")
    assert status == 200
    assert body.decode().count(account) == 2 * 3  # call_id and account_code of each call
    [copy] = pair.replica.statements_since(replica, account)
    assert "COPY (SELECT" in copy
    assert pair.primary.statements_since(primary, account) == []


def test_the_cdr_statistics_read_from_the_replica(pair, account):
    ran_on, body = read_on(pair, f"/api/cdrs/stats/?account_code={account}", account)
    assert ran_on == {"replica"}
    assert json.loads(body)["calls"] == 3


def test_the_change_log_list_reads_from_the_replica(pair, tenant_request_id, account):
    ran_on, body = read_on(pair, f"/api/changes/?request_id={tenant_request_id}", tenant_request_id)
    assert ran_on == {"replica"}
    [change] = json.loads(body)["results"]
    assert (change["object_type"], change["action"]) == ("tenant", "create")


def test_a_list_whose_request_wrote_reads_from_the_primary(pair, account):
    # A key's first use writes its last_used_at: that request's reads stay on the primary.
    status, _, body = pair.request("POST", "/api/api-keys/", {"name": "fresh"})
    assert status == 201, body
    fresh = json.loads(body)["key"]
    first, body = read_on(pair, f"/api/cdrs/?account_code={account}", account, key=fresh)
    assert first == {"primary"}
    assert len(call_ids(body)) == 3
    # Its next use within the minute writes nothing: back to the replica.
    again, _ = read_on(pair, f"/api/cdrs/?account_code={account}", account, key=fresh)
    assert again == {"replica"}


def test_writes_go_to_the_primary(pair, account):
    primary, replica = pair.primary.log_size(), pair.replica.log_size()
    call = {"call_id": f"{account}-w", "start": "2026-03-10T09:00:00Z", "account_code": account}
    status, _, body = pair.request("POST", "/api/cdrs/?tenant=ACME", call)
    assert status == 201, body
    assert pair.primary.statements_since(primary, f"{account}-w")
    assert pair.replica.statements_since(replica, f"{account}-w") == []


def test_health_names_each_replica_and_its_lag(pair):
    body = pair.get_json("/health/")
    assert (body["status"], body["database"]) == ("ok", "ok")
    replica = body["replicas"]["replica"]
    assert replica["status"] == "ok"
    assert replica["host"] == f"127.0.0.1:{pair.replica.port}/pbx"
    assert isinstance(replica["lag_seconds"], float)


# --- the replica killed, then back ---------------------------------------------------------


def wait_for(condition, what, timeout=15):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.05)


def waiting_on_a_lock(server, marker):
    with server.connect(autocommit=True) as session:
        return session.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
            [f"%{marker}%"],
        ).fetchone()[0]


def test_a_list_whose_replica_dies_under_it_is_answered_from_the_primary(pair, account):
    """The list's query is held on the replica (a lock taken on the primary replays there),
    the replica is killed under it, and the same request runs again on the primary."""
    answer = {}
    with pair.primary.connect() as holder:  # a transaction, open until rolled back
        holder.execute(f"LOCK TABLE {CDRS} IN ACCESS EXCLUSIVE MODE")
        holder.execute("SELECT pg_switch_wal()")  # ship the lock's WAL record now

        def read():
            answer["status"], _, answer["body"] = pair.request("GET", f"/api/cdrs/?account_code={account}")

        reader = threading.Thread(target=read)
        reader.start()
        wait_for(lambda: waiting_on_a_lock(pair.replica, account), "the list to wait on the replica")
        pair.replica.kill()
        wait_for(lambda: waiting_on_a_lock(pair.primary, account), "the list to run again on the primary")
        holder.rollback()
    reader.join(timeout=30)
    assert answer["status"] == 200, answer["body"][:500]
    assert call_ids(answer["body"]) == sorted([*(f"{account}-{n}" for n in range(3)), f"{account}-w"])
    log = pair.gunicorn_log.read_text()
    assert log.count("replica replica unreachable, reading from the primary: ") == 1


def test_with_the_replica_down_the_list_and_export_answer_from_the_primary(pair, account):
    ran_on, body = read_on(pair, f"/api/cdrs/?account_code={account}", account)
    assert ran_on == {"primary"}
    assert len(call_ids(body)) == 4
    time.sleep(RETRY_SECONDS)  # past the retry period: tried again, still down
    ran_on, body = read_on(pair, f"/api/cdrs/?account_code={account}&format=csv", account)
    assert ran_on == {"primary"}
    assert body.decode().count(account) == 2 * 4
    # Said once for the whole outage.
    assert pair.gunicorn_log.read_text().count("replica replica unreachable") == 1


def test_health_says_degraded_naming_the_replica_down(pair):
    status, _, body = pair.request("GET", "/health/")
    assert status == 200
    health = json.loads(body)
    assert (health["status"], health["database"]) == ("degraded", "ok")
    assert health["replicas"]["replica"]["status"] == "error: OperationalError"
    assert "replica-secret" not in body.decode()


def test_reads_return_to_the_replica_once_it_is_back(pair, account):
    pair.replica.start()
    pair.wait_for_replay()
    time.sleep(RETRY_SECONDS)
    ran_on, body = read_on(pair, f"/api/cdrs/?account_code={account}", account)
    assert ran_on == {"replica"}
    assert len(call_ids(body)) == 4
    assert "replica replica reachable again, reading from it" in pair.gunicorn_log.read_text()
    assert pair.get_json("/health/")["status"] == "ok"
