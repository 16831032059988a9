"""deploy/nginx/pbx.conf: nginx accepts it (`nginx -t`), and, started in front of a real
gunicorn serving pbx on the test database, it answers through TLS, redirects plain
HTTP, passes the client's scheme and address on (pbx builds https links and checks a
key's allowed_ips against the real client), streams the CDR export instead of
spooling it, lets pbx answer the bodies pbx refuses, answers its own refusals in pbx's
JSON envelope and keeps /metrics to the monitoring network. tests/deploy/stack.py
says what of the site file is replaced to run it here."""

import csv
import io
import json
import shutil
import time
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection

from cdrs.models import CallRecord
from tests.deploy import stack as nginx_stack
from tests.factories import ApiKeyFactory, CallRecordFactory, ExtensionFactory, TenantFactory

pytestmark = [
    pytest.mark.skipif(not nginx_stack.NGINX.exists(), reason="nginx is not installed (Debian's nginx)"),
    pytest.mark.skipif(
        shutil.which("openssl") is None, reason="openssl, which makes the certificate, is not installed"
    ),
]
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="gunicorn, another process, cannot see SQLite's in-memory test database: PostgreSQL only",
)
SPOOLED = "buffered to a temporary file"


def test_nginx_accepts_the_site_file_as_shipped(tmp_path):
    certificate, key = nginx_stack.self_signed_certificate(tmp_path)
    config = nginx_stack.write_config(tmp_path, certificate, key)
    result = nginx_stack.nginx_test(tmp_path, config)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_nginx_t_sees_a_mistake_in_the_site_file(tmp_path):
    """The check above would see a broken site file."""
    certificate, key = nginx_stack.self_signed_certificate(tmp_path)
    config = nginx_stack.write_config(tmp_path, certificate, key)
    site = tmp_path / "pbx.conf"
    site.write_text(site.read_text().replace("proxy_buffering off;", "proxy_buffering sometimes;"))
    result = nginx_stack.nginx_test(tmp_path, config)
    assert result.returncode != 0 and "proxy_buffering" in result.stderr


def test_gunicorn_down_is_answered_in_the_envelope_by_nginx(tmp_path):
    """While gunicorn restarts (or is down), clients get JSON and a time to come back."""
    nginx, alone = nginx_stack.start_nginx(tmp_path, nginx_stack.free_ports())  # nothing on gunicorn's port
    try:
        status, headers, body = alone.request("GET", "/api/extensions/")
    finally:
        nginx_stack.stop_all([nginx])
    assert status == 503
    assert headers["Retry-After"] == "5"
    assert json.loads(body)["error"]["code"] == "service_unavailable"


@pytest.fixture(scope="module")
def stack(django_db_setup, tmp_path_factory):
    """nginx and gunicorn on the worker's test database, for the module."""
    if connection.vendor != "postgresql":
        pytest.skip("gunicorn, another process, cannot see SQLite's in-memory test database")
    prefix = tmp_path_factory.mktemp("nginx")
    var = prefix / "var"
    nginx_stack.collect_static(var)
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    environment = {
        "PBX_VAR_DIR": str(var),
        "PBX_SECRET_KEY": "nginx-test",
        "PBX_ALLOWED_HOSTS": nginx_stack.HOST,
        "PBX_SECURE_PROXY": "true",
        "PBX_TRUST_X_FORWARDED_FOR": "true",
        "PBX_DB_CONN_MAX_AGE": "0",  # nothing left open when the test database is flushed
        "PBX_THROTTLE_RATE": "off",
    }
    running, stop = nginx_stack.start(prefix, url, environment)
    try:
        yield running
    finally:
        stop()


