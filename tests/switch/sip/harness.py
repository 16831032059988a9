"""Kamailio and sipp as child processes, for the SIP tests in tests/switch/sip/.

`Kamailio` runs the shipped configuration (written by `manage.py kamailio_config`) on
a loopback port of its own; `Sipp` runs a scenario of tests/switch/sip/scenarios/ as a
phone, a carrier or a media server and returns what it sent and received
(`Dialog`). Every sipp scenario ends well whatever Kamailio answers: the tests read
the answers from sipp's message log, so a failing test says what happened.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

KAMAILIO = shutil.which("kamailio") or shutil.which("kamailio", path="/usr/sbin")
SIPP = shutil.which("sipp")
SCENARIOS = Path(__file__).parent / "scenarios"
LOOPBACK = "127.0.0.1"
# Keys sipp cannot take with -key (a status line's code): filled into the scenario.
FILLED = ("code",)


def missing_tools():
    """Why the SIP tests cannot run here (one line), or None."""
    missing = [name for name, path in (("kamailio", KAMAILIO), ("sipp", SIPP)) if not path]
    if missing:
        return f"{' and '.join(missing)} not installed (apt-get install kamailio sip-tester)"
    modules = Path("/usr/lib/x86_64-linux-gnu/kamailio/modules")
    packages = {"db_postgres": "postgres", "http_client": "utils", "jansson": "extra"}
    absent = [name for name in packages if modules.is_dir() and not (modules / f"{name}.so").exists()]
    if absent:
        wanted = " ".join(f"kamailio-{packages[name]}-modules" for name in absent)
        return f"Kamailio's modules {', '.join(absent)} are missing (apt-get install {wanted})"
    return None


def free_port(host=LOOPBACK):
    """A UDP port nobody listens on now (and, TCP-probed too, one sipp can take)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
        with socket.socket() as tcp:
            try:
                tcp.bind((host, port))
            except OSError:
                continue
        return port


