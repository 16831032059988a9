"""gunicorn workers whose own error answers are the API's JSON envelope.

gunicorn refuses some requests before Django sees them: a request line longer than
`limit_request_line` (414), a header larger than `limit_request_field_size` or more
headers than `limit_request_fields` (431), a request that is not valid HTTP (400). It
answers those with a small HTML page. These workers keep gunicorn's decision (status,
reason, log line) and write the envelope instead, so a client of the API parses every
error the same way. gunicorn.conf.py selects `pbx.workers.ThreadWorker`.
"""

import json
import re

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker as GunicornThreadWorker
from gunicorn.workers.sync import SyncWorker as GunicornSyncWorker

STATUS_LINE = re.compile(rb"^HTTP/1\.[01] (\d{3}) ([^\r\n]*)")


class _ErrorPage:
    """Stands in for the client's socket while gunicorn writes its error page, keeping
    the page instead of sending it."""

    def __init__(self):
        self.data = b""

    def gettimeout(self):
        return 0.0

    def sendall(self, data):
        self.data += data


def envelope(status, reason, cfg):
    """The error envelope for a request gunicorn refused with `status`."""
    if status == 414:
        code = "uri_too_long"
        message = (
            f"The request line (method, path and query) is longer than {cfg.limit_request_line} "
            "bytes: send fewer or shorter query parameters, or split the request."
        )
    elif status == 431:
        code = "headers_too_large"
        message = (
            f"A request header is longer than {cfg.limit_request_field_size} bytes, or there are "
            f"more than {cfg.limit_request_fields} headers: send smaller headers."
        )
    elif status == 400:
        code = "bad_request"
        message = "The request is not valid HTTP/1.1 (its request line or a header is malformed)."
    else:
        code = reason.lower().replace(" ", "_") or "error"
        message = f"{status} {reason}."
    return {"error": {"code": code, "message": message}}


class JsonErrorsMixin:
    """Answer gunicorn's own refusals with the JSON envelope instead of an HTML page."""

    def handle_error(self, req, client, addr, exc):
        page = _ErrorPage()
        super().handle_error(req, page, addr, exc)  # gunicorn's status choice and log line
        match = STATUS_LINE.match(page.data)
        if match is None:
            return
        status, reason = int(match.group(1)), match.group(2).decode("latin1")
        body = json.dumps(envelope(status, reason, self.cfg)).encode()
        head = (
            f"HTTP/1.1 {status} {reason}\r\n"
            "Connection: close\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode("latin1")
        try:
            util.write_nonblock(client, head + body)
        except Exception:
            self.log.debug("Failed to send error message.")


class ThreadWorker(JsonErrorsMixin, GunicornThreadWorker):
    """gunicorn's gthread worker (`make run`, the benchmarks) with JSON errors."""


class SyncWorker(JsonErrorsMixin, GunicornSyncWorker):
    """gunicorn's sync worker with JSON errors."""
