"""A real gunicorn with two workers and PROMETHEUS_MULTIPROC_DIR: /metrics, whichever
worker answers it, sums both workers' counts; a worker that dies keeps its counts and
loses its live gauge (gunicorn.conf.py's child_exit)."""

import concurrent.futures
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from tests.metrics.conftest import Scrape

ROOT = Path(__file__).resolve().parents[2]
HOME = {"route": "/", "method": "GET", "status": "200"}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Accept": "application/json", "Connection": "close"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def worker_pids(directory):
    return {
        int(name.rsplit("_", 1)[1].removesuffix(".db"))
        for name in os.listdir(directory)
        if name.endswith(".db")
    }


def counts_of(directory, pid, scratch):
    """One worker's own count of GET /: its files alone, summed by prometheus-client."""
    mine = scratch / str(pid)
    shutil.rmtree(mine, ignore_errors=True)
    mine.mkdir(parents=True)
    for name in os.listdir(directory):
        if name.endswith(f"_{pid}.db"):
            shutil.copy(directory / name, mine / name)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(mine))
    return Scrape(generate_latest(registry).decode()).value("pbx_http_requests_total", **HOME)


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """gunicorn with the project's gunicorn.conf.py, 2 workers, a metrics directory that
    holds a previous run's file; yields (port, metrics directory, master process)."""
    port = free_port()
    var = tmp_path_factory.mktemp("var")
    directory = tmp_path_factory.mktemp("prometheus")
    (directory / "counter_1.db").write_bytes(b"left by a previous run")
    env = {
        **os.environ,
        "PBX_VAR_DIR": str(var),
        "PBX_SECRET_KEY": "metrics-workers-test",
        "DATABASE_URL": f"sqlite:///{var}/pbx.sqlite3",  # GET / reads no table
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "pbx.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while len(worker_pids(directory) - {1}) < 2:  # each worker writes its files as it loads pbx
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    process.stderr.read().decode() if process.poll() is not None else "timed out"
                )
            time.sleep(0.1)
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not listen"
                time.sleep(0.1)
        yield port, directory, process
    finally:
        process.send_signal(signal.SIGINT)  # quick shutdown: no graceful wait for idle workers
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def served_by_both(gunicorn, tmp_path_factory):
    """GET / sent (on fresh connections, several at once) until both workers have answered
    some; returns how many were sent."""
    port, directory, _ = gunicorn
    scratch = tmp_path_factory.mktemp("per-worker")
    sent = 0
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for _ in range(20):
            statuses = list(pool.map(lambda _: get(port, "/")[0], range(16)))
            assert statuses == [200] * 16
            sent += 16
            if all(counts_of(directory, pid, scratch) > 0 for pid in worker_pids(directory)):
                return sent
    pytest.fail("one worker answered every request")


def test_a_previous_runs_files_are_removed_when_gunicorn_starts(gunicorn):
    _, directory, _ = gunicorn
    assert not (directory / "counter_1.db").exists()


def test_metrics_sum_both_workers_counts(gunicorn, served_by_both, tmp_path):
    port, directory, _ = gunicorn
    pids = worker_pids(directory)
    per_worker = [counts_of(directory, pid, tmp_path) for pid in pids]
    assert len(pids) == 2 and all(per_worker), per_worker
    for _ in range(4):  # whichever worker answers the scrape
        status, body = get(port, "/metrics")
        assert status == 200
        assert (
            Scrape(body.decode()).value("pbx_http_requests_total", **HOME)
            == served_by_both
            == sum(per_worker)
        )


def test_a_dead_workers_counts_stay_and_its_live_gauge_goes(gunicorn, served_by_both, tmp_path):
    port, directory, _ = gunicorn
    victim = min(worker_pids(directory))
    assert (directory / f"gauge_livesum_{victim}.db").exists()
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while (directory / f"gauge_livesum_{victim}.db").exists():  # gunicorn's child_exit removes it
        assert time.monotonic() < deadline, "child_exit did not mark the worker dead"
        time.sleep(0.1)
    status, body = get(port, "/metrics")
    assert status == 200
    scrape = Scrape(body.decode())
    assert scrape.value("pbx_http_requests_total", **HOME) == served_by_both
    assert scrape.value("pbx_http_requests_in_progress") == 1  # the scrape itself, in a live worker