class Kamailio:
    """Kamailio serving the configuration in `folder` on udp:127.0.0.1:`port`, its log in
    `folder`/kamailio.log (the tests attach its new lines to a failure)."""

    def __init__(self, folder, port):
        self.folder, self.port = Path(folder), port
        self.log_path = self.folder / "kamailio.log"
        self.process = None

    def start(self, timeout=20, *, workers=2, memory_mb=64):
        """Start and wait until Kamailio answers. Two workers and small memory pools are
        plenty for one test at a time; the benchmark (bench/switch.py) passes
        workers=None for the configuration's own count, and more memory."""
        self.log = self.log_path.open("ab")
        sizes = ["-m", str(memory_mb), "-M", str(max(8, memory_mb // 8))]
        self.process = subprocess.Popen(
            # -DD: stay in the foreground as our child; -E: log to stderr (the log file).
            [
                KAMAILIO,
                *("-f", str(self.folder / "kamailio.cfg"), "-DD", "-E"),
                *(("-n", str(workers)) if workers else ()),
                *sizes,
            ],
            cwd=self.folder,
            env={**os.environ, "TZ": "UTC"},
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while not self.answers_options():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Kamailio did not start:\n{self.log_tail()}")
            time.sleep(0.1)

    def answers_options(self):
        """Kamailio answers an OPTIONS ping (its readiness)."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind((LOOPBACK, 0))
            sock.settimeout(0.3)
            local = sock.getsockname()[1]
            ping = (
                f"OPTIONS sip:{LOOPBACK}:{self.port} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP {LOOPBACK}:{local};branch=z9hG4bK-ready-{time.monotonic_ns()}\r\n"
                f"From: <sip:ready@{LOOPBACK}>;tag=ready\r\nTo: <sip:{LOOPBACK}>\r\n"
                f"Call-ID: ready-{time.monotonic_ns()}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
                "Content-Length: 0\r\n\r\n"
            )
            sock.sendto(ping.encode(), (LOOPBACK, self.port))
            try:
                return sock.recv(4096).startswith(b"SIP/2.0 200")
            except OSError:
                return False

    def log_size(self):
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_tail(self, since=0, limit=12000):
        text = self.log_path.read_bytes()[since:].decode(errors="replace")
        return text[-limit:]

    def stop(self):
        """End Kamailio and every process it forked (their database connections must be
        gone before pytest drops the test database)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while group_alive(self.process.pid):
            if time.monotonic() > deadline:
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.poll()  # reap the main process, else it counts as alive
            time.sleep(0.05)
        self.process.wait()
        self.log.close()


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@dataclass
class Message:
    """One SIP message sipp sent or received."""

    direction: str  # "sent" | "received"
    first_line: str
    headers: dict = field(default_factory=dict)  # lower-case name -> [values]

    @property
    def code(self):
        match = re.match(r"SIP/2\.0 (\d{3})", self.first_line)
        return int(match.group(1)) if match else None

    @property
    def method(self):
        return None if self.code else self.first_line.split(" ", 1)[0]

    @property
    def uri(self):
        return None if self.code else self.first_line.split(" ")[1]

    def header(self, name):
        values = self.headers.get(name.lower())
        return values[0] if values else None


@dataclass
class Dialog:
    """What one sipp run sent and received, read from its message log."""

    returncode: int
    messages: list
    log: str

    def received(self, method=None):
        return [
            m for m in self.messages if m.direction == "received" and (method is None or m.method == method)
        ]

    @property
    def codes(self):
        """The response codes received, in order."""
        return [m.code for m in self.received() if m.code]

    @property
    def final(self):
        """The last final (>= 200) answer to an INVITE or REGISTER received, or None."""
        finals = [
            m.code
            for m in self.received()
            if m.code
            and m.code >= 200
            and (m.header("CSeq") or "").split()[-1:] in (["INVITE"], ["REGISTER"])
        ]
        return finals[-1] if finals else None

    @property
    def invites(self):
        return self.received("INVITE")

    @property
    def call_id(self):
        sent = [m for m in self.messages if m.direction == "sent"]
        return sent[0].header("Call-ID") if sent else None


def parse_messages(text):
    messages = []
    for block in re.split(r"^-{20,} .*$", text, flags=re.MULTILINE):
        header, _, body = block.strip("\n").partition("\n\n")
        if "message sent" in header:
            direction = "sent"
        elif "message received" in header:
            direction = "received"
        else:
            continue
        lines = body.replace("\r", "").split("\n")
        message = Message(direction, lines[0].strip())
        for line in lines[1:]:
            if not line.strip():
                break
            name, _, value = line.partition(":")
            message.headers.setdefault(name.strip().lower(), []).append(value.strip())
        messages.append(message)
    return messages


class Sipp:
    """sipp runs against one Kamailio; each run's files go to `folder`."""

    _runs = count()

    def __init__(self, folder, kamailio_port):
        self.folder, self.kamailio_port = Path(folder), kamailio_port

    def command(self, scenario, *, port, ip, keys, timeout, target, username=None, password=None, hold=None):
        run = next(self._runs)
        log = self.folder / f"{scenario}-{run}.log"
        # sipp reads a status line's code when it loads the scenario, before any -key
        # applies: such keys are written into a copy of the scenario.
        text = (SCENARIOS / f"{scenario}.xml").read_text()
        for name in [name for name in keys if f"[{name}]" in text and name in FILLED]:
            text = text.replace(f"[{name}]", str(keys.pop(name)))
        path = self.folder / f"{scenario}-{run}.xml"
        path.write_text(text)
        command = [SIPP]
        if target:
            command.append(f"{LOOPBACK}:{self.kamailio_port}")
        command += ["-sf", str(path), "-m", "1", "-i", ip, "-p", str(port)]
        command += ["-mp", str(free_port(ip)), "-nostdin", "-timeout", f"{timeout}s", "-timeout_error"]
        command += ["-trace_msg", "-message_file", str(log), "-trace_err", "-error_file", str(log) + ".err"]
        if username:
            command += ["-au", username, "-ap", password or ""]
        if hold is not None:
            command += ["-d", str(hold)]  # the pause before an answered caller hangs up
        for name, value in keys.items():
            command += ["-key", name, str(value)]
        return command, log

    def run(self, scenario, *, timeout=15, **options):
        """Run a calling scenario (REGISTER, a call) to the end; its Dialog."""
        return self.start(scenario, timeout=timeout, target=True, **options).wait()

    def start(self, scenario, *, port=None, ip=LOOPBACK, keys=None, timeout=20, target=False, **options):
        """Start a scenario in the background (an answering one: phone, media server,
        carrier); `.wait()` or `.stop()` gives its Dialog. `options`: username and
        password (the digest), hold (ms an answered caller waits before BYE)."""
        port = port or free_port(ip)
        command, log = self.command(
            scenario, port=port, ip=ip, keys=dict(keys or {}), timeout=timeout, target=target, **options
        )
        process = subprocess.Popen(
            command,
            cwd=self.folder,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        running = Running(process, log, port, ip)
        if not target:
            running.wait_listening()
        return running


@dataclass
class Running:
    process: subprocess.Popen
    log_path: Path
    port: int
    ip: str

    @property
    def contact(self):
        return f"{self.ip}:{self.port}"

    def wait_listening(self, timeout=5):
        """sipp has bound its SIP port (so Kamailio's INVITE will find it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                try:
                    probe.bind((self.ip, self.port))
                except OSError:
                    return
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"sipp ended at once: {self.process.stderr.read().decode(errors='replace')}"
                )
            time.sleep(0.02)
        raise RuntimeError(f"sipp did not bind {self.contact}")

    def wait(self, timeout=30):
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.dialog()

    def stop(self):
        """End a scenario that has nothing more to expect (an unanswered phone)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.dialog()

    def dialog(self):
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        errors = Path(str(self.log_path) + ".err")
        stderr = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
        extra = (errors.read_text(errors="replace") if errors.exists() else "") + stderr
        return Dialog(self.process.returncode, parse_messages(text), text + extra)
