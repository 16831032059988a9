"""Every error under /api/ is one JSON envelope, {"error": {"code", "message", ...}}, with
the code docs/api.md lists; no client input gives a 500; every response carries
X-Request-ID and CORS headers."""

import json

import pytest
from django.test import override_settings

from tests.api.routes import EVERY_METHOD, ROUTES, route_methods, routes_where
from tests.api.support import assert_error, target

BODY_METHODS = route_methods(
    lambda r: r.is_resource or r.is_action_set, methods=("POST", "PUT", "PATCH", "DELETE")
)  # filtered below to those that read a body
WITH_BODY = [
    (r, m)
    for r, m in BODY_METHODS["argvalues"]
    if m in ("POST", "PUT", "PATCH") or (m == "DELETE" and r.is_list)
]
WITH_BODY = {"argvalues": WITH_BODY, "ids": [f"{r}-{m}" for r, m in WITH_BODY]}


# --- the body ---------------------------------------------------------------------------


@pytest.mark.parametrize(("route", "method"), **WITH_BODY)
def test_invalid_json_answers_400_invalid_json(api, admin_key, acme, acme_admin, route, method):
    url = target(route, acme, acme_admin)
    response = api(admin_key).generic(method, url, '{"name": ', content_type="application/json")
    if route.reads_json(method):
        assert_error(response, 400, "invalid_json")
    else:  # a CSV import reads no JSON at all
        assert_error(response, 415, "unsupported_media_type")


@override_settings(PBX_MAX_BODY_BYTES=100)
@pytest.mark.parametrize(("route", "method"), **WITH_BODY)
def test_a_body_over_the_limit_answers_413_payload_too_large(api, admin_key, acme, acme_admin, route, method):
    url = target(route, acme, acme_admin)
    body = json.dumps({"name": "x" * 200})
    response = api(admin_key).generic(method, url, body, content_type="application/json")
    assert_error(response, 413, "payload_too_large")


def test_a_body_within_the_limit_is_accepted(api, acme_key):
    with override_settings(PBX_MAX_BODY_BYTES=100):
        response = api(acme_key).post("/api/extensions/", {"number": "100"}, format="json")
    assert response.status_code == 201


def test_a_json_body_that_is_not_an_object_is_a_validation_error(api, acme_key):
    response = api(acme_key).post("/api/extensions/", "42", content_type="application/json")
    assert_error(response, 400, "validation_error")


def test_an_unsupported_content_type_is_the_envelope(api, acme_key):
    response = api(acme_key).post("/api/extensions/", "number=100", content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")


def test_an_unacceptable_accept_header_is_the_envelope(api, acme_key):
    assert_error(api(acme_key).get("/api/extensions/", HTTP_ACCEPT="application/xml"), 406, "not_acceptable")


# --- the URL ----------------------------------------------------------------------------

UNKNOWN_PATHS = [
    "/api/nothing-here/",
    "/api/nothing/here/at/all/",
    "/api/extensions/abc/",
    "/api/extensions/1/nothing/",
    "/api/extensions",
]


@pytest.mark.parametrize("path", UNKNOWN_PATHS)
def test_an_unknown_api_path_answers_404_not_found(api, acme_key, path):
    assert_error(api(acme_key).get(path), 404, "not_found")


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_an_unknown_api_path_answers_404_to_every_method_even_without_credentials(anon, db, method):
    assert_error(
        anon.generic(method, "/api/nothing-here/", "{}", content_type="application/json"), 404, "not_found"
    )


def test_a_missing_trailing_slash_is_explained(api, acme_key):
    assert "/api/extensions/" in api(acme_key).get("/api/extensions").json()["error"]["message"]


NOT_ALLOWED = [(r, m) for r in ROUTES for m in EVERY_METHOD if m not in r.methods]


@pytest.mark.parametrize(("route", "method"), NOT_ALLOWED, ids=[f"{r}-{m}" for r, m in NOT_ALLOWED])
def test_a_method_the_route_does_not_answer_is_405_method_not_allowed(api, admin_key, route, method):
    response = api(admin_key).generic(method, route.url(), "{}", content_type="application/json")
    assert_error(response, 405, "method_not_allowed")
    allowed = {m.strip() for m in response["Allow"].split(",")}
    assert method not in allowed and {m for m in route.methods} <= allowed


@pytest.mark.parametrize(("route", "method"), NOT_ALLOWED, ids=[f"{r}-{m}" for r, m in NOT_ALLOWED])
def test_a_method_the_route_does_not_answer_is_405_whatever_its_query(api, admin_key, route, method):
    url = route.url()
    url += ("&" if "?" in url else "?") + "no_such_parameter=1"
    response = api(admin_key).generic(method, url, "{}", content_type="application/json")
    assert_error(response, 405, "method_not_allowed")


@pytest.mark.parametrize(
    "url", ["/api/extensions/?name=%00", "/api/extensions/?search=a%00b", "/api/extensions/%00/"]
)
def test_a_nul_character_in_the_url_answers_400(api, acme_key, url):
    assert_error(api(acme_key).get(url), 400, "validation_error")


HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("route", "method"), **route_methods(lambda r: r.is_object, ("GET", "PUT", "PATCH", "DELETE"))
)
def test_an_id_too_large_for_the_database_answers_404(api, admin_key, route, method):
    url = route.url(**dict.fromkeys(route.placeholders, HUGE))
    response = api(admin_key).generic(method, url, "{}", content_type="application/json")
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(("route", "method"), **route_methods(lambda r: r.is_list, ("PATCH", "DELETE")))
def test_a_bulk_id_too_large_for_the_database_is_refused_not_a_500(api, admin_key, route, method):
    response = api(admin_key).generic(
        method, route.url(), f'[{{"id": {HUGE}}}]', content_type="application/json"
    )
    assert response.status_code in (400, 404)
    assert_error(response, response.status_code, response.json()["error"]["code"])


