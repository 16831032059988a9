"""A list costs the same number of queries whatever its page size (no query per row);
a page costs at most 4 queries, plus one per child relation its viewset prefetches (a
route's patterns and trunks); an API key costs exactly one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.routes import routes_where, with_query
from tests.api.support import assert_error, body_text, csv_rows, make
from tests.factories import ExtensionFactory

LISTS = routes_where(lambda r: r.is_list)
LISTERS = [
    (key_name, route)
    for key_name in ("admin_key", "acme_key")
    for route in LISTS["argvalues"]
    if key_name == "admin_key" or not route.is_platform
]
BY_LISTER = {"argvalues": LISTERS, "ids": [f"{key}-{route}" for key, route in LISTERS]}


def measure(client, url, **headers):
    """(number of queries, response) of one request, its body read inside the count."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
        body_text(response)  # a streamed body runs its queries while it is read
    assert response.status_code == 200, body_text(response)[:500]
    return len(captured), response


@pytest.fixture
def lister(request, api, acme, acme_admin):
    """lister(key_name) -> a warmed-up client: the key's last use is written once a minute,
    and that write must not fall into a measurement."""

    def warmed(key_name):
        client = api(request.getfixturevalue(key_name))
        client.get("/api/")
        return client

    return warmed


@pytest.mark.parametrize(("key_name", "route"), **BY_LISTER)
def test_a_page_of_30_costs_the_queries_of_a_page_of_3(lister, acme, acme_admin, key_name, route):
    client = lister(key_name)
    make(route, tenant=acme, user=acme_admin, count=3)
    small, page = measure(client, route.url({"page_size": 3}))
    assert len(page.json()["results"]) == 3
    make(route, tenant=acme, user=acme_admin, count=30)
    large, page = measure(client, route.url({"page_size": 30}))
    assert len(page.json()["results"]) == 30
    assert large == small


@pytest.mark.parametrize(("key_name", "route"), **BY_LISTER)
def test_a_csv_of_every_row_costs_the_same_for_3_or_30_objects(lister, acme, acme_admin, key_name, route):
    client = lister(key_name)
    url = route.url({"format": "csv", "page_size": "all"})
    make(route, tenant=acme, user=acme_admin, count=3)
    few, _response = measure(client, url)
    make(route, tenant=acme, user=acme_admin, count=30)
    many, response = measure(client, url)
    assert len(csv_rows(response)[1]) >= 33
    assert many == few


@pytest.mark.parametrize(
    ("key_name", "query"),
    [
        ("admin_key", {}),
        ("admin_key", {"tenant": "ACME"}),
        ("acme_key", {}),
        ("acme_key", {"tenant": "ACME"}),
        ("acme_admin_global_key", {}),
    ],
    ids=[
        "global-key",
        "global-key-narrowed",
        "tenant-key",
        "tenant-key-naming-its-tenant",
        "minor-admin-global",
    ],
)
def test_an_extension_page_costs_at_most_four_queries(lister, acme, key_name, query):
    ExtensionFactory.create_batch(40, tenant=acme)
    count, response = measure(lister(key_name), with_query("/api/extensions/", {"page_size": 40, **query}))
    assert len(response.json()["results"]) == 40
    assert count <= 4


def prefetched_relations(route):
    """The child relations a list reads in one query each (beyond the first, which the
    budget of 4 already holds)."""
    return len((route.viewset or route.view_class).queryset._prefetch_related_lookups)


@pytest.mark.parametrize(("key_name", "route"), **BY_LISTER)
def test_every_list_page_costs_at_most_four_queries_and_one_per_extra_child_relation(
    lister, acme, acme_admin, key_name, route
):
    make(route, tenant=acme, user=acme_admin, count=30)
    count, _response = measure(lister(key_name), route.url({"page_size": 30}))
    assert count <= 4 + max(0, prefetched_relations(route) - 1)


def test_authenticating_an_api_key_costs_one_query(lister):
    client = lister("acme_key")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/tenants/")  # refused after authentication, before any work
    assert_error(response, 403, "permission_denied")
    assert len(captured) == 1, [q["sql"] for q in captured]


def test_authenticating_a_read_only_key_refused_a_write_costs_one_query(lister):
    client = lister("admin_read_key")
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/api/tenants/", {"code": "NEW"}, format="json")
    assert_error(response, 403, "read_only_key")
    assert len(captured) == 1, [q["sql"] for q in captured]


def test_the_last_use_of_a_key_is_written_at_most_once_a_minute(api, acme_key):
    client = api(acme_key)
    counts = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as captured:
            client.get("/api/tenants/")
        counts.append(len(captured))
    assert counts == [2, 1, 1]  # the first use also records last_used_at
