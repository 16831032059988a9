"""Every list answers CSV, streamed, and all of it with page_size=all."""

import csv
import io

import pytest

from tests.api.routes import routes_where
from tests.factories import FACTORIES

LISTS = routes_where(lambda r: r.is_resource and r.kind == "list")


def make(route, count, acme, platform_admin):
    factory = FACTORIES[route.model]
    kwargs = {}
    if route.is_tenant_owned:
        kwargs["tenant"] = acme
    if hasattr(route.model, "owner"):
        kwargs["owner"] = platform_admin
    return factory.create_batch(count, **kwargs)


def rows_of(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(body.decode())))


@pytest.mark.parametrize("route", **LISTS)
def test_format_csv_answers_a_header_and_one_line_per_object(api, admin_key, acme, platform_admin, route):
    made = make(route, 3, acme, platform_admin)
    response = api(admin_key).get(
        route.url() + "?format=csv&tenant=ACME" if route.is_tenant_owned else route.url() + "?format=csv"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    ids = {int(row["id"]) for row in rows_of(response)}
    assert {obj.pk for obj in made} <= ids


@pytest.mark.parametrize("route", **LISTS)
def test_accept_text_csv_is_understood(api, admin_key, acme, platform_admin, route):
    make(route, 1, acme, platform_admin)
    response = api(admin_key).get(route.url(), HTTP_ACCEPT="text/csv")
    assert response["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize("route", **LISTS)
def test_page_size_all_streams_every_row(api, admin_key, acme, platform_admin, route):
    made = make(route, 30, acme, platform_admin)
    response = api(admin_key).get(route.url() + "?format=csv&page_size=all")
    assert response.streaming
    assert {obj.pk for obj in made} <= {int(row["id"]) for row in rows_of(response)}
    assert len(rows_of(api(admin_key).get(route.url() + "?format=csv"))) == 25


@pytest.mark.parametrize("route", **routes_where(lambda r: r.is_tenant_owned and r.kind == "list"))
def test_an_error_on_a_csv_request_is_the_json_envelope(api, admin_key, route):
    response = api(admin_key).get(route.url() + "?format=csv&tenant=NOPE")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "tenant_not_found"
