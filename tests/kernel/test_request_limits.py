"""Requests too large for the server: a real gunicorn (started with the project's
gunicorn.conf.py on a free port) refuses them with the API's JSON envelope, not an HTML
page; what gunicorn lets through, Django's own limits answer with the envelope too."""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn serving pbx with gunicorn.conf.py (read from the project's directory)."""
    port = free_port()
    var = tmp_path_factory.mktemp("var")
    env = {
        **os.environ,
        "PBX_VAR_DIR": str(var),
        "PBX_SECRET_KEY": "request-limits-test",
        "DATABASE_URL": f"sqlite:///{var}/pbx.sqlite3",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "pbx.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(process.stderr.read().decode()) from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def get(port, path, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def envelope(content_type, body):
    assert content_type == "application/json", (content_type, body[:200])
    error = json.loads(body)["error"]
    assert error["message"]
    return error


def test_a_request_line_of_8_kb_reaches_the_api(server):
    """gunicorn's default (4094 bytes) refused a long `?id=` list before the API saw it."""
    ids = ",".join(str(n) for n in range(1000, 2400))  # about 7 KB
    status, content_type, body = get(server, f"/api/extensions/?id={ids}")
    assert status == 401  # the API's own answer (no credentials), not gunicorn's
    assert envelope(content_type, body)["code"] == "missing_api_key"


def test_a_request_line_over_the_limit_answers_414_in_the_envelope(server):
    status, content_type, body = get(server, "/api/extensions/?search=" + "x" * 9000)
    assert status == 414
    error = envelope(content_type, body)
    assert error["code"] == "uri_too_long"
    assert "8190" in error["message"]


def test_a_header_of_12_kb_reaches_the_api(server):
    status, content_type, body = get(server, "/api/extensions/", {"X-Padding": "p" * 12000})
    assert status == 401
    assert envelope(content_type, body)["code"] == "missing_api_key"


def test_a_header_over_the_limit_answers_431_in_the_envelope(server):
    status, content_type, body = get(server, "/api/extensions/", {"X-Padding": "p" * 17000})
    assert status == 431
    error = envelope(content_type, body)
    assert error["code"] == "headers_too_large"
    assert "16380" in error["message"]


def test_too_many_headers_answer_431_in_the_envelope(server):
    headers = {f"X-Header-{n}": "1" for n in range(120)}
    status, content_type, body = get(server, "/api/extensions/", headers)
    assert status == 431
    assert envelope(content_type, body)["code"] == "headers_too_large"


def test_a_malformed_request_answers_400_in_the_envelope(server):
    with socket.create_connection(("127.0.0.1", server), timeout=30) as raw:
        raw.sendall(b"GET /api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header Name: x\r\n\r\n")
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"Content-Type: application/json" in head
    assert json.loads(body)["error"]["code"] == "bad_request"


# --- Django's own limits, behind gunicorn's -----------------------------------------------


def test_too_many_query_parameters_answer_400_in_the_envelope(api, admin_key, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    query = "&".join(f"p{n}=1" for n in range(51))
    response = api(admin_key).get(f"/api/extensions/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_fields"


def test_too_many_form_fields_answer_400_in_the_envelope(api, admin_key, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    body = "&".join(f"p{n}=1" for n in range(51))
    response = api(admin_key).post("/api/tags/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_fields"
