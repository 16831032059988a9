"""The OpenAPI schema is valid and documents every route of the router with every method
it answers, and nothing that is not served; the docs pages load from this server alone
(their assets collected and served by whitenoise, as in production)."""

import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import resolve
from openapi_spec_validator import validate

from pbx.api.views import endpoint_not_found
from tests.api.routes import ROUTES, SAMPLE_VALUES, route_methods

DOCUMENTED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")  # OPTIONS and HEAD are implicit


@pytest.fixture
def schema(openapi_schema):
    return openapi_schema


def operation(schema, route, method):
    path_item = schema["paths"].get(route.openapi_path())
    assert path_item is not None, f"{route.openapi_path()} is not in the schema"
    assert method.lower() in path_item, f"{method} {route.openapi_path()} is not in the schema"
    return path_item[method.lower()]


def test_the_schema_is_valid_openapi_3(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.")


@pytest.mark.parametrize(("route", "method"), **route_methods(methods=DOCUMENTED_METHODS))
def test_every_route_and_method_is_in_the_schema(schema, route, method):
    operation(schema, route, method)


@pytest.mark.parametrize(
    ("route", "method"), **route_methods(lambda r: r.is_object, methods=DOCUMENTED_METHODS)
)
def test_every_path_placeholder_is_a_documented_path_parameter(schema, route, method):
    documented = {
        p["name"]
        for p in operation(schema, route, method).get("parameters", [])
        + schema["paths"][route.openapi_path()].get("parameters", [])
        if p["in"] == "path"
    }
    assert set(re.findall(r"{(\w+)}", route.openapi_path())) == documented


@pytest.mark.parametrize(
    ("route", "method"), **route_methods(lambda r: r.is_tenant_owned, DOCUMENTED_METHODS)
)
def test_tenant_owned_operations_document_the_tenant_parameter(schema, route, method):
    names = {p["name"] for p in operation(schema, route, method).get("parameters", []) if p["in"] == "query"}
    assert "tenant" in names


def test_the_schema_documents_nothing_that_is_not_served(schema):
    router_paths = {route.openapi_path() for route in ROUTES}
    for path in schema["paths"]:
        if path in router_paths:
            continue
        concrete = re.sub(r"{(\w+)}", lambda m: SAMPLE_VALUES.get(m.group(1), "1"), path)
        assert resolve(concrete).func is not endpoint_not_found, f"{path} is documented but not served"


def test_times_of_day_are_documented_as_the_api_writes_them(schema):
    """`format: time` is RFC 3339's, with an offset; our times of day have none."""
    text = str(schema)
    assert "'format': 'time'" not in text
    window_start = schema["components"]["schemas"]["Campaign"]["properties"]["window_start"]
    for written in ("09:00", "09:00:00", "23:59:59.5"):
        assert re.match(window_start["pattern"], written)
    assert not re.match(window_start["pattern"], "09:00:00Z")


def test_every_operation_documents_the_error_envelope(schema):
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method not in {m.lower() for m in DOCUMENTED_METHODS}:
                continue
            for status in ("400", "404", "405", "413", "429"):
                content = op["responses"][status]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, method, status)
            assert "401" in op["responses"] or path == "/api-auth/login/", (path, method)
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert set(error["properties"]["error"]["required"]) == {"code", "message"}


# --- the docs pages ---------------------------------------------------------------------

DOCS_PAGES = ["/api/docs/", "/api/redoc/"]
LOCAL_HOSTS = {"testserver", "localhost", "127.0.0.1"}


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory):
    """STATIC_ROOT filled by collectstatic, as `make run` does; whitenoise serves it."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


def referenced_urls(html):
    """Every URL the page makes the browser load or link to: attributes and inline code."""
    urls = re.findall(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']""", html)
    urls += re.findall(r"""(?:https?:)?//[A-Za-z0-9.\-]+(?::\d+)?[^\s"'`<>)]*""", html)
    urls += re.findall(r"""url\s*:\s*["']([^"']+)["']""", html)
    return urls


