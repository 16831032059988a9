"""A JSON body nested a thousand levels deep is refused as 400 invalid_json on every
route that reads a body, never a 500 (Python's recursion runs out while parsing it); a
route that reads no JSON (a CSV import) refuses it as 415 unsupported_media_type."""

from urllib.parse import urlencode

import pytest

from tests.api.routes import route_methods
from tests.api.support import assert_error, target

DEPTH = 1000
FORM = "application/x-www-form-urlencoded"  # what FreeSWITCH's mod_json_cdr posts
WRITES = route_methods(lambda r: r.is_resource or r.is_action_set, methods=("POST", "PUT", "PATCH"))


def deep_body(depth=DEPTH):
    return '{"name": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize(("route", "method"), **WRITES)
def test_a_deeply_nested_body_answers_400_invalid_json(api, admin_key, acme, acme_admin, route, method):
    url = target(route, acme, acme_admin)
    response = api(admin_key).generic(method, url, deep_body(), content_type="application/json")
    assert_refused_as_json(response, route, method)


def assert_refused_as_json(response, route, method):
    if route.reads_json(method):
        assert_error(response, 400, "invalid_json")
    else:
        assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(("route", "method"), **WRITES)
def test_a_body_nested_past_the_limit_but_parseable_answers_400_invalid_json(
    api, admin_key, acme, acme_admin, route, method
):
    url = target(route, acme, acme_admin)
    response = api(admin_key).generic(method, url, deep_body(100), content_type="application/json")
    assert_refused_as_json(response, route, method)


def test_a_freeswitch_form_cdr_nested_too_deep_answers_400_invalid_json(api, admin_key, acme):
    deep = '{"variables": ' + "[" * DEPTH + "]" * DEPTH + "}"
    response = api(admin_key).post(
        "/api/cdrs/freeswitch/?tenant=ACME", urlencode({"cdr": deep}), content_type=FORM
    )
    assert_error(response, 400, "invalid_json")


def test_a_freeswitch_form_cdr_that_is_not_json_answers_400_invalid_json(api, admin_key, acme):
    response = api(admin_key).post(
        "/api/cdrs/freeswitch/?tenant=ACME", urlencode({"cdr": "{nope"}), content_type=FORM
    )
    assert_error(response, 400, "invalid_json")


def test_an_ordinary_nested_body_is_still_accepted(api, acme_key):
    body = {"number": "100", "destinations": {"EXT-BUSY": [{"type": "HANGUP"}]}}
    response = api(acme_key).post("/api/extensions/", body, format="json")
    assert response.status_code == 201, response.content
