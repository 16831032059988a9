"""gunicorn's defaults for pbx (`make run`, the benchmarks, schemathesis); command-line
options override them.

Threaded workers: a sync worker is killed once one request outlasts `timeout` (30 s),
and a CDR export of millions of rows streams for minutes. A gthread worker's main
thread keeps telling the master it is alive while its threads serve, so `timeout`
then guards against a hung process rather than a long download. pbx's own gthread
worker answers the requests gunicorn itself refuses (the limits below, malformed HTTP)
with the API's JSON error envelope instead of gunicorn's HTML page.

Request limits (docs/scaling.md gives the matching nginx settings):
- `limit_request_line`: the request line (method, path and query) is at most 8190
  bytes, gunicorn's largest (its default, 4094, cuts long `?id=1,2,3...` filters);
  longer answers 414 `uri_too_long`.
- `limit_request_field_size`: one header line is at most 16380 bytes (an
  `Authorization` header and a browser's cookies fit); larger answers 431
  `headers_too_large`.
- `limit_request_fields`: at most 100 headers; more answers 431 too.
"""

import os

worker_class = "pbx.workers.ThreadWorker"
threads = 4

limit_request_line = 8190
limit_request_field_size = 16380
limit_request_fields = 100


# Prometheus metrics (docs/metrics.md). With PROMETHEUS_MULTIPROC_DIR set, each worker
# writes its metrics into a file of that directory and /metrics sums them all: counters
# and histograms keep a dead worker's counts; gauges of the live workers only.


def on_starting(server):
    """Start with an empty metrics directory: files of a previous run's workers would add
    their counts to this run's (prometheus-client's multiprocess mode asks for it)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.remove(os.path.join(directory, name))


def child_exit(server, worker):
    """A worker has gone (restarted, killed, max_requests): drop its live gauges' file."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
