"""The SIP harness: pbx served over HTTP (pytest-django's live server), Kamailio with the
shipped configuration written by `manage.py kamailio_config` (one per test session, so
one per xdist worker, on a port of its own), and sipp playing phones, carriers and the
tenants' media servers (Asterisk, FreeSWITCH). A test asks for `sip`.

Kamailio reads and writes the worker's test database, so the SIP tests need committed
data (transactional_db) and PostgreSQL; they skip, saying why, where kamailio or sipp is
not installed or the database is SQLite. Between tests the database is emptied, and
Kamailio keeps nothing of a test in memory that another could meet: registrations live
in the database alone, and callers' numbers are unique per call (pbx's DID answers are
cached by number, caller and source).
"""

import importlib
import itertools
import secrets

import pytest
from django.core.management import call_command
from django.db import connection

from apikeys import roles
from apikeys.models import KEY_START, PREFIX_ALPHABET, PREFIX_LENGTH, ApiKey, digest
from switch.models import KamailioVersion
from tests.factories import ServerFactory, UserFactory
from tests.switch.sip.harness import LOOPBACK, Kamailio, Sipp, free_port, missing_tools

SWITCH_USERNAME = "kamailio-under-test"


def skip_reason():
    if connection.vendor != "postgresql":
        return "Kamailio reads pbx's PostgreSQL database (the SIP tests need DATABASE_URL=postgres://...)"
    return missing_tools()


@pytest.fixture(scope="session")
def switch_api_key():
    """The key text Kamailio sends; its row is made again for each test (the database
    is emptied between tests)."""
    prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    return f"{KEY_START}{prefix}_{secrets.token_urlsafe(32)}"


def store_switch_key(key):
    user = UserFactory(username=SWITCH_USERNAME, role=roles.SWITCH)
    return ApiKey.objects.create(
        prefix=key[len(KEY_START) :].split("_")[0], key_hash=digest(key), owner=user, name="SIP tests"
    )


def store_table_versions():
    """The rows Kamailio checks at start (migration switch/0001 writes them; an earlier
    test's flush may have emptied the table)."""
    versions = importlib.import_module("switch.migrations.0001_kamailio_location_version_subscriber")
    for table_name, table_version in versions.KAMAILIO_TABLE_VERSIONS.items():
        KamailioVersion.objects.update_or_create(
            table_name=table_name, defaults={"table_version": table_version}
        )


@pytest.fixture(scope="session")
def kamailio(django_db_setup, django_db_blocker, switch_api_key, tmp_path_factory, request):
    """Kamailio on udp:127.0.0.1:<free port> with the configuration the command writes
    for this worker's test database and live server."""
    with django_db_blocker.unblock():
        if reason := skip_reason():
            pytest.skip(reason)
    live_server = request.getfixturevalue("live_server")  # only once the tests can run
    folder = tmp_path_factory.mktemp("kamailio")
    port, rpc_port = free_port(), free_port()
    with django_db_blocker.unblock():
        # The command checks the key against the database: it exists while the command
        # runs, and is gone before any test starts (tests count users and keys).
        api_key = store_switch_key(switch_api_key)
        try:
            call_command(
                "kamailio_config",
                "--out", str(folder),
                "--pbx-url", live_server.url,
                "--api-key", switch_api_key,
                "--listen", f"udp:{LOOPBACK}:{port}",
                "--rpc-listen", f"tcp:{LOOPBACK}:{rpc_port}",
            )  # fmt: skip
        finally:
            owner = api_key.owner
            api_key.delete()
            owner.delete()
        store_table_versions()
    server = Kamailio(folder, port)
    server.rpc_url = f"http://{LOOPBACK}:{rpc_port}/RPC"
    server.start()
    yield server
    server.stop()


class Switch:
    """One test's hands on Kamailio: phones that register and call, carriers that call
    DIDs, and answering ends (phones, media servers, carriers) played by sipp."""

    _numbers = itertools.count(1)

    def __init__(self, kamailio, folder):
        self.kamailio = kamailio
        self.sipp = Sipp(folder, kamailio.port)

    def register(self, extension, *, password=None, domain=None, user=None, port=None, expires=3600):
        """REGISTER the extension (its own password, tenant domain and SIP username unless
        given) from `port`; the Dialog says what Kamailio answered."""
        user = user or extension.sip_username
        return self.sipp.run(
            "register",
            port=port,
            keys={"user": user, "domain": domain or extension.tenant.sip_domain, "expires": expires},
            username=user,
            password=extension.password if password is None else password,
        )

    def phone(self, extension, scenario="answer", **keys):
        """The extension's phone: registered from a port of its own, then answering
        there as `scenario` says (answer, reject with code/reason, ring)."""
        port = free_port()
        registered = self.register(extension, port=port)
        assert registered.final == 200, registered.log
        return self.sipp.start(scenario, port=port, keys=keys)

    def server(self, scenario="answer", *, ip=LOOPBACK, port=None, **keys):
        """An answering end that does not register: a media server or a carrier."""
        return self.sipp.start(scenario, ip=ip, port=port, keys=keys)

    def media(self, server, scenario="answer", **keys):
        """The tenant's media server (Asterisk, FreeSWITCH) at `server`'s address."""
        return self.server(scenario, ip=server.address, port=server.sip_port, **keys)

    def carrier(self, trunk, scenario="answer", **keys):
        """The carrier at `trunk`'s host and port."""
        return self.server(scenario, ip=trunk.host, port=trunk.port, **keys)

    def call(self, extension, number, *, hold=300, name=None, password=None, scenario="call", auth_as=None):
        """The extension's phone dials `number`; returns when the call is over. `hold`:
        ms before hanging up, once answered (call) or while ringing (cancel); `auth_as`:
        another extension whose credentials answer the challenge."""
        credentials = auth_as or extension
        return self.sipp.run(
            scenario,
            keys={
                "user": extension.sip_username,
                "domain": extension.tenant.sip_domain,
                "number": number,
                "name": name or extension.name or extension.number,
            },
            hold=hold,
            username=credentials.sip_username,
            password=credentials.password if password is None else password,
        )

    def carrier_call(self, number, *, source=LOOPBACK, caller=None, hold=300, domain="carrier.example"):
        """A carrier at `source` calls `number`; the caller's number is unique per call
        unless given (pbx's answers are cached by number, caller and source)."""
        caller = caller or f"+1999{next(self._numbers):07d}"
        return self.sipp.run(
            "carrier_call",
            ip=source,
            keys={"number": number, "caller": caller, "carrier_domain": domain},
            hold=hold,
        )


@pytest.fixture
def media_server(transactional_db):
    """The tenants' media server (the switch's tests in tests/switch/ place ACME on it) as
    a loopback address and port where `sip.media()` answers."""
    return ServerFactory(name="media-1", address=LOOPBACK, sip_port=free_port())


@pytest.fixture
def sip(kamailio, transactional_db, switch_api_key, tmp_path, request):
    """Kamailio for this test, its switch credential stored; on failure the test's lines
    of Kamailio's log are printed with it."""
    store_switch_key(switch_api_key)
    start = kamailio.log_size()
    yield Switch(kamailio, tmp_path)
    # The flush that empties the database after the test may meet a late request of
    # Kamailio's (a call record posted as a dialog ends, through the live server): if the
    # two deadlock, PostgreSQL aborts the session that checks first, so the flush waits
    # longest and the late request is the one refused (Kamailio keeps it to resend).
    with connection.cursor() as cursor:
        cursor.execute("SET deadlock_timeout = '30s'")
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(f"--- Kamailio's log during the test ---\n{kamailio.log_tail(start)}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report
