"""pbx's Prometheus metrics (docs/metrics.md): every metric the service and its workers
export is declared here, once, so its name, labels and meaning are in one place.

Built on prometheus-client, the Prometheus project's own library: it writes the text
format, keeps per-process values in files for gunicorn's workers (multiprocess mode,
when PROMETHEUS_MULTIPROC_DIR is set) and serves a worker's metrics on a port of its
own. django-prometheus was not taken: its request counts are split over separate
series (by view, by status, by method) rather than one per route, method and status;
its query counts need its own database backends in place of Django's (one more layer to
keep in step with psycopg, the replica aliases and pgbouncer), where Django's
execute_wrapper counts with the stock backends; and webhooks, call records and cron
would still need prometheus-client.

Labels are bounded and name no tenant: a request is labelled by its URL pattern
(`/api/extensions/{pk}/`), never by the path it was asked with, and a cron run by its
task, never by the job's name, which a tenant chooses. Code that counts calls the small
functions below, which count after the transaction commits (a rolled-back ingest or cron
run did not happen).
"""

import os

from django.db import transaction
from prometheus_client import Counter, Gauge, Histogram

# prometheus-client writes each process's values into this directory in multiprocess
# mode, and fails on the first value when it is missing: make it, so that a command
# run with gunicorn's environment does not fail for it.
if directory := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(directory, exist_ok=True)

# --- HTTP (pbx.metrics.middleware) ------------------------------------------------------

HTTP_REQUESTS = Counter(
    "pbx_http_requests_total",
    "HTTP requests answered, by URL pattern, method and status code.",
    ["route", "method", "status"],
)
HTTP_DURATION = Histogram(
    "pbx_http_request_duration_seconds",
    "Time from the request reaching Django to its answer (the first byte of a streamed answer).",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
HTTP_IN_PROGRESS = Gauge(
    "pbx_http_requests_in_progress",
    "HTTP requests being answered now.",
    multiprocess_mode="livesum",  # the live workers' sum; a dead worker's file is dropped
)
DB_QUERIES = Histogram(
    "pbx_http_request_db_queries",
    "Database queries per HTTP request, by database alias (default, replica, replica_2 ...).",
    ["database"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
)

# --- webhooks (webhooks/delivery.py, webhooks/metrics.py) -------------------------------

WEBHOOK_DELIVERIES = Counter(
    "pbx_webhook_deliveries_total",
    "Delivery attempts by what became of the delivery: delivered, retried (failed, tried "
    "again later) or dead (failed for the last time).",
    ["outcome"],
)
WEBHOOK_ATTEMPT_DURATION = Histogram(
    "pbx_webhook_attempt_duration_seconds",
    "Time a receiver took to answer a delivery (or to fail).",
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

# --- call records (cdrs/ingest.py) ------------------------------------------------------

CDRS_INGESTED = Counter(
    "pbx_cdrs_ingested_total",
    "Call records stored, by the way they came in: api, switch (Kamailio) or import.",
    ["source"],
)
CDRS_DUPLICATES = Counter(
    "pbx_cdrs_duplicates_total",
    "Call records skipped because the same call was already stored, by the way they came in.",
    ["source"],
)

# --- cron jobs (campaigns/cron.py) ------------------------------------------------------

CRON_RUNS = Counter(
    "pbx_cron_runs_total",
    "Cron job runs by task and outcome: ok, failed (the task refused) or error (it crashed).",
    ["task", "outcome"],
)
CRON_DURATION = Histogram(
    "pbx_cron_run_duration_seconds",
    "Time a cron job's task took, by task.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300),
)

WEBHOOK_OUTCOMES = ("delivered", "retried", "dead")
CDR_SOURCES = ("api", "switch", "import")


def _after_commit(count):
    # on_commit runs at once outside a transaction, and never for a rolled-back one.
    transaction.on_commit(count)


def webhook_outcomes(delivered=0, retried=0, dead=0, durations=()):
    """Count what a batch of sends did to its deliveries, once the batch is recorded."""

    def count():
        for outcome, number in zip(WEBHOOK_OUTCOMES, (delivered, retried, dead), strict=True):
            if number:
                WEBHOOK_DELIVERIES.labels(outcome).inc(number)
        for seconds in durations:
            WEBHOOK_ATTEMPT_DURATION.observe(seconds)

    _after_commit(count)


def cdrs_stored(source, stored, duplicates):
    """Count a batch of call records stored through `source` (api, switch or import)."""
    if source not in CDR_SOURCES:
        raise ValueError(f"CDR source must be one of {', '.join(CDR_SOURCES)}, not {source!r}.")

    def count():
        if stored:
            CDRS_INGESTED.labels(source).inc(stored)
        if duplicates:
            CDRS_DUPLICATES.labels(source).inc(duplicates)

    _after_commit(count)


def cron_run(task, outcome, seconds=None):
    """Count one cron job run of `task` (ok, failed or error), once it has committed."""

    def count():
        CRON_RUNS.labels(task, outcome).inc()
        if seconds is not None:
            CRON_DURATION.labels(task).observe(seconds)

    if outcome == "error":
        count()  # the transaction is rolling back: count the crash now
    else:
        _after_commit(count)
