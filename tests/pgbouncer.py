"""A real pgbouncer (Debian's) in transaction pooling mode, started for the tests.

`PgBouncer(database_url, folder)` writes an ini file and a user list into `folder`, starts
/usr/sbin/pgbouncer on a free loopback port in front of the PostgreSQL server that
`database_url` names, and stops it on `stop()` (or at the end of a `with` block). Every
database of that server is reachable through it (`* = host=... port=...`), so the test
databases that pytest-django creates per worker are too.

It serves two purposes:

- `scripts/with-pgbouncer` runs a command (the CI runs the whole PostgreSQL suite) with
  `DATABASE_URL` pointing at one, `PBX_DB_POOLING=transaction`, and
  `PBX_TEST_PGBOUNCER_ADMIN` naming its admin console, through which `tests/conftest.py`
  closes pgbouncer's server connections to a worker's test database before
  pytest-django drops it (PostgreSQL refuses to drop a database that has connections);
- tests/pooling/ starts its own to show what transaction pooling breaks and what pbx
  does about it.

pgbouncer refuses to run as root: as root it is told to switch to the `postgres` user
(`-u`), after it has read its files.
"""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"

# Server connections per (database, user) pair. A test holds one for its whole length
# (pytest-django wraps it in a transaction); the live server's threads, gunicorn's
# workers, `run_webhooks` processes and the tests' own threads need a few more at once.
# The PostgreSQL server is shared (max_connections 100 on a small machine), so pgbouncer
# also gives idle server connections back soon.
POOL_SIZE = 12


def available():
    """Whether Debian's pgbouncer is installed."""
    return os.path.exists(PGBOUNCER)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PgBouncer:
    """One pgbouncer process in front of the server `database_url` names."""

    def __init__(self, database_url, folder, pool_mode="transaction", pool_size=POOL_SIZE):
        self.server = urlsplit(database_url)
        self.folder = Path(folder)
        self.pool_mode = pool_mode
        self.pool_size = pool_size
        self.port = None
        self.process = None

    @property
    def user(self):
        return unquote(self.server.username or "postgres")

    def url(self, database=None):
        """`database_url` with its host and port replaced by pgbouncer's (and, if given,
        another database)."""
        password = f":{self.server.password}" if self.server.password else ""
        path = f"/{database}" if database else self.server.path
        return urlunsplit(
            self.server._replace(
                netloc=f"{self.server.username or 'postgres'}{password}@127.0.0.1:{self.port}", path=path
            )
        )

    def _write_files(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        password = unquote(self.server.password or "")
        # trust: pgbouncer checks no password, and logs in to PostgreSQL as the user with
        # the password in this list (none for the local test server).
        (self.folder / "users.txt").write_text(f'"{self.user}" "{password}"\n')
        (self.folder / "pgbouncer.ini").write_text(
            f"""[databases]
* = host={self.server.hostname or "127.0.0.1"} port={self.server.port or 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
logfile =
pidfile =
auth_type = trust
auth_file = {self.folder / "users.txt"}
admin_users = {self.user}
pool_mode = {self.pool_mode}
default_pool_size = {self.pool_size}
reserve_pool_size = 4
reserve_pool_timeout = 1
max_client_conn = 500
server_idle_timeout = 10
; a test that waits for a server connection fails in seconds, not pgbouncer's 2 minutes
query_wait_timeout = 30
log_connections = 0
log_disconnections = 0
"""
        )

    def start(self, attempts=5):
        """Start pgbouncer on a free port (another, if a process takes it meanwhile)."""
        command = [PGBOUNCER]
        if os.geteuid() == 0:
            command += ["-u", "postgres"]
        for _ in range(attempts):
            self.port = free_port()
            self._write_files()
            log = open(self.folder / "pgbouncer.log", "ab")  # noqa: SIM115 (the process keeps it)
            self.process = subprocess.Popen(
                [*command, str(self.folder / "pgbouncer.ini")], stdout=log, stderr=log
            )
            log.close()
            if self._wait_until_listening():
                return self
            self.stop()
        raise RuntimeError(f"pgbouncer did not start: {self.log()[-2000:]}")

    def _wait_until_listening(self, seconds=10):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    def log(self):
        path = self.folder / "pgbouncer.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def admin(self, command):
        """Run a command on pgbouncer's admin console (its `pgbouncer` database), which
        speaks only the simple query protocol: hence psycopg's client-side cursor."""
        with psycopg.connect(
            self.url("pgbouncer"), autocommit=True, cursor_factory=psycopg.ClientCursor
        ) as console:
            cursor = console.execute(command)
            return cursor.fetchall() if cursor.description else []

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


def close_server_connections(admin_url, database):
    """Through the admin console at `admin_url`: drop pgbouncer's client and server
    connections to `database` (`KILL`), so that PostgreSQL lets it be dropped, then let
    new clients in again (`RESUME`: a killed database makes them wait). A database
    pgbouncer never saw is no error."""
    with psycopg.connect(admin_url, autocommit=True, cursor_factory=psycopg.ClientCursor) as console:
        known = {row[0] for row in console.execute("SHOW DATABASES").fetchall()}
        if database in known:
            console.execute(f"KILL {database}")
            console.execute(f"RESUME {database}")
