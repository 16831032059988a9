"""A body whose bytes are not UTF-8, on every route that reads one: never a 500, and a
refusal says what kind of body it was (`invalid_json` or `invalid_csv`), never the
other. Routes that take what switches write (call records) read such bytes instead."""

import pytest
from rest_framework.parsers import JSONParser

from cdrs.parsers import MasterCsvParser, SwitchJSONParser
from pbx.api.csv_import import CSVTextParser
from tests.api.routes import route_methods
from tests.api.support import assert_error, body_text
from tests.api.test_error_envelope import WITH_BODY, target


def parsers(route, method):
    """The parser classes the route's action reads its body with."""
    handler = getattr(route.view_class, route.action(method))
    return getattr(handler, "kwargs", {}).get("parser_classes") or route.view_class.parser_classes


def reads(parser_class):
    return lambda route, method: any(issubclass(p, parser_class) for p in parsers(route, method))


def pairs(predicate, among=WITH_BODY):
    chosen = [(r, m) for r, m in among["argvalues"] if predicate(r, m)]
    return {"argvalues": chosen, "ids": [f"{r}-{m}" for r, m in chosen]}


NOT_UTF8_JSON = '{"name": "Jos\xe9"}'.encode("cp1252")
NOT_UTF8_CSV = "number,description\n100,Jos\xe9\n".encode("cp1252")


@pytest.mark.parametrize(
    ("route", "method"),
    **pairs(lambda r, m: reads(JSONParser)(r, m) and not reads(SwitchJSONParser)(r, m)),
)
def test_a_json_body_that_is_not_utf8_is_400_invalid_json(api, admin_key, acme, acme_admin, route, method):
    url = target(route, acme, acme_admin)
    response = api(admin_key).generic(method, url, NOT_UTF8_JSON, content_type="application/json")
    assert_error(response, 400, "invalid_json")
    assert "utf-8" in response.json()["error"]["message"].lower()


@pytest.mark.parametrize(
    ("route", "method"),
    **pairs(reads(CSVTextParser), route_methods(lambda r: r.is_resource, methods=("POST", "PUT", "PATCH"))),
)
def test_a_csv_body_that_is_not_utf8_is_read_or_refused_as_csv(
    api, admin_key, acme, acme_admin, route, method
):
    url = target(route, acme, acme_admin)
    response = api(admin_key).generic(method, url, NOT_UTF8_CSV, content_type="text/csv")
    assert response.status_code < 500, body_text(response)[:300]
    if reads(MasterCsvParser)(route, method):
        assert response.status_code == 200, body_text(response)[
            :300
        ]  # a switch's file is never refused for it
    else:
        assert_error(response, 400, "invalid_csv")
