"""One tenant never sees, changes or learns of another's objects, on every route.

For each tenant-owned resource an object is made in GLOBEX with the model's factory;
ACME's tenant key, and a global key narrowed to ACME, must not reach it in any way.
"""

import pytest

from tests.api.routes import ROUTES, routes_where
from tests.factories import FACTORIES

TENANT_OWNED = [r for r in ROUTES if r.is_tenant_owned]


def make_in(tenant, route, owner):
    factory = FACTORIES.get(route.model)
    assert factory is not None, (
        f"{route.model.__name__} is registered in the API but has no factory in FACTORIES"
    )
    extra = {"owner": owner} if hasattr(route.model, "owner") else {}
    return factory(tenant=tenant, **extra)


def test_every_registered_model_has_a_factory():
    missing = sorted({r.model.__name__ for r in ROUTES if r.is_resource and r.model not in FACTORIES})
    assert missing == []


@pytest.fixture(params=["acme_key", "admin_key_narrowed"])
def acme_caller(request, api, acme_key, admin_key):
    """(client, query suffix): ACME's tenant key, or a global key with ?tenant=ACME."""
    if request.param == "acme_key":
        return api(acme_key), ""
    return api(admin_key), "?tenant=ACME"


def ids_in(response):
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("route", **routes_where(lambda r: r.is_tenant_owned and r.kind == "list"))
def test_a_list_does_not_show_another_tenants_objects(acme_caller, route, globex, globex_admin):
    client, suffix = acme_caller
    theirs = make_in(globex, route, globex_admin)
    response = client.get(route.url() + suffix)
    assert response.status_code == 200
    assert theirs.pk not in ids_in(response)
    csv = client.get(route.url() + (suffix + "&" if suffix else "?") + "format=csv&page_size=all")
    assert f"\r\n{theirs.pk}," not in csv.getvalue().decode()


@pytest.mark.parametrize("route", **routes_where(lambda r: r.is_tenant_owned and r.kind == "detail"))
def test_every_detail_method_answers_404_for_another_tenants_object(acme_caller, route, globex, globex_admin):
    client, suffix = acme_caller
    theirs = make_in(globex, route, globex_admin)
    before = route.model.objects.filter(pk=theirs.pk).values().get()
    for method in route.methods:
        response = client.generic(
            method,
            route.url(pk=theirs.pk) + suffix,
            data='{"name": "stolen"}',
            content_type="application/json",
        )
        assert response.status_code == 404, (method, response.content)
        assert response.json()["error"]["code"] == "not_found"
    assert route.model.objects.filter(pk=theirs.pk).values().get() == before


@pytest.mark.parametrize("route", **routes_where(lambda r: r.is_tenant_owned and r.kind == "list"))
def test_bulk_writes_answer_404_for_another_tenants_object(acme_caller, route, globex, globex_admin):
    client, suffix = acme_caller
    theirs = make_in(globex, route, globex_admin)
    before = route.model.objects.filter(pk=theirs.pk).values().get()
    for method in {"PATCH", "DELETE"} & set(route.methods):
        response = client.generic(
            method,
            route.url() + suffix,
            data=f'[{{"id": {theirs.pk}, "name": "stolen"}}]',
            content_type="application/json",
        )
        assert response.status_code == 404, (method, response.content)
    assert route.model.objects.filter(pk=theirs.pk).values().get() == before


@pytest.mark.parametrize("route", **routes_where(lambda r: r.is_tenant_owned and r.kind == "by_number"))
def test_the_number_route_answers_404_for_another_tenants_number(acme_caller, route, globex, globex_admin):
    client, suffix = acme_caller
    theirs = make_in(globex, route, globex_admin)
    for method in route.methods:
        response = client.generic(
            method, route.url(number=theirs.number) + suffix, data="{}", content_type="application/json"
        )
        assert response.status_code == 404, (method, response.content)
    assert route.model.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("route", **routes_where(lambda r: r.is_tenant_owned and r.kind == "list"))
def test_naming_another_tenant_answers_tenant_not_found(api, acme_key, route, globex):
    client = api(acme_key)
    assert client.get(route.url() + "?tenant=GLOBEX").json()["error"]["code"] == "tenant_not_found"
    if "POST" in route.methods:
        count = route.model.objects.count()
        for url, body in ((route.url() + "?tenant=GLOBEX", {}), (route.url(), {"tenant": "GLOBEX"})):
            response = client.post(url, {"number": "555", "name": "x", **body}, format="json")
            assert response.status_code == 404, response.content
            assert response.json()["error"]["code"] == "tenant_not_found"
        assert route.model.objects.count() == count


@pytest.mark.parametrize("route", **routes_where(lambda r: r.is_tenant_owned and r.kind == "list"))
def test_a_missing_tenant_answers_like_a_forbidden_one(api, acme_key, route):
    response = api(acme_key).get(route.url() + "?tenant=NOSUCHTENANT")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "tenant_not_found"


@pytest.mark.parametrize("key_name", ["acme_key", "acme_user_key"])
@pytest.mark.parametrize("route", **routes_where(lambda r: r.is_platform))
def test_platform_routes_refuse_tenant_credentials_on_every_method(request, api, route, key_name):
    client = api(request.getfixturevalue(key_name))
    for method in route.methods:
        response = client.generic(method, route.url(), data="{}", content_type="application/json")
        assert response.status_code == 403, (method, response.content)
        assert response.json()["error"]["code"] == "permission_denied"
