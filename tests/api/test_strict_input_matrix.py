"""Strict input on every route: a name the API does not know is refused, never ignored.

An unknown query parameter answers 400 unknown_parameter listing the accepted ones; an
unknown body field on a create, a replace, a change or a bulk write answers 400
unknown_field and writes nothing; `fields=` naming a column the resource does not have
answers 400 unknown_field. What the kernel and the views really take stays known: every
filter of a list, the object a GET returns sent back by PUT, the documented aliases.
"""

import json

import pytest
from django.contrib.auth import get_user_model

from pbx.api.viewsets import PbxViewSet
from tenants.models import Membership
from tests.api.routes import ROUTES, route_methods, routes_where
from tests.api.support import ACTION_ROWS, assert_error, body_text, make, payload, snapshot

UNKNOWN = "no_such_name"


def send(client, method, url, body=None):
    data = "" if body is None else json.dumps(body)
    return client.generic(method, url, data=data, content_type="application/json")


def tenant_of(route):
    return "ACME" if route.is_tenant_owned else None


# --- query parameters -------------------------------------------------------------------


@pytest.mark.parametrize(("route", "method"), **route_methods())
def test_an_unknown_query_parameter_answers_unknown_parameter_and_writes_nothing(
    api, admin_key, acme, acme_admin, route, method
):
    obj = make(route, tenant=acme, user=acme_admin)
    url = route.url_for(obj, {UNKNOWN: "1"}) if route.is_object else route.url({UNKNOWN: "1"})
    body = None
    if method in ("POST", "PUT", "PATCH") and route.is_resource:
        body = payload(route, tenant_of(route))
    before = snapshot() if method not in ("GET", "HEAD") else None
    response = send(api(admin_key), method, url, body)
    assert_error(response, 400, "unknown_parameter")
    if method != "HEAD":
        error = response.json()["error"]
        assert UNKNOWN in error["message"] and UNKNOWN in error["fields"]
        assert "format" in error["accepted"] and UNKNOWN not in error["accepted"]
    if before is not None:
        assert snapshot() == before


LISTS = routes_where(lambda r: r.is_resource and r.is_list)


@pytest.mark.parametrize("route", **LISTS)
def test_an_unknown_filter_names_the_lists_filters_pages_and_columns(api, admin_key, route):
    response = api(admin_key).get(route.url({"number__contains_typo": "1"}))
    assert_error(response, 400, "unknown_parameter")
    accepted = set(response.json()["error"]["accepted"])
    assert {"fields", "page_size", "format"} <= accepted
    assert "id" in accepted or route.viewset.filterset_class is None


@pytest.mark.parametrize("route", **LISTS)
def test_every_filter_search_and_page_parameter_of_a_list_is_known(api, admin_key, route):
    """The control of the tests above: nothing the list really reads is refused."""
    view = route.viewset(request=None, format_kwarg=None, action="list")
    view.action = "list"
    names = set()
    for backend in view.filter_backends:
        names |= backend().query_parameters(view)
    paginator = view.pagination_class()
    names |= {
        getattr(paginator, attribute)
        for attribute in ("page_query_param", "page_size_query_param", "cursor_query_param")
        if getattr(paginator, attribute, None)
    }
    refused = []
    for name in sorted(names):
        response = api(admin_key).get(route.url({name: "1"}))
        if response.status_code == 400 and response.json()["error"]["code"] == "unknown_parameter":
            refused.append(name)
    assert refused == []


def test_seed_filter_aliases_and_action_parameters_stay_known(api, admin_key, acme):
    client = api(admin_key)
    assert client.get("/api/cdrs/?tenant=ACME&start_stamp__gte=2026-01-01T00:00:00Z").status_code == 200
    assert client.get("/api/campaign-numbers/?tenant=ACME&caid=1&campaign_id=1").status_code == 200
    assert client.get("/api/cdrs/stats/?tenant=ACME&group_by=day&cdr_hours=24").status_code == 200
    response = client.get("/api/outbound-routes/match/?tenant=ACME&number=5551234")
    assert response.status_code == 200, body_text(response)[:300]


def test_the_health_check_refuses_an_unknown_parameter(client, db):
    response = client.get("/health/?verbose=1")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_parameter"
    assert client.get("/health/").status_code == 200


def test_the_login_refuses_an_unknown_field(client, db):
    response = client.post(
        "/api-auth/login/",
        {"username": "x", "password": "y", "remember_me": True},
        content_type="application/json",
    )
    assert_error(response, 400, "unknown_field")


