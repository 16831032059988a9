"""A PostgreSQL primary and its streaming replica, started for the tests, and gunicorn
serving pbx on them (tests/replicas/test_streaming_replica.py).

The machine's own PostgreSQL does not accept replication connections, so the tests make
their own pair, as docs/scaling.md tells an operator to: `initdb` a primary with
`wal_level = replica` and a replication line in pg_hba.conf, `pg_basebackup -R` it into
another directory and start that as a hot standby. Both log every statement
(`log_statement = all`), which is how the tests see where a read ran.
"""

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
BIN = Path("/usr/lib/postgresql/15/bin")
RUNNING_AS_ROOT = os.geteuid() == 0

# What the primary's database needs before pbx serves: its tables, a platform admin and
# that admin's API key (printed last).
SETUP_PBX = """
from django.contrib.auth import get_user_model
from django.core.management import call_command
from apikeys.models import ApiKey
call_command("migrate", verbosity=0)
admin = get_user_model().objects.create_superuser("admin", "admin@pbx.test", "unused-password")
print(ApiKey.issue(name="replica tests", owner=admin)[1])
"""


def missing():
    """Why the pair cannot start here, or None."""
    for tool in ("initdb", "pg_ctl", "pg_basebackup"):
        if not (BIN / tool).exists():
            return f"needs PostgreSQL 15's {tool} in {BIN} (Debian's postgresql-15)"
    if RUNNING_AS_ROOT:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, needs the `postgres` user to start PostgreSQL as"
    return None


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_postgres(*command):
    """PostgreSQL refuses to run as root: as the postgres user then."""
    command = [str(part) for part in command]
    return ["runuser", "-u", "postgres", "--", *command] if RUNNING_AS_ROOT else command


def run(*command, **kwargs):
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


