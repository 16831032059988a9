"""The schema holds what the API really does: every operation is called for real, and
every field of its JSON answer is declared in the schema's response for that status, and
every query parameter the view reads is a declared parameter of the operation.

Which parameters a view reads is observed, not listed: the request's query dict records
every name looked up while the request is served (paging, `fields`, `force`, `dry_run`
...), so a parameter a view starts to read without declaring it fails here. An operation
that runs the list's filter backends (a list, an export, statistics) must declare every
filter, search and ordering parameter of the list. Looking one object up also passes
through the filter backends (DRF's get_object); the list's filters are not that
operation's parameters, so what is read there is not counted.
"""

import json

import pytest
from django.http import QueryDict
from rest_framework.generics import GenericAPIView

from tests.api.routes import route_methods
from tests.api.support import ACTION_BODIES, ACTION_QUERIES, body_for, make, payload

# Names read on every request that the schema documents elsewhere: the API key in the
# query is a security scheme (ApiKeyQuery).
NOT_PARAMETERS = {"key"}

# What a successful call of an operation needs, by URL name: query parameters (from the
# object the test made) and a body.
QUERIES = {
    "outboundroute-match": lambda obj: {"number": "5551234", "tenant": "ACME"},
    "setting-effective": lambda obj: {"tenant": "ACME"},
    "campaignnumber-import": lambda obj: {"campaign": obj.campaign_id},
}
BODIES = {}


@pytest.fixture
def schema(openapi_schema):
    return openapi_schema


def resolve(schema, node):
    while isinstance(node, dict) and "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def undeclared(schema, value, node, where="$"):
    """The places in `value` (a JSON answer) that `node` (its schema) does not declare:
    object keys it does not name, and values of another JSON type."""
    node = resolve(schema, node)
    if not isinstance(node, dict) or not node:
        return []
    if value is None:
        return (
            []
            if node.get("nullable") or ("type" not in node and not node.get("allOf"))
            else [f"{where}: null"]
        )
    for combinator in ("oneOf", "anyOf"):
        if combinator in node:
            found = [undeclared(schema, value, option, where) for option in node[combinator]]
            return min(found, key=len)
    if "allOf" in node:
        merged = {"type": "object", "properties": {}, "nullable": node.get("nullable", False)}
        for part in node["allOf"]:
            part = resolve(schema, part)
            merged["properties"].update(part.get("properties", {}))
            merged.setdefault("additionalProperties", part.get("additionalProperties"))
            merged["type"] = part.get("type", merged["type"])
        node = merged if merged["properties"] else resolve(schema, node["allOf"][0])
    kind = node.get("type")
    json_kind = {dict: "object", list: "array", str: "string", bool: "boolean"}.get(type(value))
    if json_kind is None:
        json_kind = "integer" if isinstance(value, int) else "number"
    if kind and kind != json_kind and not (kind == "number" and json_kind == "integer"):
        return [f"{where}: {json_kind}, documented as {kind}"]
    if isinstance(value, dict):
        properties = node.get("properties", {})
        extra = node.get("additionalProperties")
        problems = []
        for name, item in value.items():
            if name in properties:
                problems += undeclared(schema, item, properties[name], f"{where}.{name}")
            elif isinstance(extra, dict):
                problems += undeclared(schema, item, extra, f"{where}.{name}")
            elif properties and not extra:
                problems.append(f"{where}.{name}: not in the schema")
        return problems
    if isinstance(value, list) and "items" in node:
        return [
            p
            for index, item in enumerate(value)
            for p in undeclared(schema, item, node["items"], f"{where}[{index}]")
        ]
    return []


class Reads(set):
    """The query parameter names looked up while a request is served, and whether the
    view filtered a list (outside of looking one object up)."""

    filtered_a_list = False
    looking_up = False


