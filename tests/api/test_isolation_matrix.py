"""One tenant never sees, changes or learns of another's objects, on any route.

For every tenant-owned resource (its viewset has a `tenant_field`) an object is made in
GLOBEX by the model's factory, its user references pointing at GLOBEX's admin. Callers
reaching ACME only -- ACME's tenant key, a global key of ACME's minor admin, and a
platform admin's global key narrowed with ?tenant=ACME -- must find nothing of it on
any route and method, change nothing, and read none of its identifying values.
Platform resources (PlatformAdminOnly) refuse every tenant-bound caller with 403.
"""

import json

import pytest
from django.contrib.auth import get_user_model

from apikeys.models import ApiKey
from pbx.api.viewsets import PbxViewSet
from tests.api.routes import RESOURCES, ROUTES, route_methods, routes_where, with_query
from tests.api.support import (
    ACTION_ROWS,
    assert_error,
    assert_no_leak,
    body_text,
    csv_rows,
    factory_for,
    identifying_values,
    make,
    payload,
    row,
    rows_listed,
)
from tests.factories import FACTORIES, ApiKeyFactory

TENANT_OWNED_LISTS = routes_where(lambda r: r.is_tenant_owned and r.is_list)


def test_every_registered_resource_has_a_factory():
    missing = sorted(v.queryset.model.__name__ for v in RESOURCES if v.queryset.model not in FACTORIES)
    assert missing == [], f"add factories to tests/factories.py FACTORIES for: {missing}"


def test_every_resource_is_either_tenant_owned_or_platform_only():
    """A resource with no tenant field must be for platform admins only; otherwise the
    matrices could not tell what a tenant may reach."""
    unclassified = [str(r) for r in ROUTES if r.is_resource and not (r.is_tenant_owned or r.is_platform)]
    assert unclassified == []


def test_the_matrix_finds_tenant_owned_and_platform_resources():
    assert any(r.is_tenant_owned for r in ROUTES) and any(r.is_platform for r in ROUTES)
    assert all(issubclass(viewset, PbxViewSet) for viewset in RESOURCES)


# --- callers that reach ACME and not GLOBEX ---------------------------------------------


class Caller:
    """A client plus the query its requests carry (a global key's ?tenant=ACME)."""

    def __init__(self, client, query=None, reaches_globex=False):
        self.client, self.query, self.reaches_globex = client, query or {}, reaches_globex

    def url(self, url, **extra):
        return with_query(url, {**self.query, **extra})

    def send(self, method, url, body=None, **extra):
        data = None if body is None else json.dumps(body)
        return self.client.generic(
            method, self.url(url, **extra), data=data or "", content_type="application/json"
        )


@pytest.fixture(params=["acme-tenant-key", "acme-admin-global-key", "admin-key-narrowed-to-ACME"])
def acme_caller(request, api, acme):
    if request.param == "acme-tenant-key":
        return Caller(api(request.getfixturevalue("acme_key")))
    if request.param == "acme-admin-global-key":
        return Caller(api(request.getfixturevalue("acme_admin_global_key")))
    return Caller(api(request.getfixturevalue("admin_key")), {"tenant": "ACME"}, reaches_globex=True)


@pytest.fixture(params=["acme-tenant-key", "acme-admin-global-key"])
def tenant_bound_caller(request, api):
    """Callers whose credentials cannot reach GLOBEX at all."""
    key = request.getfixturevalue(
        "acme_key" if request.param == "acme-tenant-key" else "acme_admin_global_key"
    )
    return Caller(api(key))


@pytest.fixture
def theirs(globex, globex_admin):
    """theirs(route): an object of the route's resource in GLOBEX, owned by GLOBEX's admin."""

    def make_theirs(route):
        return make(route, tenant=globex, user=globex_admin)

    return make_theirs


# --- lists ------------------------------------------------------------------------------


@pytest.mark.parametrize("route", **TENANT_OWNED_LISTS)
def test_a_list_does_not_show_another_tenants_object(acme_caller, theirs, route):
    obj = theirs(route)
    response = acme_caller.send("GET", route.url(), page_size=1000)
    assert response.status_code == 200
    assert obj.pk not in {item["id"] for item in response.json()["results"]}
    assert_no_leak(response, identifying_values(route, obj))


@pytest.mark.parametrize("route", **TENANT_OWNED_LISTS)
def test_a_csv_list_does_not_show_another_tenants_object(acme_caller, theirs, route):
    obj = theirs(route)
    response = acme_caller.send("GET", route.url(), format="csv", page_size="all")
    assert response.status_code == 200
    _header, rows = csv_rows(response)
    assert str(obj.pk) not in {r["id"] for r in rows}
    assert_no_leak(response, identifying_values(route, obj))


