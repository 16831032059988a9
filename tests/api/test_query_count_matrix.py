"""A list costs the same number of queries whatever its page size; an API key costs one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.routes import routes_where
from tests.factories import FACTORIES, ExtensionFactory


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured)


def make(route, count, acme, platform_admin):
    kwargs = {"tenant": acme} if route.is_tenant_owned else {}
    if hasattr(route.model, "owner"):
        kwargs["owner"] = platform_admin
    FACTORIES[route.model].create_batch(count, **kwargs)


@pytest.mark.parametrize("route", **routes_where(lambda r: r.is_resource and r.kind == "list"))
def test_the_query_count_does_not_grow_with_the_page_size(api, admin_key, acme, platform_admin, route):
    client = api(admin_key)
    client.get(route.url())  # warm up: the key's last_used_at is written once a minute
    make(route, 3, acme, platform_admin)
    small = queries(client, route.url() + "?page_size=3")
    make(route, 30, acme, platform_admin)
    large = queries(client, route.url() + "?page_size=30")
    assert large == small


@pytest.mark.parametrize("key_name", ["admin_key", "acme_key"])
@pytest.mark.parametrize("suffix", ["", "&tenant=ACME"])
def test_an_extension_page_costs_at_most_four_queries(request, api, acme, key_name, suffix):
    ExtensionFactory.create_batch(40, tenant=acme)
    client = api(request.getfixturevalue(key_name))
    client.get("/api/extensions/")
    assert queries(client, f"/api/extensions/?page_size=40{suffix}") <= 4


def test_authenticating_an_api_key_costs_one_query(api, acme_key):
    client = api(acme_key)
    client.get("/api/tenants/")  # warm up (last_used_at)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/tenants/")  # refused by role after authentication alone
    assert response.status_code == 403
    assert len(captured) == 1
