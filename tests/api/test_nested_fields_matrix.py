"""Every list-of-objects field of every writable resource (a contact's numbers, a phone's
keys and lines, a route's patterns, a schedule's ranges, a queue's members ...) is checked
the same way on POST, PUT, PATCH and the bulk forms: an empty item, an unknown key or a
value of the wrong type answers 400 and stores nothing, and the object still reads."""

import json

import pytest
from rest_framework import serializers

from tests.api.routes import ROUTES
from tests.api.support import body_text, make, payload, snapshot


def nested_fields(viewset):
    """The writable fields of the resource whose value is a list of objects."""
    fields = viewset.serializer_class(context={}).fields
    return [
        name
        for name, field in fields.items()
        if not field.read_only
        and (
            isinstance(field, serializers.ListSerializer)
            or (
                isinstance(field, serializers.ListField)
                and isinstance(field.child, serializers.BaseSerializer)
            )
        )
    ]


def _cases():
    cases = []
    for route in ROUTES:
        if route.is_resource and route.is_list and "POST" in route.methods:
            detail = next(
                r
                for r in ROUTES
                if r.view_class is route.view_class and r.action("PATCH") == "partial_update"
            )
            cases += [(route, detail, name) for name in nested_fields(route.viewset)]
    return cases


CASES = _cases()
BAD_VALUES = {
    "empty-item": [{}],
    "unknown-key": [{"unknown": 1}],
    "text": "text",
    "object": {"unknown": 1},
    "list-in-list": [[]],
    "number": 5,
    "null-item": [None],
}
WAYS = ("POST", "PUT", "PATCH", "bulk-POST", "bulk-PATCH")
PARAMS = [(lst, det, name, way, bad) for lst, det, name in CASES for way in WAYS for bad in BAD_VALUES]
IDS = [f"{lst.name}.{name}-{way}-{bad}" for lst, _det, name, way, bad in PARAMS]


def test_the_matrix_finds_the_nested_fields():
    found = {(lst.name, name) for lst, _det, name in CASES}
    assert {
        ("contact-list", "numbers"),
        ("device-list", "button_layout"),
        ("outboundroute-list", "patterns"),
        ("schedule-list", "ranges"),
        ("followme-list", "entries"),
    } <= found, found


def error_fields(response):
    error = response.json()["error"]
    if "items" in error:
        return error["items"][0].get("fields", {})
    return error.get("fields", {})


@pytest.mark.parametrize(("list_route", "detail_route", "name", "way", "bad"), PARAMS, ids=IDS)
def test_a_bad_nested_value_answers_400_and_stores_nothing(
    api, admin_key, acme, acme_admin, list_route, detail_route, name, way, bad
):
    value = BAD_VALUES[bad]
    if way in ("PUT", "PATCH", "bulk-PATCH"):
        obj = make(list_route, tenant=acme, user=acme_admin)
    body = {**payload(list_route, "ACME"), name: value}  # may create what it refers to
    before = snapshot()
    client = api(admin_key)
    if way == "POST":
        response = client.post(list_route.url({"tenant": "ACME"}), body, format="json")
    elif way == "bulk-POST":
        response = client.post(list_route.url({"tenant": "ACME"}), [body], format="json")
    elif way == "PUT":
        response = client.put(detail_route.url_for(obj), body, format="json")
    elif way == "PATCH":
        response = client.patch(detail_route.url_for(obj), {name: value}, format="json")
    else:
        response = client.patch(list_route.url(), [{"id": obj.pk, name: value}], format="json")
    assert response.status_code == 400, (response.status_code, body_text(response)[:500])
    assert name in error_fields(response), response.json()
    if bad == "unknown-key":
        assert "Accepted:" in json.dumps(response.json()), response.json()
    assert snapshot() == before
    assert client.get(list_route.url({"tenant": "ACME"})).status_code == 200
    if way in ("PUT", "PATCH", "bulk-PATCH"):
        assert client.get(detail_route.url_for(obj)).status_code == 200