@pytest.mark.parametrize("page", DOCS_PAGES)
def test_the_docs_page_loads(client, db, page):
    response = client.get(page)
    assert response.status_code == 200
    assert "text/html" in response["Content-Type"]


@pytest.mark.parametrize("page", DOCS_PAGES)
def test_the_docs_page_names_no_other_host(client, db, page):
    html = client.get(page).content.decode()
    outside = [url for url in referenced_urls(html) if urlsplit(url).netloc not in LOCAL_HOSTS | {""}]
    assert outside == []


@pytest.mark.parametrize("page", DOCS_PAGES)
def test_every_asset_of_the_docs_page_is_served_by_this_server(db, collected_static, page):
    client = Client()  # a new client, so that whitenoise scans the collected files
    html = client.get(page).content.decode()
    assets = [
        url for url in referenced_urls(html) if url.startswith("/") and not url.startswith("/api/schema/")
    ]
    assert assets, "the page references no local assets"
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, f"{asset} is not served"
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 0, f"{asset} is empty"


def test_the_redoc_bundle_fetches_no_image_from_another_host(client, db):
    """Redoc draws Redocly's logo from their CDN; the bundle pbx serves leaves it out."""
    html = client.get("/api/redoc/").content.decode()
    (bundle,) = [url for url in referenced_urls(html) if url.endswith(".js")]
    script = client.get(bundle).content.decode()
    assert "Redoc.init" in html or "<redoc" in html
    assert re.findall(r"""src\s*:\s*["'](?:https?:)?//[^"']*""", script) == []
    assert "cdn.redoc.ly" not in script


@pytest.mark.parametrize("page", DOCS_PAGES)
def test_the_schema_the_docs_page_loads_is_served(client, db, page):
    html = client.get(page).content.decode()
    schema_urls = [url for url in referenced_urls(html) if url.startswith("/api/schema/")]
    assert schema_urls
    for url in schema_urls:
        assert client.get(url).status_code == 200


