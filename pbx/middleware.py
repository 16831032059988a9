"""Middleware for every request: a request id, and the guards of the /api/ surface.

- `X-Request-ID` on every response: the client's when it sent a sane one, else a new
  one; with the client's address it goes into the change log's context.
- Under /api/: CORS headers (credentials travel in headers, so `*` is safe), OPTIONS
  answered 204 without authentication (browser preflight), bodies over
  PBX_MAX_BODY_BYTES refused with 413, NUL characters in the URL refused with 400 (the
  databases cannot store them), Django's own parsing limits (too many query or form
  fields) answered 400 `too_many_fields`, and an unexpected error answered with the JSON
  envelope and the request id instead of an HTML page.
- Under /api/: `Cache-Control: private, no-store` on every answer. Bodies carry tenants'
  data and, for a platform admin, secrets (SIP passwords, voicemail PINs); a voicemail
  download is private too. No shared proxy or browser cache may keep any of them.
"""

import logging
import re
import uuid

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse

from pbx import changelog
from pbx.api.clients import client_ip
from pbx.api.exceptions import error_response

logger = logging.getLogger("pbx.api")

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": (
        "Authorization, Content-Type, X-API-Key, X-Request-ID, Idempotency-Key, If-Match, If-None-Match"
    ),
    "Access-Control-Expose-Headers": "X-Request-ID, ETag, Retry-After, RateLimit-Limit, "
    "RateLimit-Remaining, RateLimit-Reset, Content-Disposition",
    "Access-Control-Max-Age": "86400",
}

API_CACHE_CONTROL = "private, no-store"


def is_api(request):
    return request.path.startswith(("/api/", "/api-auth/")) and not request.path.startswith(
        ("/api/docs/", "/api/redoc/")
    )


class RequestIdMiddleware:
    """Gives every request an id and returns it as X-Request-ID."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        token = changelog.begin_request(request.request_id, client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            changelog.end_request(token)
        response["X-Request-ID"] = request.request_id
        return response


class ApiGuardMiddleware:
    """CORS, preflight, body size and URL sanity for /api/, and JSON for its 500s."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api(request):
            return self.get_response(request)
        response = self.guard(request) or self.get_response(request)
        for header, value in CORS_HEADERS.items():
            response[header] = value
        response["Cache-Control"] = API_CACHE_CONTROL
        return response

    def guard(self, request):
        if request.method == "OPTIONS":
            return HttpResponse(status=204)
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "\x00" in query or "%00" in query:
            return error_response(400, "validation_error", "The URL contains a NUL character.")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(400, "validation_error", "Content-Length is not a number.")
        if length > settings.PBX_MAX_BODY_BYTES:
            return error_response(
                413,
                "payload_too_large",
                f"The request body is {length} bytes; the limit is {settings.PBX_MAX_BODY_BYTES}.",
            )
        return None

    def process_exception(self, request, exception):
        if not is_api(request):
            return None
        if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
            # Django's own limits on what it parses: the client's doing, not a 500.
            return error_response(
                400,
                "too_many_fields",
                f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} query or form "
                f"fields (or more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files): send fewer.",
            )
        logger.exception("unhandled error in %s %s", request.method, request.path)
        return error_response(
            500,
            "internal_error",
            f"An unexpected error occurred; quote request id {getattr(request, 'request_id', '')}.",
        )
