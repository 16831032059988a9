"""nginx with deploy/nginx/pbx.conf in front of gunicorn started as deploy/'s
pbx-web.service starts it, both on free loopback ports, in a temporary prefix: what
tests/deploy/test_nginx.py runs against.

The site file is used as shipped except for what only an installation decides: the
certificate's paths (a self-signed pair made here), the ports nginx listens on (free
ones, loopback only, with a small send buffer so that a test can hold an answer back)
and gunicorn's port. Each of those replacements must find its text exactly once, so
that a change to the site file cannot slip past them."""

import http.client
import os
import shlex
import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.deploy.deployfiles import DEPLOY, INSTALLED, ROOT, unit_commands

NGINX = Path("/usr/sbin/nginx")
SITE = DEPLOY / "nginx" / "pbx.conf"
HOST = "pbx.example.com"  # the site file's server_name
SHIPPED_CERTIFICATE = f"/etc/letsencrypt/live/{HOST}/fullchain.pem"
SHIPPED_KEY = f"/etc/letsencrypt/live/{HOST}/privkey.pem"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, process, what, seconds=30):
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                _out, err = process.communicate()
                raise RuntimeError(f"{what} did not start: {err.decode(errors='replace')}") from None
            time.sleep(0.05)


def self_signed_certificate(folder):
    """A certificate for HOST and its key, as openssl makes them."""
    certificate, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(certificate), "-days", "2", "-subj", f"/CN={HOST}",
         "-addext", f"subjectAltName=DNS:{HOST}"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return certificate, key


def replaced(text, old, new):
    assert text.count(old) == 1, f"deploy/nginx/pbx.conf should have {old!r} once"
    return text.replace(old, new)


def site(certificate, key, ports=None):
    """The site file with the test's certificate and, given ports, listening there."""
    text = replaced(SITE.read_text(), SHIPPED_CERTIFICATE, str(certificate))
    text = replaced(text, SHIPPED_KEY, str(key))
    if ports:
        text = replaced(
            text, "listen 443 ssl http2;", f"listen 127.0.0.1:{ports['https']} ssl http2 sndbuf=16k;"
        )
        text = replaced(text, "listen [::]:443 ssl http2;", "")
        text = replaced(text, "listen 80;", f"listen 127.0.0.1:{ports['http']};")
        text = replaced(text, "listen [::]:80;", "")
        text = replaced(text, "server 127.0.0.1:8000;", f"server 127.0.0.1:{ports['gunicorn']};")
    return text


def main_config(prefix, site_file):
    """nginx.conf as Debian's, everything written under `prefix`, the site included in http { }."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers read the prefix, a root-only folder
    return f"""{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
daemon off;
events {{ worker_connections 256; }}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    access_log {prefix}/access.log;
    gzip on;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {site_file};
}}
"""


def write_config(prefix, certificate, key, ports=None):
    site_file = prefix / "pbx.conf"
    site_file.write_text(site(certificate, key, ports))
    config = prefix / "nginx.conf"
    config.write_text(main_config(prefix, site_file))
    return config


def nginx_test(prefix, config):
    return subprocess.run(
        [str(NGINX), "-t", "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(config)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def web_unit_command(port):
    """pbx-web.service's ExecStart, run from this checkout, bound to `port`."""
    (argv, _line), *_ = [
        c for c in unit_commands(DEPLOY / "systemd" / "pbx-web.service") if "gunicorn" in c[0][0]
    ]
    argv = [arg.replace(INSTALLED, str(ROOT)) for arg in argv]
    bind = argv.index("--bind")
    assert argv[bind + 1] == "127.0.0.1:8000", shlex.join(argv)
    argv[bind + 1] = f"127.0.0.1:{port}"
    return argv


@dataclass
class Stack:
    https: int
    http: int
    certificate: Path
    error_log: Path

    def connection(self, source="127.0.0.1", receive_buffer=None):
        return Connection(self, source, receive_buffer)

    def request(self, method, path, headers=None, body=None, source="127.0.0.1"):
        """(status, headers, body) of one request through nginx over TLS, from `source`."""
        connection = self.connection(source)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", HOST)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def log_lines(self):
        return self.error_log.read_text().splitlines() if self.error_log.exists() else []


class Connection(http.client.HTTPSConnection):
    """HTTPS to the stack's nginx from a chosen loopback address (127.0.0.2 is another
    client than the 127.0.0.1 nginx reaches gunicorn from), trusting only the test's
    certificate, optionally with a small receive buffer (a slow client)."""

    def __init__(self, stack, source, receive_buffer):
        context = ssl.create_default_context(cafile=str(stack.certificate))
        context.check_hostname = False  # the address is 127.0.0.1; the certificate is HOST's
        super().__init__("127.0.0.1", stack.https, timeout=30, context=context)
        self.source, self.receive_buffer, self.tls = source, receive_buffer, context

    def connect(self):
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if self.receive_buffer:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.receive_buffer)
        raw.settimeout(self.timeout)
        raw.bind((self.source, 0))
        raw.connect(("127.0.0.1", self.port))
        self.sock = self.tls.wrap_socket(raw, server_hostname=HOST)


def stop_all(processes):
    for process in reversed(processes):
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_nginx(prefix, ports):
    """nginx from the site file on `ports` (gunicorn's may have nothing behind it)."""
    certificate, key = self_signed_certificate(prefix)
    config = write_config(prefix, certificate, key, ports)
    nginx = subprocess.Popen(
        [str(NGINX), "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    wait_for_port(ports["https"], nginx, "nginx")
    return nginx, Stack(ports["https"], ports["http"], certificate, prefix / "error.log")


def free_ports():
    return {"https": free_port(), "http": free_port(), "gunicorn": free_port()}


def start(prefix, database_url, environment):
    """Start gunicorn (pbx on `database_url`) and nginx in front; returns (Stack, stop)."""
    ports = free_ports()
    env = {**os.environ, **environment, "DATABASE_URL": database_url, "WEB_CONCURRENCY": "1"}
    gunicorn = subprocess.Popen(
        web_unit_command(ports["gunicorn"]), cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    processes = [gunicorn]
    try:
        wait_for_port(ports["gunicorn"], gunicorn, "gunicorn")
        nginx, running = start_nginx(prefix, ports)
        processes.append(nginx)
    except BaseException:
        stop_all(processes)
        raise
    return running, lambda: stop_all(processes)


def collect_static(var_dir):
    """The admin's static files into PBX_VAR_DIR/static, as an installation's upgrade does."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0",
         "-i", "drf_spectacular_sidecar", "-i", "rest_framework"],
        cwd=ROOT, env={**os.environ, "PBX_VAR_DIR": str(var_dir), "DATABASE_URL": "sqlite:///:memory:"},
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