def _properties(node, path=""):
    """Every (path, schema) of a property in the schema document."""
    if isinstance(node, dict):
        for name, child in node.get("properties", {}).items():
            yield f"{path}.{name}", child
        for key, child in node.items():
            yield from _properties(child, f"{path}/{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _properties(child, f"{path}[{index}]")


def test_no_blankable_field_documents_an_empty_string_twice(schema):
    """A blank-allowed text field with a pattern is documented as oneOf [pattern, empty]:
    if the pattern also matches "", an empty value is valid under both, which oneOf
    forbids, so clients validating our answers reject them."""
    ambiguous = [
        path
        for path, prop in _properties(schema["components"])
        for option in prop.get("oneOf", [])
        if "pattern" in option
        and any(o.get("maxLength") == 0 for o in prop["oneOf"])
        and re.search(option["pattern"], "")
    ]
    assert ambiguous == []


# --- security schemes and tags ----------------------------------------------------------

EVERY_CREDENTIAL = {"ApiKeyHeader", "Bearer", "Token", "ApiKeyQuery", "Basic", "Session"}


def documented_operations(schema):
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method in {m.lower() for m in DOCUMENTED_METHODS}:
                yield path, method, op


def test_every_credential_style_is_a_security_scheme(schema):
    schemes = schema["components"]["securitySchemes"]
    assert set(schemes) == EVERY_CREDENTIAL
    assert schemes["ApiKeyHeader"] == schemes["ApiKeyHeader"] | {"in": "header", "name": "X-API-Key"}
    assert schemes["Bearer"]["scheme"] == "bearer"
    assert schemes["Token"] == schemes["Token"] | {"in": "header", "name": "Authorization"}
    assert schemes["ApiKeyQuery"] == schemes["ApiKeyQuery"] | {"in": "query", "name": "key"}
    assert schemes["Basic"]["scheme"] == "basic"
    assert schemes["Session"]["in"] == "cookie"


def test_every_authenticated_operation_takes_any_one_credential(schema):
    """Each requirement object names one scheme: they are alternatives (OR), not a set
    of credentials to send together (AND)."""
    for path, method, op in documented_operations(schema):
        if path == "/api-auth/login/":
            continue
        security = op["security"]
        assert all(len(requirement) == 1 for requirement in security), (path, method, security)
        assert {name for requirement in security for name in requirement} == EVERY_CREDENTIAL, (path, method)


def test_the_key_in_the_query_is_not_documented_when_it_is_refused(db, settings):
    settings.PBX_ALLOW_KEY_IN_QUERY = False
    schema = Client().get("/api/schema/?format=json").json()
    assert "ApiKeyQuery" not in schema["components"]["securitySchemes"]
    assert {"ApiKeyQuery": []} not in schema["paths"]["/api/extensions/"]["get"]["security"]


@pytest.mark.parametrize(("route", "method"), **route_methods(methods=DOCUMENTED_METHODS))
def test_every_operation_is_tagged_with_its_resource(schema, route, method):
    prefix = route.path.removeprefix("/api/").split("/")[0] or "api"
    assert operation(schema, route, method)["tags"] == [prefix]


def test_every_tag_is_described_and_in_exactly_one_group(schema):
    used = {tag for _path, _method, op in documented_operations(schema) for tag in op["tags"]}
    described = {tag["name"]: tag.get("description") for tag in schema["tags"]}
    assert set(described) == used
    assert all(described.values()), [name for name, text in described.items() if not text]
    grouped = [tag for group in schema["x-tagGroups"] for tag in group["tags"]]
    assert sorted(grouped) == sorted(used)


def test_tags_are_grouped_by_app(schema):
    groups = {group["name"]: set(group["tags"]) for group in schema["x-tagGroups"]}
    assert {"extensions", "voicemails"} <= groups["Extensions"]
    assert {"hunt-lists", "dids", "trunks"} <= groups["Routing"]
    assert groups["Call detail records"] == {"cdrs"}
    assert "login" in groups["API keys and users"]


# --- what the schema declares of paths, bodies and actions ------------------------------


@pytest.mark.parametrize(
    ("route", "method"), **route_methods(lambda r: "{pk}" in r.path, methods=DOCUMENTED_METHODS)
)
def test_a_path_id_is_documented_as_an_integer(schema, route, method):
    (param,) = [
        p for p in operation(schema, route, method)["parameters"] if p["in"] == "path" and p["name"] == "id"
    ]
    assert param["schema"]["type"] == "integer"


@pytest.mark.parametrize(
    ("route", "method"), **route_methods(lambda r: r.action("DELETE") == "bulk_destroy", ("DELETE",))
)
def test_a_bulk_delete_documents_its_array_of_ids(schema, route, method):
    body = operation(schema, route, method)["requestBody"]
    assert body["required"] is True
    items = body["content"]["application/json"]["schema"]["items"]
    element = schema["components"]["schemas"][items["$ref"].rsplit("/", 1)[1]]
    assert element["required"] == ["id"] and element["properties"]["id"]["type"] == "integer"


def test_call_statistics_document_ring_and_talk_times(schema):
    properties = schema["components"]["schemas"]["CallStatistics"]["properties"]
    for name in ("ring_seconds", "talk_seconds"):
        times = schema["components"]["schemas"][properties[name]["$ref"].rsplit("/", 1)[1]]
        assert set(times["properties"]) == {"average", "longest"}


@pytest.mark.parametrize("path", ["/api/cdrs/stats/", "/api/cdrs/download/"])
def test_the_cdr_actions_document_the_list_filters(schema, path):
    listed = {p["name"] for p in schema["paths"]["/api/cdrs/"]["get"]["parameters"]}
    documented = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
    filters = listed - {"cursor", "page_size", "fields", "format", "nojson"}
    assert {"start__gte", "extension", "disposition", "start_stamp__gte"} <= filters
    assert filters <= documented


def test_bulk_changes_document_no_list_filters(schema):
    for method in ("patch", "delete"):
        names = {p["name"] for p in schema["paths"]["/api/extensions/"][method]["parameters"]}
        assert not names & {"search", "ordering", "number__startswith", "page"}, method
