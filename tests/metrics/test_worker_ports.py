"""`run_webhooks --metrics-port N` and `run_cronjobs --metrics-port N`: the workers serve
their own metrics over HTTP, on 127.0.0.1 unless told otherwise."""

import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from pbx import changelog
from tests.factories import ExtensionFactory, WebhookFactory
from tests.metrics.conftest import Scrape

ROOT = Path(__file__).resolve().parents[2]
SERVING = re.compile(r"Serving metrics at (http://\S+)")


def start(*args):
    """A worker command as a process of its own, on the test database."""
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "PBX_WEBHOOKS_ALLOW_PRIVATE": "true", "PYTHONUNBUFFERED": "1"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def metrics_url(process):
    """The address the worker printed once its metrics port listened."""
    line = process.stdout.readline()
    match = SERVING.search(line)
    assert match, line + process.stderr.read()
    return match.group(1)


def scrape(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        return Scrape(response.read().decode())


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return value


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a worker process needs PostgreSQL (it cannot see SQLite's in-memory test database)",
)
@pytest.mark.django_db(transaction=True)
def test_run_webhooks_serves_its_delivery_counts_on_its_metrics_port(acme, receiver):
    WebhookFactory(tenant=acme, url=receiver.url, events=["extension.created"])
    changelog.record(ExtensionFactory(tenant=acme), changelog.CREATE)
    worker = start("run_webhooks", "--metrics-port", "0", "--poll", "0.2")
    try:
        url = metrics_url(worker)
        assert url.startswith("http://127.0.0.1:")
        delivered = wait_for(lambda: scrape(url).value("pbx_webhook_deliveries_total", outcome="delivered"))
        assert delivered == 1 == len(receiver.received)
    finally:
        worker.send_signal(signal.SIGTERM)
        _out, err = worker.communicate(timeout=20)
    assert worker.returncode == 0, err


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a worker process needs PostgreSQL (it cannot see SQLite's in-memory test database)",
)
@pytest.mark.django_db(transaction=True)
def test_run_cronjobs_serves_its_metrics_on_the_address_it_is_given():
    worker = start("run_cronjobs", "--loop", "60", "--metrics-port", "0", "--metrics-address", "::1")
    try:
        url = metrics_url(worker)
        assert url.startswith("http://[::1]:")
        assert "pbx_cron_runs" in scrape(url).families
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.communicate(timeout=20)


@pytest.mark.django_db
def test_a_metrics_port_for_a_single_pass_is_refused():
    with pytest.raises(CommandError, match="--metrics-port needs --loop"):
        call_command("run_cronjobs", "--metrics-port", "9999", stdout=io.StringIO())
    with pytest.raises(CommandError, match="leave out --once"):
        call_command("run_webhooks", "--once", "--metrics-port", "9999", stdout=io.StringIO())


@pytest.mark.django_db
def test_a_metrics_port_already_taken_is_one_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CommandError, match=f"Cannot serve metrics on 127.0.0.1 port {port}"):
            call_command("run_cronjobs", "--loop", "60", "--metrics-port", str(port), stdout=io.StringIO())
