"""Personas and clients shared by every test (in the manner of Healthchecks' alice/bob/charlie).

- ACME and GLOBEX are two tenants.
- `platform_admin` (admin_api) holds `admin_key`, a global full key.
- `acme_admin` (minor_admin_api, member of ACME) holds `acme_key`, a tenant key for ACME;
  `globex_admin` likewise for GLOBEX.
- `acme_user` (user_api, member of ACME) holds `acme_user_key`.
- `switch_user` (switch_api) holds `switch_key`, the global key a switch reads pbx with.
- `api(key)` is an APIClient sending that key; `anon` sends none.

Every test is safe to run in parallel (pytest-xdist, as `make test` does): each worker
has its own test database, temporary folders and ports. Two markers are set here at
collection, so that new tests get them without doing anything (docs/testing.md):

- `same_on_every_database`: a generated test's run for its second and further routes.
  A matrix checks the API kernel's contract route by route; that code is the same on
  every database, so the CI's SQLite pass runs each generated test for its first route
  only (`-m "not same_on_every_database"`) and PostgreSQL runs them all. A module that
  must run every route on SQLite too sets `pytestmark = pytest.mark.every_database`.
- `xdist_group("chromium")`: tests that drive the browser share one worker, so that
  one Chromium runs at a time on a small machine.
"""

import itertools
import os

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from apikeys import roles
from tests.chromium import launch_chromium
from tests.factories import ApiKeyFactory, TenantFactory, UserFactory
from tests.pgbouncer import close_server_connections


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by these markers
def pytest_collection_modifyitems(items):
    first_route = {}  # generated test -> the route it runs for on every database
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "route" in params and not item.get_closest_marker("every_database"):
            route = first_route.setdefault((item.path, item.originalname), params["route"])
            if params["route"] != route:
                item.add_marker(pytest.mark.same_on_every_database)
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("chromium"))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """No persistent connections in tests: the live server's request threads would keep
    theirs open and PostgreSQL would refuse to drop the test database."""
    from django.conf import settings

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's test databases; when the suite runs through pgbouncer
    (scripts/with-pgbouncer sets PBX_TEST_PGBOUNCER_ADMIN), pgbouncer's connections to
    this worker's test database are closed before pytest-django drops it: PostgreSQL
    refuses to drop a database that has connections, and pgbouncer keeps its server
    connections open for the next client."""
    yield
    if admin_url := os.environ.get("PBX_TEST_PGBOUNCER_ADMIN"):
        from django.conf import settings
        from django.db import connections

        connections.close_all()
        close_server_connections(admin_url, settings.DATABASES["default"]["NAME"])


@pytest.fixture(scope="session", autouse=True)
def _tables_emptied_by_delete():
    """After a test with committed data (`transactional_db`, `live_server`: the SIP, browser,
    worker and compatibility tests) Django empties every table, on PostgreSQL with one
    TRUNCATE of all of them; TRUNCATE makes new files for each of some 80 tables, about
    a second each time. The tables hold a few rows then: DELETE in one transaction with
    the foreign keys checked at its end (Django declares them DEFERRABLE) empties them
    in a tenth of that. A test that asks for its sequences reset gets Django's way."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return ["SET CONSTRAINTS ALL DEFERRED"] + [
            f"DELETE FROM {self.quote_name(table)}" for table in tables
        ]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


@pytest.fixture(scope="session", autouse=True)
def _static_root_of_the_run(tmp_path_factory):
    """STATIC_ROOT is an empty folder of the run's own, not the checkout's var/static.
    Each test client builds the middleware again, and whitenoise then reads every file
    under STATIC_ROOT: after a `make run` (collectstatic) that was a quarter of the time
    of the API matrices. The test of collected files collects into a folder of its own."""
    from django.test import override_settings

    with override_settings(STATIC_ROOT=tmp_path_factory.mktemp("static-root")):
        yield


@pytest.fixture(scope="session")
def openapi_schema(django_db_setup, django_db_blocker):
    """The API's OpenAPI schema as `GET /api/schema/?format=json` serves it (a 200 in
    OpenAPI's JSON type), made once per worker: generating it takes seconds (some 570
    operations), and the schema matrices, the switch's modules and the project checks
    all read the same one. A test that changes what the schema says (a setting) asks
    the server for its own. Read it, never change it."""
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium under Playwright (tests/chromium.py), shared by the session."""
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests make hundreds of users; PBKDF2 would spend most of their time hashing
    passwords that no test guesses."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


_media_folders = itertools.count()


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path_factory):
    """Uploaded audio goes to a folder of the test's own under the run's temporary
    directory, never the repository's var/media. The folder is made only when a test
    stores a file (the storage makes it): most tests store none, and a `tmp_path` for
    each of them cost seconds over the suite."""
    settings.MEDIA_ROOT = tmp_path_factory.getbasetemp() / "media" / str(next(_media_folders))


@pytest.fixture(autouse=True)
def _webhooks_may_call_loopback(settings):
    """The tests' webhook receivers listen on loopback, which the platform refuses by
    default (SSRF); the tests of that refusal switch it back off."""
    settings.PBX_WEBHOOKS_ALLOW_PRIVATE = True


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # throttle counters must not leak between tests
    yield
    cache.clear()


@pytest.fixture
def acme(db):
    return TenantFactory(code="ACME", name="Acme Inc", sip_domain="acme.pbx.test")


@pytest.fixture
def globex(db):
    return TenantFactory(code="GLOBEX", name="Globex Corp", sip_domain="globex.pbx.test")


@pytest.fixture
def platform_admin(db):
    return UserFactory(username="platform", role=roles.ADMIN)


@pytest.fixture
def acme_admin(acme):
    return UserFactory(username="acme-admin", role=roles.MINOR_ADMIN, tenants=[acme], is_staff=True)


@pytest.fixture
def globex_admin(globex):
    return UserFactory(username="globex-admin", role=roles.MINOR_ADMIN, tenants=[globex], is_staff=True)


@pytest.fixture
def acme_user(acme):
    return UserFactory(username="acme-user", role=roles.USER, tenants=[acme])


@pytest.fixture
def admin_key(platform_admin):
    return ApiKeyFactory(owner=platform_admin, name="platform global")


@pytest.fixture
def admin_read_key(platform_admin):
    return ApiKeyFactory(owner=platform_admin, name="platform read-only", read_only=True)


@pytest.fixture
def acme_key(acme_admin, acme):
    return ApiKeyFactory(owner=acme_admin, tenant=acme, name="acme tenant key")


@pytest.fixture
def acme_read_key(acme_admin, acme):
    return ApiKeyFactory(owner=acme_admin, tenant=acme, read_only=True, name="acme read-only")


@pytest.fixture
def globex_key(globex_admin, globex):
    return ApiKeyFactory(owner=globex_admin, tenant=globex, name="globex tenant key")


@pytest.fixture
def acme_user_key(acme_user, acme):
    return ApiKeyFactory(owner=acme_user, tenant=acme, name="acme user key")


@pytest.fixture
def switch_user(db):
    return UserFactory(username="kamailio", role=roles.SWITCH)


@pytest.fixture
def switch_key(switch_user):
    """The credential a switch (Kamailio, Asterisk, FreeSWITCH) reads pbx with."""
    return ApiKeyFactory(owner=switch_user, name="kamailio")


@pytest.fixture
def api():
    """api(key) -> an APIClient that sends the key in X-API-Key."""

    def client_for(key):
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=key.key if hasattr(key, "key") else key)
        return client

    return client_for


@pytest.fixture
def anon():
    return APIClient()
