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
def add_replica(settings, django_db_setup, django_db_blocker):
    """add_replica(alias, reachable=True): a replica alias, as DATABASE_REPLICA_URL makes
    them, reading the test database itself (a replica that has replayed everything) or,
    unreachable, a place where no database answers.

    The database is open without the test transaction that `db` wraps each test in: a
    read inside a transaction on the primary stays there. These tests write nothing."""
    settings.DATABASE_ROUTERS = ["pbx.replicas.ReplicaRouter"]
    added = []

    def add(alias, reachable=True, **overrides):
        config = {**connections[DEFAULT_DB_ALIAS].settings_dict, **overrides}
        if not reachable:
            if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
                config.update(HOST="127.0.0.1", PORT=closed_port(), OPTIONS={"connect_timeout": 2})
            else:
                config.update(NAME="/nonexistent/pbx/replica.sqlite3")
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