# --- body fields ------------------------------------------------------------------------


def kernel_writes(route):
    """Routes whose POST/PUT/PATCH bodies are the resource's own objects (not an ingest
    format, an import file or an action's own body)."""
    return route.is_resource and (
        (route.is_list and getattr(route.viewset, "create", None) is PbxViewSet.create)
        or route.action("PUT") in ("update", "by_number")
    )


@pytest.mark.parametrize(("route", "method"), **route_methods(kernel_writes, ("POST", "PUT", "PATCH")))
def test_an_unknown_body_field_answers_unknown_field_and_writes_nothing(
    api, admin_key, acme, acme_admin, route, method
):
    obj = make(route, tenant=acme, user=acme_admin)
    body = {**payload(route, tenant_of(route)), UNKNOWN: True}
    if route.is_list and method == "PATCH":
        body = [{"id": obj.pk, UNKNOWN: True}]
    url = route.url_for(obj) if route.is_object else route.url()
    before = snapshot()
    response = send(api(admin_key), method, url, body)
    assert_error(response, 400, "unknown_field")
    error = response.json()["error"]
    assert UNKNOWN in error["message"] and "id" in error["accepted"]
    assert snapshot() == before


@pytest.mark.parametrize(
    "route", **routes_where(lambda r: kernel_writes(r) and r.is_list and "POST" in r.methods)
)
def test_a_bulk_create_with_one_unknown_field_names_the_element_and_writes_nothing(
    api, admin_key, acme, route
):
    good = payload(route, tenant_of(route))
    bad = {**payload(route, tenant_of(route)), UNKNOWN: 1}
    before = snapshot()
    response = send(api(admin_key), "POST", route.url(), [good, bad])
    assert_error(response, 400, "unknown_field")
    assert response.json()["error"]["index"] == 1
    assert snapshot() == before


def test_a_typo_in_an_extension_is_refused(api, acme_key, acme):
    response = send(api(acme_key), "POST", "/api/extensions/", {"number": "777", "do_not_distrub": True})
    assert_error(response, 400, "unknown_field")
    assert "do_not_disturb" in response.json()["error"]["message"]


def test_cdr_ingest_refuses_an_unknown_field_of_a_record(api, acme_key, acme):
    record = {"call_id": "c-1", "start": "2026-01-01T10:00:00Z", "no_such_column": "x"}
    response = send(api(acme_key), "POST", "/api/cdrs/", record)
    assert_error(response, 400, "unknown_field")


DETAILS_WITH_PUT = routes_where(
    lambda r: r.is_resource and r.action("PUT") == "update" and "PUT" in r.methods
)


@pytest.mark.parametrize("route", **DETAILS_WITH_PUT)
def test_an_object_read_and_put_back_is_accepted(api, admin_key, acme, acme_admin, route):
    """A client that GETs an object, edits it and PUTs it back sends the read-only fields
    (id, url, history ...) too: those are the resource's own names, not unknown ones."""
    client = api(admin_key)
    obj = make(route, tenant=acme, user=acme_admin)
    shown = client.get(route.url_for(obj)).json()
    response = send(client, "PUT", route.url_for(obj), shown)
    assert response.status_code == 200, body_text(response)[:500]


ALIASED = [
    (route, alias, canonical)
    for route in ROUTES
    if route.is_resource and route.action("PATCH") == "partial_update"
    for alias, canonical in getattr(route.viewset.serializer_class.Meta, "aliases", {}).items()
    if "." not in alias
]


@pytest.mark.parametrize(
    ("route", "alias", "canonical"), ALIASED, ids=[f"{r}-{alias}" for r, alias, _c in ALIASED]
)
def test_a_documented_alias_is_a_known_field(api, admin_key, acme, acme_admin, route, alias, canonical):
    client = api(admin_key)
    obj = make(route, tenant=acme, user=acme_admin)
    shown = client.get(route.url_for(obj)).json()
    value = shown.get(canonical, "x")
    response = send(client, "PATCH", route.url_for(obj), {alias: value})
    if response.status_code == 400:
        assert response.json()["error"]["code"] != "unknown_field", body_text(response)[:500]


def test_an_alias_changes_the_field_it_names(api, acme_key, acme):
    response = send(api(acme_key), "POST", "/api/extensions/", {"ex_number": "778"})
    assert response.status_code == 201, body_text(response)[:500]
    assert response.json()["number"] == "778"


