"""Counting every request: route, method, status, time, and its database queries."""

import time
from contextlib import ExitStack

from django.db import connections

from pbx import metrics
from pbx.metrics import access
from pbx.metrics.routes import route_of

# A method outside these (anything a client cares to send) is counted as "other", so a
# client cannot grow the label's values.
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))


class QueryCounter:
    """An execute_wrapper (Django's hook around every query of a connection) that counts."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class MetricsMiddleware:
    """Times and counts each request, and counts its queries per database alias.

    First in MIDDLEWARE, so that it sees the answer every other middleware gave (a
    guard's 413, an error envelope's 500) and times all of their work. The queries of a
    streamed answer (a CDR export) run after it has returned and are not counted; its
    time is that of the first byte."""

    def __init__(self, get_response):
        self.get_response = get_response
        access.allowed_networks()  # a mistyped PBX_METRICS_ALLOW stops the start, not a scrape

    def __call__(self, request):
        counters = {alias: QueryCounter() for alias in connections}
        started = time.perf_counter()
        metrics.HTTP_IN_PROGRESS.inc()
        try:
            with ExitStack() as stack:
                for alias, counter in counters.items():
                    stack.enter_context(connections[alias].execute_wrapper(counter))
                response = self.get_response(request)
        finally:
            metrics.HTTP_IN_PROGRESS.dec()
        route = route_of(request)
        method = request.method if request.method in METHODS else "other"
        metrics.HTTP_REQUESTS.labels(route, method, str(response.status_code)).inc()
        metrics.HTTP_DURATION.labels(route, method).observe(time.perf_counter() - started)
        for alias, counter in counters.items():
            metrics.DB_QUERIES.labels(alias).observe(counter.count)
        return response