class Server:
    """One PostgreSQL server of the pair: its data directory, port and log."""

    def __init__(self, directory, port):
        self.directory = directory
        self.port = port
        self.log = directory.parent / f"{directory.name}.log"

    def dsn(self, database="pbx", password=""):
        secret = f":{password}" if password else ""
        return f"postgres://postgres{secret}@127.0.0.1:{self.port}/{database}"

    def start(self):
        run(*as_postgres(BIN / "pg_ctl", "-D", self.directory, "-l", self.log, "-w", "-t", "30", "start"))

    def kill(self):
        """Stop at once, as a crash would: no shutdown checkpoint, clients cut off."""
        run(*as_postgres(BIN / "pg_ctl", "-D", self.directory, "-m", "immediate", "-w", "stop"))

    def stopping(self):
        """Stop at once, whatever its state; returns the pg_ctl process to wait for."""
        return subprocess.Popen(
            as_postgres(BIN / "pg_ctl", "-D", self.directory, "-m", "immediate", "-w", "stop"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def connect(self, **kwargs):
        return psycopg.connect(self.dsn(), **kwargs)

    def log_size(self):
        return self.log.stat().st_size

    def statements_since(self, offset, marker):
        """The statements logged since `offset` (a log_size()) that contain `marker`."""
        with open(self.log, "rb") as log:
            log.seek(offset)
            text = log.read().decode(errors="replace")
        return [line for line in text.splitlines() if "statement:" in line and marker in line]


class Pair:
    """The primary, its streaming replica, and gunicorn serving pbx on both."""

    def __init__(self, retry_seconds):
        self.directory = Path(tempfile.mkdtemp(prefix="pbx-replicas-"))
        self.primary = Server(self.directory / "primary", free_port())
        self.replica = Server(self.directory / "replica", free_port())
        self.retry_seconds = retry_seconds
        self.gunicorn = None
        self.gunicorn_log = self.directory / "gunicorn.log"
        self.key = None
        self.port = None

    def start(self):
        if RUNNING_AS_ROOT:
            # The servers run as postgres: the directory is theirs (pytest's tmp_path lies
            # under root's private directory, which they could not enter).
            shutil.chown(self.directory, "postgres", "postgres")
        self._start_primary()
        # The replica is copied from the empty primary and replays the migrations as they
        # run; gunicorn starts meanwhile (it touches no database before a request).
        self._start_replica()
        setup = subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", SETUP_PBX],
            cwd=ROOT,
            env=self.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._start_gunicorn()
        out, err = setup.communicate(timeout=300)
        if setup.returncode:
            raise RuntimeError(f"migrating the primary failed: {err}")
        self.key = out.strip().splitlines()[-1]
        self.wait_for_replay()

    def _start_primary(self):
        primary = self.primary
        run(*as_postgres(BIN / "initdb", "-D", primary.directory, "-U", "postgres", "-A", "trust",
                         "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"))  # fmt: skip
        with open(primary.directory / "postgresql.conf", "a") as conf:
            conf.write(
                f"port = {primary.port}\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.directory}'\n"
                "wal_level = replica\n"
                "max_wal_senders = 4\n"
                "fsync = off\n"  # a test's throwaway pair: nothing to keep across a power cut
                "log_statement = 'all'\n"  # the replica inherits it with the base backup
            )
        with open(primary.directory / "pg_hba.conf", "a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        primary.start()
        with psycopg.connect(primary.dsn("postgres"), autocommit=True) as connection:
            connection.execute("CREATE DATABASE pbx")

    def _start_replica(self):
        replica = self.replica
        run(*as_postgres(BIN / "pg_basebackup", "-h", "127.0.0.1", "-p", self.primary.port, "-U", "postgres",
                         "-D", replica.directory, "-R", "-X", "stream", "-c", "fast", "--no-sync"))  # fmt: skip
        with open(replica.directory / "postgresql.conf", "a") as conf:
            conf.write(f"port = {replica.port}\n")
        replica.start()

    def environment(self):
        return {
            **os.environ,
            "PBX_VAR_DIR": str(self.directory / "var"),
            "PBX_SECRET_KEY": "streaming-replica-tests",
            "DATABASE_URL": self.primary.dsn(),
            # A password that /health/ must never show (trust ignores it).
            "DATABASE_REPLICA_URL": self.replica.dsn(password="replica-secret"),
            "PBX_REPLICA_RETRY_SECONDS": str(self.retry_seconds),
            "PBX_LOG_LEVEL": "WARNING",
        }

    def _start_gunicorn(self):
        self.port = free_port()
        with open(self.gunicorn_log, "wb") as log:
            self.gunicorn = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "pbx.wsgi",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "1",
                ],
                cwd=ROOT,
                env=self.environment(),
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.gunicorn.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(self.gunicorn_log.read_text()) from None
                time.sleep(0.1)

    def close(self):
        if self.gunicorn is not None:
            self.gunicorn.send_signal(signal.SIGQUIT)  # quick shutdown: no request to finish
            self.gunicorn.wait(timeout=10)
        for stopping in [self.replica.stopping(), self.primary.stopping()]:
            stopping.wait(timeout=30)
        shutil.rmtree(self.directory, ignore_errors=True)

    # --- using it ---------------------------------------------------------------------

    def wait_for_replay(self, timeout=15):
        """Until the replica has replayed everything the primary has written so far."""
        with self.primary.connect(autocommit=True) as primary:
            (lsn,) = primary.execute("SELECT pg_current_wal_lsn()").fetchone()
        deadline = time.monotonic() + timeout
        with self.replica.connect(autocommit=True) as replica:
            while not replica.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]).fetchone()[0]:
                assert time.monotonic() < deadline, "the replica did not catch up"
                time.sleep(0.05)

    def request(self, method, path, body=None, key=None, headers=None):
        """(status, headers, body bytes) of one request to gunicorn."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method)
        request.add_header("X-API-Key", key or self.key)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def get_json(self, path, key=None):
        status, _headers, body = self.request("GET", path, key=key)
        assert status == 200, (status, body[:500])
        return json.loads(body)