# --- fields= ----------------------------------------------------------------------------

READS = routes_where(lambda r: r.is_resource and r.action("GET") in ("list", "retrieve"))


@pytest.mark.parametrize("route", **READS)
def test_fields_naming_an_unknown_column_answers_unknown_field(api, admin_key, acme, acme_admin, route):
    obj = make(route, tenant=acme, user=acme_admin)
    query = {"fields": f"id,{UNKNOWN}"}
    url = route.url_for(obj, query) if route.is_object else route.url(query)
    response = api(admin_key).get(url)
    assert_error(response, 400, "unknown_field")
    assert UNKNOWN in response.json()["error"]["message"]


@pytest.mark.parametrize("route", **READS)
def test_fields_naming_known_columns_returns_those(api, admin_key, acme, acme_admin, route):
    obj = make(route, tenant=acme, user=acme_admin)
    url = route.url_for(obj, {"fields": "id"}) if route.is_object else route.url({"fields": "id"})
    response = api(admin_key).get(url)
    assert response.status_code == 200, body_text(response)[:500]
    body = response.json()
    shown = body if route.is_object else body["results"][0]
    assert set(shown) == {"id"}


def test_fields_take_an_alias(api, acme_key, acme, acme_admin):
    from extensions.models import Extension

    make(next(r for r in ROUTES if r.name == "extension-list"), tenant=acme, user=acme_admin)
    assert Extension.objects.exists()
    results = api(acme_key).get("/api/extensions/?fields=id,ex_number").json()["results"]
    assert set(results[0]) == {"id", "number"}


def test_ordering_by_an_unknown_field_answers_unknown_field(api, acme_key, acme):
    response = api(acme_key).get("/api/extensions/?ordering=-nmuber")
    assert_error(response, 400, "unknown_field")
    assert "number" in response.json()["error"]["accepted"]


# --- the schema ---------------------------------------------------------------------------


@pytest.fixture
def schema(openapi_schema):
    return openapi_schema


@pytest.mark.parametrize(
    ("route", "method"), **route_methods(methods=("GET", "POST", "PUT", "PATCH", "DELETE"))
)
def test_every_query_parameter_the_schema_documents_is_accepted(
    schema, api, admin_key, acme, acme_admin, route, method
):
    path_item = schema["paths"][route.openapi_path()]
    documented = {
        p["name"]
        for p in path_item[method.lower()].get("parameters", []) + path_item.get("parameters", [])
        if p["in"] == "query"
    }
    obj = make(route, tenant=acme, user=acme_admin)
    if isinstance(obj, get_user_model()):
        Membership.objects.create(user=obj, tenant=acme)  # so that ?tenant=ACME still reaches it
    # Values that keep the object made in reach: ACME's, and not only the global objects.
    sample = {"format": "json", "tenant": "ACME", "global": "no"}
    query = {name: sample.get(name, "1") for name in documented}
    url = route.url_for(obj, query) if route.is_object else route.url(query)
    response = send(api(admin_key), method, url, None)
    assert response.status_code != 404, body_text(response)[:300]
    if response.status_code == 400:
        assert response.json()["error"]["code"] != "unknown_parameter", response.json()["error"]["message"]


# An action set's list of tenant rows (GET /api/calls/) takes its filters and pages only.
ACTION_LISTS = routes_where(lambda r: r.is_action_set and r.is_list and r.name in ACTION_ROWS)


@pytest.mark.parametrize("route", **ACTION_LISTS)
def test_an_unknown_filter_of_an_action_sets_list_is_refused(api, admin_key, route):
    response = api(admin_key).get(route.url({"number__contains_typo": "1"}))
    assert_error(response, 400, "unknown_parameter")
    assert {"id", "page", "page_size", "format", "tenant"} <= set(response.json()["error"]["accepted"])


@pytest.mark.parametrize("route", **ACTION_LISTS)
def test_every_filter_and_page_parameter_of_an_action_sets_list_is_known(api, admin_key, route):
    view = route.view_class()
    names = set()
    for backend in view.filter_backends:
        names |= backend().query_parameters(view)
    paginator = view.pagination_class()
    names |= {paginator.page_query_param, paginator.page_size_query_param}
    refused = [
        name
        for name in sorted(names)
        if api(admin_key).get(route.url({name: "1"})).json().get("error", {}).get("code")
        == "unknown_parameter"
    ]
    assert refused == []
