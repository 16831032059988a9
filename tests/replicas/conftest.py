"""Fixtures of the read replicas' in-process tests: replica aliases added for one test."""

import socket

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend

from pbx import replicas


def closed_port():
    """A loopback port nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def request_route():
    """Each test is one request; no replica is remembered down from another test."""
    replicas._down_until.clear()
    replicas.begin_request()
    yield
    replicas.end_request()
    replicas._down_until.clear()


@pytest.fixture
def add_replica(settings, django_db_blocker, tmp_path):
    """add_replica(alias, reachable=True): a replica alias, as DATABASE_REPLICA_URL makes
    them: a real connection to a database that answers (PostgreSQL's `postgres` database,
    or an SQLite file), or to a place where none does.

    Open without the test transaction that `db` wraps each test in, where every read
    would stay on the primary. These tests read nothing of pbx's tables."""
    settings.DATABASE_ROUTERS = ["pbx.replicas.ReplicaRouter"]
    added = []

    def add(alias, reachable=True, **overrides):
        config = {**connections[DEFAULT_DB_ALIAS].settings_dict, **overrides}
        postgresql = connections[DEFAULT_DB_ALIAS].vendor == "postgresql"
        if reachable:
            config["NAME"] = "postgres" if postgresql else str(tmp_path / f"{alias}.sqlite3")
        elif postgresql:
            config.update(HOST="127.0.0.1", PORT=closed_port(), OPTIONS={"connect_timeout": 2})
        else:
            config["NAME"] = "/nonexistent/pbx/replica.sqlite3"
        # A connection made here, as Django's tests allow, rather than one more DATABASES
        # entry, which Django's test case would forbid to connect.
        connections[alias] = load_backend(config["ENGINE"]).DatabaseWrapper(config, alias)
        settings.PBX_REPLICA_ALIASES = [*settings.PBX_REPLICA_ALIASES, alias]
        added.append(alias)
        return alias

    with django_db_blocker.unblock():
        yield add
        for alias in added:
            connections[alias].close()
            del connections[alias]
