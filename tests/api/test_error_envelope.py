"""Every error under /api/ is the JSON envelope with a code; no client input gives a 500."""

import pytest
from django.test import override_settings

ENVELOPE_KEYS = {"code", "message"}


def assert_envelope(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) >= ENVELOPE_KEYS and body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def test_invalid_json_answers_invalid_json(api, acme_key):
    response = api(acme_key).generic(
        "POST", "/api/extensions/", '{"number": ', content_type="application/json"
    )
    assert_envelope(response, 400, "invalid_json")


@override_settings(PBX_MAX_BODY_BYTES=100)
def test_a_body_over_the_limit_answers_payload_too_large(api, acme_key):
    response = api(acme_key).post("/api/extensions/", {"name": "x" * 200}, format="json")
    assert_envelope(response, 413, "payload_too_large")


@pytest.mark.parametrize("path", ["/api/nothing-here/", "/api/extensions/abc/", "/api/extensions"])
def test_an_unknown_path_answers_not_found(api, acme_key, path):
    assert_envelope(api(acme_key).get(path), 404, "not_found")


def test_a_missing_trailing_slash_is_explained(api, acme_key):
    assert "/api/extensions/" in api(acme_key).get("/api/extensions").json()["error"]["message"]


def test_a_wrong_method_answers_method_not_allowed(api, acme_key):
    assert_envelope(api(acme_key).put("/api/extensions/"), 405, "method_not_allowed")


def test_a_nul_in_the_url_is_refused(api, acme_key):
    assert_envelope(api(acme_key).get("/api/extensions/?name=%00"), 400, "validation_error")


def test_an_id_too_large_for_the_database_is_not_found(api, acme_key):
    assert_envelope(api(acme_key).get("/api/extensions/99999999999999999999/"), 404, "not_found")


def test_a_filter_value_too_large_for_the_database_is_never_a_server_error(api, acme_key):
    response = api(acme_key).get("/api/extensions/?user=99999999999999999999999")
    assert response.status_code in (200, 400)  # accepted as "no such user" or refused; never a 500


def test_a_non_object_body_is_a_validation_error(api, acme_key):
    assert_envelope(
        api(acme_key).post("/api/extensions/", "42", content_type="application/json"), 400, "validation_error"
    )


def test_the_request_id_is_echoed(api, acme_key):
    assert api(acme_key).get("/api/extensions/", HTTP_X_REQUEST_ID="trace-42")["X-Request-ID"] == "trace-42"


def test_a_request_id_is_made_when_none_is_sent(client, db):
    assert len(client.get("/health/")["X-Request-ID"]) == 32


def test_an_unsafe_request_id_is_replaced(api, acme_key):
    assert api(acme_key).get("/api/extensions/", HTTP_X_REQUEST_ID="bad id\n")["X-Request-ID"] != "bad id\n"


def test_api_responses_allow_any_origin(api, acme_key):
    assert api(acme_key).get("/api/extensions/")["Access-Control-Allow-Origin"] == "*"
