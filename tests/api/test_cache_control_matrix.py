"""Every answer of the API says `Cache-Control: private, no-store`: bodies carry tenants'
data and, for a platform admin, secrets such as SIP passwords, which no proxy or browser
cache may keep. Errors, lists, details, CSV and the schema alike."""

import pytest
from rest_framework.test import APIClient

from tests.api.routes import route_methods, routes_where
from tests.api.support import make, read_url


def assert_not_stored(response):
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= directives, (response.status_code, response.get("Cache-Control"))


@pytest.mark.parametrize(
    "route", **routes_where(lambda r: (r.is_resource or r.is_action_set) and "GET" in r.methods)
)
def test_every_read_answers_no_store_downloads_included(api, admin_key, acme, acme_admin, route):
    if route.is_object:
        url = route.url_for(make(route, tenant=acme, user=acme_admin))
    elif route.is_action_set:
        url = read_url(route)
    else:
        url = route.url({"tenant": "ACME"} if route.is_tenant_owned else None)
    assert_not_stored(api(admin_key).get(url))


@pytest.mark.parametrize("route", **routes_where(lambda r: r.is_list and r.is_resource))
def test_every_csv_list_answers_no_store(api, admin_key, route):
    assert_not_stored(api(admin_key).get(route.url({"format": "csv"})))


@pytest.mark.parametrize(("route", "method"), **route_methods(lambda r: r.is_resource or r.is_action_set))
def test_every_error_answers_no_store(route, method):
    assert_not_stored(APIClient().generic(method, route.url()))  # no credentials: 401


def test_the_schema_answers_no_store(api, admin_key):
    assert_not_stored(api(admin_key).get("/api/schema/"))


def test_a_preflight_answers_no_store():
    assert_not_stored(APIClient().options("/api/extensions/"))
