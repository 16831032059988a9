"""A read-only key may GET, HEAD and OPTIONS; every other method on every route answers
403 read_only_key and writes nothing (docs/api.md)."""

import json

import pytest

from tests.api.routes import UNSAFE, route_methods, routes_where
from tests.api.support import (
    assert_error,
    body_for,
    body_text,
    make,
    payload,
    read_url,
    rows_listed,
    snapshot,
)

READ_ONLY_KEYS = ["admin_read_key", "acme_read_key"]


def unsafe_request(route, method, obj):
    """A request that a full key could carry out on `obj` (so refusing it matters)."""
    url = route.url_for(obj) if route.is_object else route.url()
    if route.is_list and method in ("PATCH", "DELETE"):
        body = [{"id": obj.pk, **(payload(route) if method == "PATCH" else {})}]
    elif method in ("POST", "PUT", "PATCH"):
        body = payload(route, "ACME" if route.is_tenant_owned else None)
    else:
        body = None
    return url, "" if body is None else json.dumps(body)


@pytest.mark.parametrize("key_name", READ_ONLY_KEYS)
@pytest.mark.parametrize(("route", "method"), **route_methods(methods=UNSAFE))
def test_every_unsafe_method_answers_403_read_only_key_and_writes_nothing(
    request, api, acme, acme_admin, route, method, key_name
):
    client = api(request.getfixturevalue(key_name))
    obj = make(route, tenant=acme, user=acme_admin)
    url, body = unsafe_request(route, method, obj)
    before = snapshot()
    body, content_type = body_for(route, method, body)
    response = client.generic(method, url, data=body, content_type=content_type)
    assert_error(response, 403, "read_only_key")
    assert snapshot() == before


@pytest.mark.parametrize(("route", "method"), **route_methods(methods=UNSAFE))
def test_a_full_key_may_make_the_same_request(api, acme, acme_admin, admin_key, route, method):
    """The control of the test above: the request is one a full key carries out."""
    obj = make(route, tenant=acme, user=acme_admin)
    url, body = unsafe_request(route, method, obj)
    body, content_type = body_for(route, method, body)
    response = api(admin_key).generic(method, url, data=body, content_type=content_type)
    # 202: accepted to be carried out by another system (a click-to-dial).
    assert response.status_code in (200, 201, 202, 204), body_text(response)[:500]


@pytest.mark.parametrize(
    "route",
    **routes_where(lambda r: (r.is_list or not (r.is_resource or r.is_object)) and "GET" in r.methods),
)
def test_a_read_only_global_key_reads_every_list(api, admin_read_key, route):
    assert api(admin_read_key).get(read_url(route)).status_code == 200


@pytest.mark.parametrize("route", **routes_where(lambda r: r.is_list and r.is_tenant_owned))
def test_a_read_only_tenant_key_reads_its_tenants_lists(api, acme_read_key, acme, acme_admin, route):
    make(route, tenant=acme, user=acme_admin)
    response = api(acme_read_key).get(route.url())
    assert response.status_code == 200
    assert rows_listed(response) >= 1


@pytest.mark.parametrize("key_name", READ_ONLY_KEYS)
@pytest.mark.parametrize(
    ("route", "method"), **route_methods(lambda r: r.is_object and r.is_tenant_owned, ("GET", "HEAD"))
)
def test_a_read_only_key_reads_one_object(request, api, acme, acme_admin, route, method, key_name):
    obj = make(route, tenant=acme, user=acme_admin)
    client = api(request.getfixturevalue(key_name))
    assert client.generic(method, route.url_for(obj)).status_code == 200
