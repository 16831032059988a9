"""pbx's riskier paths served by a real gunicorn whose database is reached through a real
pgbouncer in transaction pooling mode, with two server connections for every client:
concurrent requests, the CDR ingest (COPY into a staging table) and export (COPY with a
`SET LOCAL`), a CSV download read in chunks, and the webhook workers' claims."""

import csv
import io
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from cdrs.models import CallRecord
from extensions.models import Extension
from pbx import changelog
from tests.factories import ExtensionFactory, WebhookFactory
from tests.pgbouncer import free_port
from tests.pooling.conftest import ROOT
from tests.webhooks.conftest import Receiver
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db(transaction=True)


def pooled_environment(pgbouncer, tmp_path):
    return {
        **os.environ,
        "DATABASE_URL": pgbouncer.url(),
        "PBX_DB_POOLING": "transaction",
        "PBX_VAR_DIR": str(tmp_path),
        "PBX_SECRET_KEY": "pooling-tests",
        "PBX_THROTTLE_RATE": "off",
        "PBX_WEBHOOKS_ALLOW_PRIVATE": "true",
    }


@pytest.fixture(scope="module")
def server(pgbouncer, tmp_path_factory):
    """gunicorn (the project's gunicorn.conf.py: threaded workers) through `pgbouncer`."""
    port = free_port()
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "pbx.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--error-logfile",
            str(log),
            "--capture-output",
        ],
        cwd=ROOT,
        env=pooled_environment(pgbouncer, log.parent),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=5).close()
                break
            except (OSError, urllib.error.URLError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log.read_text()) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
        assert "Traceback" not in log.read_text(), log.read_text()
    finally:
        process.terminate()
        process.wait(timeout=10)


def call(server, key, method, path, body=None):
    request = urllib.request.Request(
        f"{server}{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"X-API-Key": key, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_concurrent_requests_take_turns_on_two_server_connections(server, acme_key):
    def create_and_list(n):
        created = call(server, acme_key.key, "POST", "/api/extensions/", {"number": str(7000 + n)})[0]
        listed = call(server, acme_key.key, "GET", "/api/extensions/?page_size=5")[0]
        return created, listed

    with ThreadPoolExecutor(8) as threads:
        answers = list(threads.map(create_and_list, range(24)))
    assert Counter(answers) == {(201, 200): 24}
    assert Extension.objects.filter(tenant__code="ACME").count() == 24


def calls(count):
    return [
        {
            "call_id": f"pool-{n}",
            "caller_number": "1001",
            "destination_number": "+390212345678",
            "start": f"2026-03-10T08:{n // 60:02d}:{n % 60:02d}Z",
            "end": f"2026-03-10T09:{n // 60:02d}:{n % 60:02d}Z",
            "duration": 3600,
            "billsec": 3590,
        }
        for n in range(count)
    ]


def test_cdrs_posted_at_once_by_several_switches_are_stored_once(server, acme_key):
    batch = calls(300)
    with ThreadPoolExecutor(4) as threads:
        answers = list(
            threads.map(lambda _: call(server, acme_key.key, "POST", "/api/cdrs/", batch), range(4))
        )
    stored = [json.loads(body)["stored"] for status, body in answers if status in (200, 201)]
    assert len(stored) == 4 and sum(stored) == 300
    assert CallRecord.objects.count() == 300


def test_the_cdr_export_holds_every_call_with_iso_times(server, acme_key):
    call(server, acme_key.key, "POST", "/api/cdrs/", calls(50))
    status, body = call(server, acme_key.key, "GET", "/api/cdrs/?format=csv")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert status == 200 and len(rows) == 50
    assert {row["start"][:11] for row in rows} == {"2026-03-10T"}


def test_a_csv_download_of_every_row_reads_them_all(server, acme_key, acme):
    ExtensionFactory.create_batch(30, tenant=acme)
    status, body = call(server, acme_key.key, "GET", "/api/extensions/?format=csv&page_size=all")
    assert status == 200
    assert len(list(csv.DictReader(io.StringIO(body.decode())))) == 30


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def test_two_webhook_workers_send_each_delivery_once(pgbouncer, receiver, acme, tmp_path):
    WebhookFactory(tenant=acme, url=receiver.url, events=["extension.created"])
    changelog.record_many(ExtensionFactory.create_batch(60, tenant=acme), changelog.CREATE)
    queued = set(Delivery.objects.values_list("pk", flat=True))
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "run_webhooks", "--once", "--concurrency", "4", "--batch", "5"],
            cwd=ROOT,
            env=pooled_environment(pgbouncer, tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=120) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    sent = Counter(int(headers["x-pbx-delivery"]) for headers, _ in receiver.received)
    assert set(sent) == queued and max(sent.values()) == 1
