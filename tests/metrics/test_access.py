"""Who may read /metrics: the addresses of PBX_METRICS_ALLOW and, when PBX_METRICS_TOKEN
is set, only with the token too. Refusals are the API's JSON error envelope."""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from pbx.metrics import access
from tests.api.support import assert_error

pytestmark = pytest.mark.django_db


def get(**extra):
    return Client().get("/metrics", **extra)


def test_it_answers_loopback_by_default():
    assert get(REMOTE_ADDR="127.0.0.1").status_code == 200
    assert get(REMOTE_ADDR="::1").status_code == 200


def test_it_refuses_an_address_that_is_not_allowed():
    response = get(REMOTE_ADDR="203.0.113.7")
    assert_error(response, 403, "ip_not_allowed")
    assert "203.0.113.7" in response.json()["error"]["message"]
    assert b"pbx_http" not in response.content


def test_it_answers_an_address_inside_an_allowed_network(settings):
    settings.PBX_METRICS_ALLOW = ["10.0.0.0/8", "2001:db8::/32"]
    assert get(REMOTE_ADDR="10.20.30.40").status_code == 200
    assert get(REMOTE_ADDR="2001:db8::5").status_code == 200
    assert_error(get(REMOTE_ADDR="127.0.0.1"), 403, "ip_not_allowed")


def test_an_ipv4_client_of_an_ipv6_socket_counts_as_its_ipv4_address():
    assert get(REMOTE_ADDR="::ffff:127.0.0.1").status_code == 200


def test_a_request_through_a_proxy_that_is_not_trusted_is_refused():
    # nginx on the same machine connects from 127.0.0.1: the real client is unknown.
    response = get(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert_error(response, 403, "ip_not_allowed")
    assert "PBX_TRUST_X_FORWARDED_FOR" in response.json()["error"]["message"]


def test_behind_a_trusted_proxy_the_forwarded_address_decides(settings):
    settings.PBX_TRUST_X_FORWARDED_FOR = True
    settings.PBX_METRICS_ALLOW = ["192.0.2.0/24"]
    assert get(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.10").status_code == 200
    assert_error(get(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="198.51.100.9"), 403, "ip_not_allowed")


def test_with_a_token_set_a_request_without_it_is_401(settings):
    settings.PBX_METRICS_TOKEN = "s3cret-metrics-token"
    response = get()
    assert_error(response, 401, "missing_metrics_token")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_with_a_token_set_a_wrong_token_is_401(settings):
    settings.PBX_METRICS_TOKEN = "s3cret-metrics-token"
    assert_error(get(HTTP_AUTHORIZATION="Bearer s3cret-metrics-tokeN"), 401, "invalid_metrics_token")


def test_with_a_token_set_the_token_from_an_allowed_address_reads_the_metrics(settings):
    settings.PBX_METRICS_TOKEN = "s3cret-metrics-token"
    response = get(HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")
    assert response.status_code == 200
    assert b"pbx_http_requests_total" in response.content


def test_the_token_does_not_open_the_door_to_an_address_that_is_not_allowed(settings):
    settings.PBX_METRICS_TOKEN = "s3cret-metrics-token"
    response = get(REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")
    assert_error(response, 403, "ip_not_allowed")


def test_only_get_and_head_are_answered():
    response = Client().post("/metrics")
    assert_error(response, 405, "method_not_allowed")
    assert Client().head("/metrics").status_code == 200


def test_a_query_parameter_is_refused_naming_it():
    assert_error(Client().get("/metrics?tenant=ACME"), 400, "unknown_parameter")


def test_a_mistyped_allow_list_is_a_configuration_error_naming_the_entry(settings):
    settings.PBX_METRICS_ALLOW = ["127.0.0.1", "10.0.0.0/33"]
    with pytest.raises(ImproperlyConfigured, match=re.escape("10.0.0.0/33")):
        access.allowed_networks()
