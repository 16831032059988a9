"""The OpenAPI schema is valid and holds every route and method; the docs load offline."""

import re

import pytest
from django.contrib.staticfiles import finders
from openapi_spec_validator import validate

from tests.api.routes import ROUTES, route_methods


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi_3(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.")


@pytest.mark.parametrize(("route", "method"), **route_methods([r for r in ROUTES if r.is_resource]))
def test_every_route_and_method_is_in_the_schema(schema, route, method):
    assert route.openapi_path() in schema["paths"], route.openapi_path()
    assert method.lower() in schema["paths"][route.openapi_path()]


def test_every_operation_documents_the_error_envelope(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert "401" in operation["responses"] or path == "/api-auth/login/", (path, method)
            assert operation["responses"]["400"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_the_docs_pages_load_everything_from_this_server(client, db, page):
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    outside = re.findall(r"""(?:src|href)\s*=\s*["'](https?:)?//""", html)
    assert outside == []
    assets = re.findall(r"""(?:src|href)\s*=\s*["'](/static/[^"']+)["']""", html)
    assert assets, "the page references no local assets"
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not served"
