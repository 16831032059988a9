"""What the pooling tests share: a real pgbouncer in transaction pooling mode in front of
the worker's test database (tests/pgbouncer.py), and pbx's settings as they are with or
without `PBX_DB_POOLING=transaction`, read from pbx/settings.py itself."""

import copy
import os
import runpy
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connections
from django.db.utils import load_backend

from tests import pgbouncer as bouncers

ROOT = Path(__file__).resolve().parents[2]


def server_url():
    """The worker's test database on the PostgreSQL server itself, even when the suite
    reaches it through a pgbouncer of its own (scripts/with-pgbouncer names the server):
    a second pgbouncer in front of the first would pool its connections again."""
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    address = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    if server := os.environ.get("PBX_TEST_POSTGRESQL_URL"):
        address = urlsplit(server).netloc.rpartition("@")[2]
    return f"postgres://{db['USER'] or 'postgres'}{password}@{address}/{db['NAME']}"


@pytest.fixture(scope="module")
def pgbouncer(django_db_setup, django_db_blocker, tmp_path_factory):
    """A pgbouncer of the module's own with two server connections per database: the
    tests' many clients take turns on them, as they do in production."""
    if connections["default"].vendor != "postgresql":
        pytest.skip(
            "pgbouncer pools PostgreSQL connections (the pooling tests need DATABASE_URL=postgres://...)"
        )
    if not bouncers.available():
        pytest.skip("Debian's pgbouncer is not installed (apt-get install pgbouncer)")
    bouncer = bouncers.PgBouncer(server_url(), tmp_path_factory.mktemp("pgbouncer"), pool_size=2)
    with bouncer:
        yield bouncer
        # Its server connections to the test database go before pytest-django drops it.
        bouncer.admin(f"KILL {settings.DATABASES['default']['NAME']}")


def pbx_databases(database_url, pooling):
    """pbx/settings.py's DATABASES for this DATABASE_URL and PBX_DB_POOLING."""
    saved = {name: os.environ.get(name) for name in ("DATABASE_URL", "PBX_DB_POOLING")}
    os.environ.update(DATABASE_URL=database_url, PBX_DB_POOLING=pooling)
    try:
        return runpy.run_path(str(ROOT / "pbx" / "settings.py"))["DATABASES"]
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def django_connection(pgbouncer, django_db_blocker):
    """django_connection(pooling, query=""): see `connect_django`; the test's database
    access is let through while it is open."""

    @contextmanager
    def connect(pooling, query=""):
        with django_db_blocker.unblock(), connect_django(pgbouncer, pooling, query) as database:
            yield database

    return connect


@contextmanager
def connect_django(pgbouncer, pooling, query=""):
    """A Django connection to the test database through `pgbouncer`, configured as
    pbx/settings.py configures one with PBX_DB_POOLING=`pooling` ("" for none). Made the
    way Django makes one, under an alias of its own that DATABASES does not name (Django's
    test case lets such connections be)."""
    alias = "through_pgbouncer"
    config = copy.deepcopy(pbx_databases(f"{pgbouncer.url()}{query}", pooling)["default"])
    config["CONN_MAX_AGE"] = 0
    config = connections.configure_settings({"default": connections.settings["default"], alias: config})[
        alias
    ]
    wrapper = load_backend(config["ENGINE"]).DatabaseWrapper(config, alias)
    setattr(connections._connections, alias, wrapper)
    try:
        yield wrapper
    finally:
        wrapper.close()
        delattr(connections._connections, alias)