@pytest.fixture(scope="module")
def calls(stack, django_db_blocker):
    """Keys and 3,000 calls, committed for gunicorn to read, shared by the module's tests
    (one flush at the end, as pytest-django's transactional tests do after each)."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        tenant = TenantFactory(code="ACME")
        ExtensionFactory(tenant=tenant, number="100")
        CallRecord.objects.bulk_create(CallRecordFactory.build_batch(3000, tenant=tenant))
        keys = SimpleNamespace(
            admin=ApiKeyFactory().key, client_only=ApiKeyFactory(allowed_ips=["127.0.0.2"]).key
        )
        try:
            yield keys
        finally:
            call_command("flush", interactive=False, verbosity=0)


def new_log_lines(stack, before):
    return stack.log_lines()[before:]


@on_postgresql
@pytest.mark.django_db  # so that pytest-django makes the test database; the data is `calls`'
class TestInFrontOfGunicorn:
    def test_health_answers_through_tls(self, stack):
        status, headers, body = stack.request("GET", "/health/")
        assert status == 200, body
        assert json.loads(body)["database"] == "ok"
        assert headers["Strict-Transport-Security"] == "max-age=63072000"

    def test_plain_http_is_redirected_to_https(self, stack):
        import http.client

        plain = http.client.HTTPConnection("127.0.0.1", stack.http, timeout=30)
        plain.request("GET", "/api/extensions/?number=100", headers={"Host": nginx_stack.HOST})
        response = plain.getresponse()
        assert response.status == 301
        assert response.headers["Location"] == f"https://{nginx_stack.HOST}/api/extensions/?number=100"
        plain.close()

    def test_an_api_answer_links_with_the_https_scheme_pbx_sees(self, stack, calls):
        status, _headers, body = stack.request(
            "GET", "/api/extensions/?tenant=ACME", {"X-API-Key": calls.admin}
        )
        assert status == 200, body
        (extension,) = json.loads(body)["results"]
        assert extension["url"].startswith(f"https://{nginx_stack.HOST}/api/extensions/")

    def test_pbx_sees_the_client_address_from_x_forwarded_for(self, stack, calls):
        """gunicorn hears nginx from 127.0.0.1; the key admits only the client, 127.0.0.2."""
        headers = {"X-API-Key": calls.client_only}
        status, _headers, body = stack.request("GET", "/api/tenants/", headers, source="127.0.0.2")
        assert status == 200, body

    def test_a_client_cannot_write_its_own_x_forwarded_for(self, stack, calls):
        forged = {"X-API-Key": calls.client_only, "X-Forwarded-For": "127.0.0.2"}
        status, _headers, body = stack.request("GET", "/api/tenants/", forged, source="127.0.0.1")
        assert status == 403
        assert json.loads(body)["error"]["code"] == "ip_not_allowed"

    def test_the_cdr_export_is_streamed_not_spooled(self, stack, calls):
        before = len(stack.log_lines())
        slow = stack.connection(receive_buffer=4096)
        slow.putrequest("GET", "/api/cdrs/?format=csv", skip_host=True, skip_accept_encoding=True)
        slow.putheader("Host", nginx_stack.HOST)
        slow.putheader("X-API-Key", calls.admin)
        slow.endheaders()
        response = slow.getresponse()
        first = response.read(1024)
        # A client that reads nothing for a second: a buffering nginx would take the
        # whole export from pbx meanwhile and write it to its temporary files (the
        # control below shows that it does, in this time, for an ordinary answer).
        time.sleep(1)
        spooled = [line for line in new_log_lines(stack, before) if SPOOLED in line]
        rest = response.read()
        slow.close()
        assert response.status == 200
        assert spooled == []
        rows = list(csv.reader(io.StringIO((first + rest).decode())))
        assert len(rows) == 3001  # the header and every call

    def test_an_ordinary_answer_is_buffered_to_free_gunicorn(self, stack, calls):
        """The control of the test above: the same slow client of a large JSON page."""
        before = len(stack.log_lines())
        slow = stack.connection(receive_buffer=4096)
        slow.putrequest("GET", "/api/cdrs/?page_size=1000", skip_host=True, skip_accept_encoding=True)
        slow.putheader("Host", nginx_stack.HOST)
        slow.putheader("X-API-Key", calls.admin)
        slow.endheaders()
        response = slow.getresponse()
        response.read(1024)
        time.sleep(1)
        spooled = [line for line in new_log_lines(stack, before) if SPOOLED in line]
        response.read()
        slow.close()
        assert spooled, "nginx kept a large JSON page in memory: the streaming test proves nothing"

    def test_a_body_just_over_pbx_limit_gets_pbx_json_answer(self, stack):
        body = b"x" * (settings.PBX_MAX_BODY_BYTES + 1)
        status, headers, answer = stack.request(
            "POST", "/api/tags/", {"Content-Type": "application/json"}, body
        )
        assert status == 413
        assert headers["X-Request-ID"]  # pbx's, not nginx's
        assert json.loads(answer)["error"]["code"] == "payload_too_large"

    def test_a_body_over_nginx_limit_gets_the_envelope_from_nginx(self, stack):
        connection_ = stack.connection()
        connection_.putrequest("POST", "/api/tags/", skip_host=True, skip_accept_encoding=True)
        connection_.putheader("Host", nginx_stack.HOST)
        connection_.putheader("Content-Type", "application/json")
        connection_.putheader("Content-Length", str(12 * 1024 * 1024))
        connection_.endheaders()
        response = connection_.getresponse()
        body = response.read()
        connection_.close()
        assert response.status == 413
        assert response.headers["Content-Type"] == "application/json"
        assert json.loads(body)["error"]["code"] == "payload_too_large"

    def test_metrics_are_refused_outside_the_monitoring_network(self, stack):
        status, headers, body = stack.request("GET", "/metrics", source="127.0.0.2")
        assert status == 403
        assert "X-Request-ID" not in headers  # nginx's refusal: pbx never saw it
        assert json.loads(body)["error"]["code"] == "ip_not_allowed"

    def test_metrics_reach_pbx_from_the_monitoring_network(self, stack):
        _status, headers, _body = stack.request("GET", "/metrics", source="127.0.0.1")
        assert headers["X-Request-ID"]  # pbx answered, whatever it answered

    def test_static_files_are_served_by_pbx_through_nginx(self, stack):
        status, headers, body = stack.request("GET", "/static/admin/css/base.css")
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert b"body" in body
