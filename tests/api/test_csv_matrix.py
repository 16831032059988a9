"""Every list answers CSV (`?format=csv` or `Accept: text/csv`): a header row, then one
line per object holding what the JSON list holds; `?page_size=all` streams every row;
errors stay JSON (docs/api.md)."""

import json

import pytest

from tests.api.routes import routes_where
from tests.api.support import assert_error, csv_rows, make, total_rows

# Export takes a different path per database (PostgreSQL's COPY, Python's csv on SQLite):
# every route runs on both.
pytestmark = pytest.mark.every_database

LISTS = routes_where(lambda r: r.is_list)
TENANT_OWNED_LISTS = routes_where(lambda r: r.is_list and r.is_tenant_owned)


def cell(value):
    """What a CSV cell holds for a JSON value; lists and objects are JSON, read back
    (whitespace in JSON means nothing: PostgreSQL's COPY spaces it, Python does not)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return value
    return str(value)


def cells(row, item):
    """The CSV row with its JSON cells read back, to compare with `cell()`s."""
    return {
        column: json.loads(row[column]) if isinstance(item.get(column), list | dict) else row[column]
        for column in row
    }


def assert_csv_matches_json(csv_response, json_response):
    assert csv_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/csv")
    assert csv_response["Content-Disposition"].startswith("attachment;")
    header, rows = csv_rows(csv_response)
    items = json_response.json()["results"]
    assert items, "the list should not be empty here"
    assert sorted(header) == sorted(items[0]), "the header names the JSON fields"
    assert len(set(header)) == len(header)
    assert len(rows) == len(items), "one line per object"
    for row, item in zip(rows, items, strict=True):
        assert cells(row, item) == {column: cell(value) for column, value in item.items()}


# Who lists: the platform admin every list; ACME's tenant key the lists it may read.
LISTERS = [
    (key_name, route)
    for key_name in ("admin_key", "acme_key")
    for route in LISTS["argvalues"]
    if key_name == "admin_key" or not route.is_platform
]
BY_LISTER = {"argvalues": LISTERS, "ids": [f"{key}-{route}" for key, route in LISTERS]}


@pytest.mark.parametrize(("key_name", "route"), **BY_LISTER)
def test_format_csv_answers_a_header_and_one_line_per_object(request, api, acme, acme_admin, key_name, route):
    client = api(request.getfixturevalue(key_name))
    make(route, tenant=acme, user=acme_admin, count=3)
    assert_csv_matches_json(client.get(route.url({"format": "csv"})), client.get(route.url()))


@pytest.mark.parametrize(("key_name", "route"), **BY_LISTER)
def test_accept_text_csv_answers_csv(request, api, acme, acme_admin, key_name, route):
    client = api(request.getfixturevalue(key_name))
    make(route, tenant=acme, user=acme_admin, count=3)
    assert_csv_matches_json(client.get(route.url(), HTTP_ACCEPT="text/csv"), client.get(route.url()))


@pytest.mark.parametrize("route", **LISTS)
def test_an_empty_list_is_the_header_row_alone(api, admin_key, route):
    full = api(admin_key).get(route.url({"format": "csv"}))
    empty = api(admin_key).get(route.url({"format": "csv", "id": "999999999999"}))
    assert empty.status_code == 200
    header, rows = csv_rows(empty)
    assert rows == [] and header == csv_rows(full)[0] and header


@pytest.mark.parametrize("route", **LISTS)
def test_page_size_all_streams_every_row(api, admin_key, acme, acme_admin, route):
    make(route, tenant=acme, user=acme_admin, count=30)
    client = api(admin_key)
    total = total_rows(client, route.url())
    assert total > 25
    response = client.get(route.url({"format": "csv", "page_size": "all"}))
    assert response.streaming
    _header, rows = csv_rows(response)
    assert len(rows) == total
    assert len({r["id"] for r in rows}) == total
    _header, plain = csv_rows(client.get(route.url({"format": "csv"})))
    if route.csv_is_every_row:
        assert len(plain) == total, "this list's CSV is its export: every row, unpaged"
    else:
        assert len(plain) == 25, "without page_size=all a CSV list is one page"


@pytest.mark.parametrize("route", **TENANT_OWNED_LISTS)
def test_a_csv_error_is_the_json_envelope(api, admin_key, route):
    assert_error(api(admin_key).get(route.url({"format": "csv", "tenant": "NOPE"})), 404, "tenant_not_found")


@pytest.mark.parametrize("route", **LISTS)
def test_a_csv_page_past_the_end_is_a_json_404(api, admin_key, route):
    query = {"format": "csv", **route.page_past_the_end("999")}
    assert_error(api(admin_key).get(route.url(query)), 404, "not_found")


@pytest.mark.parametrize("route", **LISTS)
def test_a_csv_request_without_credentials_is_a_json_401(anon, db, route):
    assert_error(anon.get(route.url(), HTTP_ACCEPT="text/csv"), 401, "missing_api_key")