@pytest.fixture
def read_names(monkeypatch):
    names = Reads()
    for method in ("get", "getlist", "__getitem__", "__contains__"):
        original = getattr(QueryDict, method)

        def recording(self, key, *args, _original=original, **kwargs):
            if not names.looking_up:
                names.add(key)
            return _original(self, key, *args, **kwargs)

        monkeypatch.setattr(QueryDict, method, recording)
    get_object, filter_queryset = GenericAPIView.get_object, GenericAPIView.filter_queryset

    def looking_up(view):
        names.looking_up = True
        try:
            return get_object(view)
        finally:
            names.looking_up = False

    def filtering(view, queryset):
        names.filtered_a_list = names.filtered_a_list or not names.looking_up
        return filter_queryset(view, queryset)

    monkeypatch.setattr(GenericAPIView, "get_object", looking_up)
    monkeypatch.setattr(GenericAPIView, "filter_queryset", filtering)
    return names


def list_parameters(viewset):
    """The parameters of the list's filter backends: its filters, search and ordering."""
    names = set(viewset.filterset_class.base_filters) if getattr(viewset, "filterset_class", None) else set()
    if getattr(viewset, "search_fields", None):
        names.add("search")
    if getattr(viewset, "ordering_fields", None):
        names.add("ordering")
    return names


def call(client, route, method, obj):
    query = QUERIES[route.key](obj) if route.key in QUERIES else ACTION_QUERIES.get(route.key)
    url = route.url_for(obj, query) if route.is_object else route.url(query)
    if method == "GET":
        return client.get(url)
    if method == "POST":
        if route.action("POST") == "create":
            body = payload(route, "ACME")
        else:
            body = BODIES.get(route.key, ACTION_BODIES.get(route.key, {}))
        body, content_type = body_for(route, method, json.dumps(body))
        return client.generic("POST", url, body, content_type=content_type)
    if method == "DELETE" and not route.is_object:  # bulk
        return client.generic("DELETE", url, json.dumps([{"id": obj.pk}]), content_type="application/json")
    if method == "PATCH" and not route.is_object:
        return client.generic("PATCH", url, json.dumps([{"id": obj.pk}]), content_type="application/json")
    return client.generic(method, url, json.dumps({}), content_type="application/json")


CALLED = ("GET", "POST", "PATCH", "DELETE")


def operation_of(schema, route, method):
    return schema["paths"][route.openapi_path()][method.lower()]


@pytest.mark.parametrize(
    ("route", "method"), **route_methods(lambda r: r.is_resource or r.is_action_set, CALLED)
)
def test_every_field_of_an_answer_is_declared(api, admin_key, acme, platform_admin, schema, route, method):
    obj = make(route, tenant=acme, user=platform_admin)
    response = call(api(admin_key), route, method, obj)
    assert response.status_code < 300, "the call should succeed, so that its answer is checked"
    if not response.get("Content-Type", "").startswith("application/json"):
        return  # CSV, audio: the schema names the content type, not fields
    documented = operation_of(schema, route, method)["responses"]
    status = str(response.status_code)
    assert status in documented, f"{method} {route.path} answered {status}, which the schema does not list"
    content = documented[status].get("content", {}).get("application/json")
    assert content, f"{method} {route.path} answered JSON with {status}, documented without a JSON body"
    assert undeclared(schema, response.json(), content["schema"]) == []


@pytest.mark.parametrize(
    ("route", "method"), **route_methods(lambda r: r.is_resource or r.is_action_set, CALLED)
)
def test_every_query_parameter_a_view_reads_is_declared(
    api, admin_key, acme, platform_admin, schema, read_names, route, method
):
    obj = make(route, tenant=acme, user=platform_admin)
    read_names.clear()
    call(api(admin_key), route, method, obj)
    declared = {
        p["name"] for p in operation_of(schema, route, method).get("parameters", []) if p["in"] == "query"
    }
    read = set(read_names)
    if read_names.filtered_a_list:
        read |= list_parameters(route.viewset)
    assert sorted(read - declared - NOT_PARAMETERS) == []