@pytest.mark.parametrize("route", **routes_where(lambda r: r.is_list and r.is_tenant_owned))
def test_a_tenant_id_too_large_for_the_database_is_tenant_not_found(api, admin_key, route):
    assert_error(api(admin_key).get(route.url({"tenant": HUGE})), 404, "tenant_not_found")


@pytest.mark.parametrize("route", **routes_where(lambda r: r.is_list))
def test_a_page_number_too_large_is_404_not_found(api, admin_key, route):
    assert_error(api(admin_key).get(route.url(route.page_past_the_end(HUGE))), 404, "not_found")


@pytest.mark.parametrize("route", **routes_where(lambda r: r.is_list))
def test_a_page_size_past_the_maximum_is_capped(api, admin_key, route):
    assert api(admin_key).get(route.url({"page_size": HUGE})).status_code == 200


def test_a_filter_value_too_large_for_the_database_is_never_a_server_error(api, acme_key):
    response = api(acme_key).get("/api/extensions/?user=" + HUGE)
    assert response.status_code in (200, 400)


# --- throttling -------------------------------------------------------------------------


@override_settings(PBX_THROTTLE_RATE="2/min")
def test_past_the_rate_limit_answers_429_rate_limited_with_retry_after(api, acme_key):
    client = api(acme_key)
    assert [client.get("/api/extensions/").status_code for _ in range(2)] == [200, 200]
    response = client.get("/api/extensions/")
    assert_error(response, 429, "rate_limited")
    assert 0 < int(response["Retry-After"]) <= 60
    assert response["RateLimit-Limit"] == "2" and response["RateLimit-Remaining"] == "0"


# --- headers on every answer ------------------------------------------------------------


def test_the_request_id_is_echoed(api, acme_key):
    assert api(acme_key).get("/api/extensions/", HTTP_X_REQUEST_ID="trace-42")["X-Request-ID"] == "trace-42"


def test_the_request_id_is_echoed_on_errors(anon, db):
    assert anon.get("/api/extensions/", HTTP_X_REQUEST_ID="trace-43")["X-Request-ID"] == "trace-43"


def test_a_request_id_is_made_when_none_is_sent(api, acme_key):
    first = api(acme_key).get("/api/extensions/")["X-Request-ID"]
    second = api(acme_key).get("/api/extensions/")["X-Request-ID"]
    assert len(first) >= 16 and first != second


def test_an_unsafe_request_id_is_replaced(api, acme_key):
    assert api(acme_key).get("/api/extensions/", HTTP_X_REQUEST_ID="bad id\n")["X-Request-ID"] != "bad id\n"


@pytest.mark.parametrize(
    "request_kind",
    ["success", "missing-key", "unknown-path", "read-only", "preflight"],
)
def test_api_answers_allow_any_origin(api, anon, acme_key, acme_read_key, request_kind):
    response = {
        "success": lambda: api(acme_key).get("/api/extensions/"),
        "missing-key": lambda: anon.get("/api/extensions/"),
        "unknown-path": lambda: anon.get("/api/nothing-here/"),
        "read-only": lambda: api(acme_read_key).post("/api/extensions/", {}, format="json"),
        "preflight": lambda: anon.options("/api/extensions/"),
    }[request_kind]()
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "X-Request-ID" in response["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("route", **routes_where(lambda r: "GET" in r.methods))
def test_an_error_is_the_json_envelope_even_when_csv_was_asked_for(api, admin_key, route):
    """A refused read with `?format=csv` is still JSON (an unknown parameter, or, where the
    route has no CSV form, such as the API's index, the format itself)."""
    response = api(admin_key).get(route.url({"format": "csv", "no_such_parameter": "1"}))
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    assert 400 <= response.status_code < 500
    assert set(response.json()["error"]) >= {"code", "message"}
