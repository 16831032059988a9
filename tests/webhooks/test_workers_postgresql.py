"""`manage.py run_webhooks` as real processes against the PostgreSQL test database: two
workers send each delivery once; a killed worker loses nothing; SIGTERM leaves nothing
claimed. (A subprocess cannot see SQLite's in-memory test database: PostgreSQL only.)"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from pbx import changelog
from tests.factories import ExtensionFactory, TenantFactory, WebhookFactory
from webhooks.models import Delivery

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="worker processes need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]
ROOT = Path(__file__).resolve().parents[2]


def worker(*args, lease=60):
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PBX_WEBHOOKS_ALLOW_PRIVATE": "true",
        "PBX_WEBHOOKS_LEASE_SECONDS": str(lease),
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_webhooks", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def queue(count, url):
    tenant = TenantFactory(code="WORK")
    WebhookFactory(tenant=tenant, url=url, events=["extension.created"])
    changelog.record_many(ExtensionFactory.create_batch(count, tenant=tenant), changelog.CREATE)
    assert Delivery.objects.count() == count
    return set(Delivery.objects.values_list("pk", flat=True))


def delivery_ids(receiver):
    return Counter(int(headers["x-pbx-delivery"]) for headers, _ in receiver.received)


def wait_for(condition, seconds=20):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_two_workers_at_once_send_each_delivery_once(make_receiver):
    receiver = make_receiver(delay=0.005)
    queued = queue(400, receiver.url)
    workers = [worker("--once", "--concurrency", "4", "--batch", "20") for _ in range(2)]
    outputs = [w.communicate(timeout=120) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    sent = delivery_ids(receiver)
    assert set(sent) == queued
    assert max(sent.values()) == 1, "a delivery was sent twice"
    assert all("Sent " in out for out, _ in outputs) and all(
        not out.startswith("Sent 0 ") for out, _ in outputs
    )
    assert Delivery.objects.filter(status="delivered").count() == 400


def test_a_worker_killed_in_the_middle_loses_nothing(make_receiver):
    receiver = make_receiver(delay=0.1)
    queued = queue(60, receiver.url)
    doomed = worker("--concurrency", "2", "--batch", "10", lease=2)
    wait_for(lambda: len(receiver.received) >= 5)
    doomed.send_signal(signal.SIGKILL)
    doomed.communicate(timeout=10)
    assert Delivery.objects.filter(status="pending").exclude(claim="").exists()  # left claimed
    time.sleep(2.5)  # the dead worker's lease runs out
    survivor = worker("--once", "--concurrency", "4", lease=2)
    _out, err = survivor.communicate(timeout=120)
    assert survivor.returncode == 0, err
    assert set(delivery_ids(receiver)) == queued  # every one arrived (some maybe twice)
    assert Delivery.objects.filter(status="delivered").count() == 60


def test_sigterm_stops_the_worker_cleanly_and_leaves_nothing_claimed(make_receiver):
    receiver = make_receiver(delay=0.2)
    queue(60, receiver.url)
    running = worker("--concurrency", "2", "--batch", "10")
    wait_for(lambda: len(receiver.received) >= 3)
    running.send_signal(signal.SIGTERM)
    out, err = running.communicate(timeout=20)
    assert running.returncode == 0, err
    assert "stopped" in out
    assert not Delivery.objects.exclude(claim="").exists()
    delivered = Delivery.objects.filter(status="delivered").count()
    assert delivered == len(receiver.received) < 60
    assert Delivery.objects.filter(status="pending", tries=0).count() == 60 - delivered
