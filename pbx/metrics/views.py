"""GET /metrics: every metric of this machine's pbx in Prometheus's text format."""

import os

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from pbx.api.exceptions import error_response
from pbx.metrics import access

# Collectors that read the database when scraped (the webhook queue's age): registered
# by the apps they belong to, in their AppConfig.ready(), and run by /metrics only (not
# by the workers' own metrics ports, which would report the same queue again).
SCRAPE_COLLECTORS = []


def register_collector(collector):
    """Have /metrics run `collector` (an object with collect()) at every scrape."""
    if collector not in SCRAPE_COLLECTORS:
        SCRAPE_COLLECTORS.append(collector)


def scrape_registry():
    """The metrics to serve. Under gunicorn with PROMETHEUS_MULTIPROC_DIR, the sum of
    every worker's (live or dead) from their files; otherwise this process's own."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)  # a registry collects like any collector
    for collector in SCRAPE_COLLECTORS:
        registry.register(collector)
    return registry


@csrf_exempt  # it only reads; other methods get the JSON 405 below
def metrics_view(request):
    """GET /metrics (and HEAD), for the addresses in PBX_METRICS_ALLOW (and the holders
    of PBX_METRICS_TOKEN when it is set)."""
    refused = access.refusal(request)
    if refused is not None:
        return refused
    if request.method not in ("GET", "HEAD"):
        response = error_response(405, "method_not_allowed", f"Method {request.method} not allowed: use GET.")
        response["Allow"] = "GET, HEAD"
        return response
    unknown = sorted(request.GET)
    if unknown:
        return error_response(
            400, "unknown_parameter", f"Unknown query parameter {', '.join(unknown)}: /metrics takes none."
        )
    # The text format (version 0.0.4), or OpenMetrics for a Prometheus that asks for it.
    encode, content_type = choose_encoder(request.META.get("HTTP_ACCEPT", ""))
    response = HttpResponse(encode(scrape_registry()), content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response