@pytest.mark.parametrize(
    "route",
    **routes_where(lambda r: r.is_tenant_owned and r.is_list and getattr(r.viewset, "search_fields", None)),
)
def test_searching_for_another_tenants_object_finds_nothing(acme_caller, theirs, route):
    obj = theirs(route)
    values = identifying_values(route, obj)
    for value in values.values():
        response = acme_caller.send("GET", route.url(), search=value)
        assert response.status_code == 200
        assert rows_listed(response) == 0, value


# --- filters that take an id -----------------------------------------------------------


def id_filters(route):
    """(filter name, model whose ids it takes) for each filter of the list that takes an
    object's id: foreign keys (`?extension=`), their `_id` spellings (`?campaign_id=`) and
    the list's own `?id=`."""
    filterset = getattr(route.viewset, "filterset_class", None)
    if filterset is None:
        return []
    found = []
    for name, declared in filterset.base_filters.items():
        model = route.model
        path = declared.field_name.split("__")
        path[-1] = path[-1].removesuffix("_id")
        try:
            for part in path:
                field = model._meta.get_field(part)
                model = field.related_model if field.is_relation else None
        except Exception:
            continue  # a filter with a method, or on a column of its own
        if (
            model is not None
            and declared.lookup_expr in ("exact", "in")
            and (field.is_relation or part == "id")
        ):
            found.append((name, model))
    return found


ID_FILTERS = [
    (route, name, model) for route in TENANT_OWNED_LISTS["argvalues"] for name, model in id_filters(route)
]


def test_the_id_filter_matrix_finds_the_reference_filters():
    names = {(str(route), name) for route, name, _model in ID_FILTERS}
    assert {("voicemail-list", "extension"), ("callrecord-list", "trunk"), ("device-list", "user")} <= names


