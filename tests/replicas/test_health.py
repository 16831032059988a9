"""GET /health/ with read replicas: degraded, not down, when a replica is."""

import pytest
from django.db import connection

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the replicas' health query is PostgreSQL's"
)


@postgresql_only
def test_it_answers_ok_with_each_replica_and_its_lag(client, db, add_replica):
    add_replica("replica")
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"]) == ("ok", "ok")
    assert body["replicas"]["replica"]["status"] == "ok"
    # This database is no standby: it has no replay to trail behind.
    assert body["replicas"]["replica"]["lag_seconds"] is None


@postgresql_only
def test_a_replica_down_is_200_degraded_naming_it_without_its_password(client, db, add_replica):
    add_replica("replica")
    add_replica("replica_2", reachable=False, USER="reader", PASSWORD="s3cret-pw")
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"]) == ("degraded", "ok")
    assert body["replicas"]["replica"]["status"] == "ok"
    down = body["replicas"]["replica_2"]
    assert down["status"] == "error: OperationalError"
    assert down["host"].startswith("127.0.0.1:")
    assert "s3cret-pw" not in response.content.decode()
    assert "reader" not in response.content.decode()


def test_without_replicas_the_answer_is_as_before(client, db):
    assert client.get("/health/").json() == {"status": "ok", "database": "ok"}
