"""GET /metrics: Prometheus's text format, requests counted by URL pattern, method and
status, timed, and their database queries counted per database alias."""

import re

import pytest
from django.db import connection
from django.test import Client
from prometheus_client import REGISTRY

from tests.factories import ExtensionFactory
from tests.metrics.conftest import Scrape, delta, scrape_text

pytestmark = pytest.mark.django_db


def test_the_page_is_prometheus_text_that_its_parser_reads():
    response = Client().get("/metrics")
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    families = Scrape(response.content.decode()).families
    assert families["pbx_http_requests"].type == "counter"
    assert families["pbx_http_request_duration_seconds"].type == "histogram"
    assert families["pbx_webhook_queue_age_seconds"].type == "gauge"


def test_every_pbx_metric_has_its_help_text():
    families = Scrape(scrape_text()).families
    ours = [family for name, family in families.items() if name.startswith("pbx_")]
    assert len(ours) >= 8
    assert all(family.documentation for family in ours)


def test_a_request_counts_under_its_route_method_and_status(scrape):
    before = scrape()
    assert Client().get("/health/").status_code == 200
    assert Client().get("/health/?verbose=1").status_code == 400  # it takes no parameter
    after = scrape()
    assert delta(before, after, "pbx_http_requests_total", route="/health/", method="GET", status="200") == 1
    assert delta(before, after, "pbx_http_requests_total", route="/health/", method="GET", status="400") == 1


def test_each_request_is_timed_in_the_latency_histogram(scrape):
    before = scrape()
    Client().get("/health/")
    after = scrape()
    labels = {"route": "/health/", "method": "GET"}
    assert delta(before, after, "pbx_http_request_duration_seconds_count", **labels) == 1
    assert delta(before, after, "pbx_http_request_duration_seconds_sum", **labels) > 0
    assert delta(before, after, "pbx_http_request_duration_seconds_bucket", le="+Inf", **labels) == 1


def test_routes_are_url_patterns_not_the_paths_asked_for(scrape, api, acme_key, acme):
    first, second = ExtensionFactory(tenant=acme, number="201"), ExtensionFactory(tenant=acme, number="202")
    before = scrape()
    for extension in (first, second):
        assert api(acme_key).get(f"/api/extensions/{extension.pk}/").status_code == 200
    assert api(acme_key).get("/api/extensions/number/201/").status_code == 200
    after = scrape()
    detail = {"route": "/api/extensions/{pk}/", "method": "GET", "status": "200"}
    assert delta(before, after, "pbx_http_requests_total", **detail) == 2
    by_number = {"route": "/api/extensions/number/{number}/", "method": "GET", "status": "200"}
    assert delta(before, after, "pbx_http_requests_total", **by_number) == 1
    routes = after.label_values("pbx_http_requests_total", "route")
    assert not [route for route in routes if re.search(rf"/{first.pk}/|/{second.pk}/|/201/|ACME", route)]


def test_a_request_answered_before_its_url_is_resolved_counts_under_its_route(scrape):
    before = scrape()
    assert Client().options("/api/extensions/").status_code == 204  # the CORS preflight
    after = scrape()
    preflight = {"route": "/api/extensions/", "method": "OPTIONS", "status": "204"}
    assert delta(before, after, "pbx_http_requests_total", **preflight) == 1


def test_paths_that_match_no_pattern_share_one_route():
    before = Scrape(scrape_text())
    Client().get("/no-such-page-1/")
    Client().get("/no-such-page-2/")
    after = Scrape(scrape_text())
    assert (
        delta(before, after, "pbx_http_requests_total", route="(unmatched)", method="GET", status="404") == 2
    )
    assert not [
        route for route in after.label_values("pbx_http_requests_total", "route") if "no-such" in route
    ]


def test_a_method_no_one_uses_is_counted_as_other(scrape):
    before = scrape()
    status = str(Client().generic("BREW", "/health/").status_code)
    after = scrape()
    assert (
        delta(before, after, "pbx_http_requests_total", route="/health/", method="other", status=status) == 1
    )
    assert "BREW" not in after.label_values("pbx_http_requests_total", "method")


def test_a_requests_queries_are_counted_on_its_database(api, acme_key, acme):
    ExtensionFactory.create_batch(3, tenant=acme)
    seen = []

    def watch(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    def queries():
        # Read in-process: a scrape through /metrics would be a request with queries of its own.
        labels = {"database": "default"}
        return tuple(
            REGISTRY.get_sample_value(f"pbx_http_request_db_queries_{part}", labels) or 0
            for part in ("count", "sum")
        )

    before = queries()
    with connection.execute_wrapper(watch):
        assert api(acme_key).get("/api/extensions/").status_code == 200
    after = queries()
    assert len(seen) > 2
    assert (after[0] - before[0], after[1] - before[1]) == (1, len(seen))