@pytest.mark.parametrize(
    ("route", "name", "model"), ID_FILTERS, ids=[f"{route}-{name}" for route, name, _model in ID_FILTERS]
)
def test_filtering_by_another_tenants_id_answers_like_an_id_that_does_not_exist(
    acme_caller, globex, globex_admin, route, name, model
):
    if model is get_user_model():
        theirs_id = globex_admin.pk
    else:
        tenant_field = next((f.name for f in model._meta.concrete_fields if f.name == "tenant"), None)
        kwargs = {tenant_field: globex} if tenant_field else {}
        theirs_id = factory_for(model).create(**kwargs).pk
    missing_id = (model._default_manager.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    with_theirs = acme_caller.send("GET", route.url(), **{name: theirs_id})
    with_missing = acme_caller.send("GET", route.url(), **{name: missing_id})
    assert with_theirs.status_code == with_missing.status_code == 200, body_text(with_theirs)[:500]
    assert with_theirs.json() == with_missing.json()
    assert rows_listed(with_theirs) == 0


# --- one object, by every route that addresses it ---------------------------------------


def write_body(route, method):
    return payload(route) if method in ("PUT", "PATCH") else None


@pytest.mark.parametrize(("route", "method"), **route_methods(lambda r: r.is_tenant_owned and r.is_object))
def test_another_tenants_object_answers_404_on_every_method(acme_caller, theirs, route, method):
    obj = theirs(route)
    before = row(obj)
    url = route.url_for(obj)
    body = write_body(route, method)
    response = acme_caller.send(method, url, body)
    assert_error(response, 404, "not_found")
    assert row(obj) == before, "the object was changed or deleted"
    assert_no_leak(response, identifying_values(route, obj), sent=url + json.dumps(body))


@pytest.mark.parametrize(("route", "method"), **route_methods(lambda r: r.is_tenant_owned and r.is_object))
def test_the_same_request_on_an_own_object_succeeds(acme_caller, acme, acme_admin, route, method):
    """The control of the test above: the 404 comes from the tenant, not the request."""
    mine = make(route, tenant=acme, user=acme_admin)
    response = acme_caller.send(method, route.url_for(mine), write_body(route, method))
    assert response.status_code in (200, 204), body_text(response)[:500]


# --- bulk writes ------------------------------------------------------------------------


def bulk_body(route, method, obj):
    return [{"id": obj.pk, **payload(route)}] if method == "PATCH" else [{"id": obj.pk}]


@pytest.mark.parametrize(
    ("route", "method"), **route_methods(lambda r: r.is_tenant_owned and r.is_list, ("PATCH", "DELETE"))
)
def test_a_bulk_write_naming_another_tenants_object_answers_404_and_writes_nothing(
    acme_caller, theirs, acme, acme_admin, route, method
):
    obj = theirs(route)
    mine = make(route, tenant=acme, user=acme_admin)
    before, mine_before = row(obj), row(mine)
    body = bulk_body(route, method, mine) + bulk_body(route, method, obj)
    response = acme_caller.send(method, route.url(), body)
    assert_error(response, 404, "not_found")
    assert row(obj) == before and row(mine) == mine_before, "a bulk write is all or nothing"
    assert_no_leak(response, identifying_values(route, obj), sent=json.dumps(body))


@pytest.mark.parametrize(
    ("route", "method"), **route_methods(lambda r: r.is_tenant_owned and r.is_list, ("PATCH", "DELETE"))
)
def test_the_same_bulk_write_on_own_objects_succeeds(acme_caller, acme, acme_admin, route, method):
    mine = make(route, tenant=acme, user=acme_admin)
    response = acme_caller.send(method, route.url(), bulk_body(route, method, mine))
    assert response.status_code in (200, 204), body_text(response)[:500]


# --- naming the other tenant ------------------------------------------------------------


@pytest.mark.parametrize("route", **TENANT_OWNED_LISTS)
def test_a_list_narrowed_to_another_tenant_answers_tenant_not_found(tenant_bound_caller, globex, route):
    response = tenant_bound_caller.send("GET", route.url(), tenant="GLOBEX")
    assert_error(response, 404, "tenant_not_found")


@pytest.mark.parametrize("route", **TENANT_OWNED_LISTS)
def test_a_missing_tenant_answers_like_another_tenant(tenant_bound_caller, route):
    response = tenant_bound_caller.send("GET", route.url(), tenant="NOSUCHTENANT")
    assert_error(response, 404, "tenant_not_found")


@pytest.mark.parametrize("route", **TENANT_OWNED_LISTS)
def test_naming_another_tenant_by_id_answers_tenant_not_found(tenant_bound_caller, globex, route):
    response = tenant_bound_caller.send("GET", route.url(), tenant=str(globex.pk))
    assert_error(response, 404, "tenant_not_found")
    assert "GLOBEX" not in body_text(response)


CREATING_LISTS = routes_where(lambda r: r.is_tenant_owned and r.is_list and "POST" in r.methods)


@pytest.mark.parametrize("where", ["query", "body", "bulk-body"])
@pytest.mark.parametrize("route", **CREATING_LISTS)
def test_creating_in_another_tenant_answers_tenant_not_found(tenant_bound_caller, globex, route, where):
    count = route.model._default_manager.count()
    if where == "query":
        response = tenant_bound_caller.send("POST", route.url(), payload(route), tenant="GLOBEX")
    elif where == "body":
        response = tenant_bound_caller.send("POST", route.url(), payload(route, "GLOBEX"))
    else:  # an array: the own tenant's object first, so that all or none is tested too
        body = [payload(route, "ACME"), payload(route, "GLOBEX")]
        response = tenant_bound_caller.send("POST", route.url(), body)
    assert_error(response, 404, "tenant_not_found")
    assert route.model._default_manager.count() == count


@pytest.mark.parametrize("route", **CREATING_LISTS)
def test_a_narrowed_global_key_cannot_create_in_another_tenant_through_the_body(
    api, admin_key, acme, globex, route
):
    count = route.model._default_manager.count()
    caller = Caller(api(admin_key), {"tenant": "ACME"})
    response = caller.send("POST", route.url(), payload(route, "GLOBEX"))
    assert response.status_code == 400 and "tenant" in response.json()["error"]["fields"]
    assert route.model._default_manager.count() == count


@pytest.mark.parametrize("route", **CREATING_LISTS)
def test_the_same_creation_in_the_own_tenant_succeeds(acme_caller, route):
    """The control of the tests above: the body is valid, only the tenant is refused."""
    response = acme_caller.send("POST", route.url(), payload(route, "ACME"))
    assert response.status_code == 201, body_text(response)[:500]
    assert response.json()["tenant"] == "ACME"


# --- platform resources -----------------------------------------------------------------

TENANT_BOUND_KEYS = ["acme_key", "acme_admin_global_key", "acme_user_key"]


@pytest.mark.parametrize("key_name", TENANT_BOUND_KEYS)
@pytest.mark.parametrize(("route", "method"), **route_methods(lambda r: r.is_platform))
def test_platform_routes_refuse_every_method_to_tenant_bound_callers(
    request, db, api, key_name, route, method
):
    obj = make(route)
    before = row(obj)
    url = route.url_for(obj) if route.is_object else route.url()
    body = payload(route) if method in ("POST", "PUT", "PATCH") else None
    if route.is_list and method in ("PATCH", "DELETE"):
        body = bulk_body(route, method, obj)
    response = api(request.getfixturevalue(key_name)).generic(
        method, url, data=json.dumps(body) if body is not None else "", content_type="application/json"
    )
    assert_error(response, 403, "permission_denied")
    assert row(obj) == before


# --- API keys: everyone manages their own -----------------------------------------------

API_KEY_ROUTES = routes_where(lambda r: r.is_resource and r.model is ApiKey and r.is_object)
API_KEYS_LIST = next(r for r in ROUTES if r.is_resource and r.model is ApiKey and r.is_list)


@pytest.fixture
def globex_admin_global_key(globex_admin):
    return ApiKeyFactory(owner=globex_admin, name="globex admin global key")


@pytest.fixture
def acme_colleague_key(acme_user, acme):
    return ApiKeyFactory(owner=acme_user, tenant=acme, name="acme colleague key")


@pytest.mark.parametrize("key_name", ["globex_admin_global_key", "acme_colleague_key"])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@pytest.mark.parametrize("route", **API_KEY_ROUTES)
def test_a_minor_admin_cannot_reach_other_users_keys(
    request, api, acme_key, acme_admin_global_key, route, method, key_name
):
    other = request.getfixturevalue(key_name)
    before = row(other)
    for own in (acme_key, acme_admin_global_key):
        body = json.dumps({"name": "taken over"}) if method == "PATCH" else ""
        response = api(own).generic(method, route.url_for(other), data=body, content_type="application/json")
        assert_error(response, 404, "not_found")
    assert row(other) == before
    listed = api(acme_admin_global_key).get(API_KEYS_LIST.url({"page_size": 1000})).json()["results"]
    assert other.prefix not in {item["prefix"] for item in listed}


def test_a_platform_admin_sees_every_users_keys(api, admin_key, globex_admin_global_key, acme_colleague_key):
    listed = api(admin_key).get(API_KEYS_LIST.url({"page_size": 1000})).json()["results"]
    assert {globex_admin_global_key.prefix, acme_colleague_key.prefix} <= {item["prefix"] for item in listed}


@pytest.mark.parametrize("route", **TENANT_OWNED_LISTS)
def test_the_leak_check_would_see_the_object_in_a_list_that_reaches_it(api, admin_key, theirs, route):
    """The control of the leak checks: listed to a caller who may see it, the object's
    identifying values are in the answer, and the check says so."""
    obj = theirs(route)
    response = api(admin_key).get(route.url({"page_size": 1000}))
    with pytest.raises(AssertionError, match="reveals"):
        assert_no_leak(response, identifying_values(route, obj))


# --- action sets' lists of tenant rows (GET /api/calls/) ---------------------------------

# An action set's list that reads tenants' rows scopes them as a resource's list does.
ACTION_LISTS = routes_where(lambda r: r.is_action_set and r.is_list and r.name in ACTION_ROWS)


@pytest.mark.parametrize("format_", ["json", "csv"])
@pytest.mark.parametrize("route", **ACTION_LISTS)
def test_an_action_sets_list_does_not_show_another_tenants_row(acme_caller, theirs, route, format_):
    obj = theirs(route)
    response = acme_caller.send("GET", route.url(), page_size=1000, format=format_)
    assert response.status_code == 200
    listed = (
        {r["id"] for r in csv_rows(response)[1]}
        if format_ == "csv"
        else {str(item["id"]) for item in response.json()["results"]}
    )
    assert str(obj.pk) not in listed


@pytest.mark.parametrize("tenant", ["GLOBEX", "NOSUCHTENANT", "globex-by-id"])
@pytest.mark.parametrize("route", **ACTION_LISTS)
def test_an_action_sets_list_narrowed_to_another_tenant_answers_tenant_not_found(
    tenant_bound_caller, globex, route, tenant
):
    named = str(globex.pk) if tenant == "globex-by-id" else tenant
    response = tenant_bound_caller.send("GET", route.url(), tenant=named)
    assert_error(response, 404, "tenant_not_found")
    assert "GLOBEX" not in body_text(response) or tenant == "GLOBEX"
