"""The one error envelope of the API (docs/api.md).

Every error under /api/ leaves as
``{"error": {"code": "...", "message": "...", "fields": {...}}}``: errors raised by our
code (the ApiError subclasses below), DRF's own exceptions, Django's Http404 and
PermissionDenied, and database errors that a client's input can still provoke (a
value out of range, a unique constraint lost in a race).
"""

import logging
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DataError, IntegrityError
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

from pbx.models import NumberInUseError

logger = logging.getLogger(__name__)


class ApiError(drf.APIException):
    """An error with a stable code; `extra` keys are added to the envelope beside the message."""

    status_code = 400
    default_code = "validation_error"
    default_detail = "Invalid request."

    def __init__(self, message=None, *, fields=None, **extra):
        super().__init__(message or self.default_detail, self.default_code)
        self.fields = fields
        self.extra = extra


class MissingApiKey(ApiError, drf.NotAuthenticated):
    status_code, default_code, default_detail = 401, "missing_api_key", "Missing API key."


class InvalidApiKey(ApiError, drf.AuthenticationFailed):
    status_code, default_code, default_detail = 401, "invalid_api_key", "Invalid API key."


class ExpiredApiKey(ApiError, drf.AuthenticationFailed):
    status_code, default_code, default_detail = 401, "expired_api_key", "This API key has expired."


class IpNotAllowed(ApiError):
    status_code, default_code = 403, "ip_not_allowed"
    default_detail = "This API key may not be used from your address."


class ReadOnlyKey(ApiError):
    status_code, default_code = 403, "read_only_key"
    default_detail = "This API key is read-only: only GET, HEAD and OPTIONS are allowed."


class PermissionDenied(ApiError):
    status_code, default_code = 403, "permission_denied"
    default_detail = "You do not have permission to perform this action."


class NotFound(ApiError):
    status_code, default_code, default_detail = 404, "not_found", "Not found."


class TenantNotFound(ApiError):
    status_code, default_code, default_detail = 404, "tenant_not_found", "Tenant not found."


class InvalidDestination(ApiError):
    status_code, default_code = 400, "invalid_destination"
    default_detail = "A destination is invalid: see fields.destinations."


class InvalidJson(ApiError):
    """JSON that cannot be parsed inside a readable body (a form field's, an upload's);
    an unreadable JSON body is DRF's ParseError, with the same code."""

    status_code, default_code = 400, "invalid_json"
    default_detail = "The JSON could not be parsed."


class InvalidCsv(ApiError):
    """A CSV body that cannot be read as text (a JSON body that cannot is `invalid_json`)."""

    status_code, default_code = 400, "invalid_csv"
    default_detail = "The CSV could not be read."


class UnknownField(ApiError):
    status_code, default_code = 400, "unknown_field"
    default_detail = "The body names a field this resource does not have."

    def at_index(self, index):
        """The same error about the element `index` of a bulk array."""
        return UnknownField(f"Element {index}: {self.detail}", fields=self.fields, index=index, **self.extra)


class UnknownParameter(ApiError):
    status_code, default_code = 400, "unknown_parameter"
    default_detail = "The query names a parameter this route does not take."


class MissingTenant(ApiError):
    status_code, default_code = 400, "missing_tenant"
    default_detail = (
        "This object belongs to a tenant: give ?tenant=CODE or a tenant field, or use a tenant API key."
    )


class NumberInUse(ApiError):
    status_code, default_code = 409, "number_in_use"


class MultipleObjectsFound(ApiError):
    status_code, default_code = 409, "multiple_objects_found"
    default_detail = "Several objects match: add ?tenant=CODE or use the id."


class TenantNotEmpty(ApiError):
    status_code, default_code = 409, "tenant_not_empty"


class InUse(ApiError):
    status_code, default_code = 409, "in_use"
    default_detail = "The object is still in use."


class Conflict(ApiError):
    status_code, default_code = 409, "conflict"
    default_detail = "The request conflicts with the current state of the object."


class IdempotencyKeyReused(ApiError):
    status_code, default_code = 409, "idempotency_key_reused"
    default_detail = "This Idempotency-Key was used with a different request body: use a new key."


class PreconditionFailed(ApiError):
    status_code, default_code = 412, "precondition_failed"
    default_detail = "The object changed since you read it (If-Match does not match): read it again."


class PayloadTooLarge(ApiError):
    status_code, default_code = 413, "payload_too_large"


class UnsupportedMedia(ApiError):
    status_code, default_code = 400, "unsupported_media"
    default_detail = "The file is not audio in a format the switch plays."


# DRF's exception classes, by the code our envelope gives them.
DRF_CODES = [
    (drf.ValidationError, "validation_error"),
    (drf.ParseError, "invalid_json"),
    (drf.NotAuthenticated, "missing_api_key"),
    (drf.AuthenticationFailed, "authentication_failed"),
    (drf.PermissionDenied, "permission_denied"),
    (drf.NotFound, "not_found"),
    (drf.MethodNotAllowed, "method_not_allowed"),
    (drf.NotAcceptable, "not_acceptable"),
    (drf.UnsupportedMediaType, "unsupported_media_type"),
    (drf.Throttled, "rate_limited"),
]


def envelope(code, message, fields=None, **extra):
    """The body of an error response."""
    error = {"code": code, "message": str(message)}
    if fields:
        error["fields"] = fields
    error.update(extra)
    return {"error": error}


def error_response(status, code, message, fields=None, **extra):
    """A plain Django JSON error response, for code that runs outside DRF views."""
    return JsonResponse(envelope(code, message, fields, **extra), status=status)


def _validation_fields(detail):
    if isinstance(detail, dict):
        return detail
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {"non_field_errors": [detail]}


def _as_api_exception(exc):
    """Translate non-DRF exceptions that a client can cause into DRF ones."""
    if isinstance(exc, NumberInUseError):
        return NumberInUse(str(exc), holder=exc.holder.as_holder())
    if isinstance(exc, Http404):
        return NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return PermissionDenied()
    if isinstance(exc, IntegrityError):
        # Validation runs before every write; reaching here means a concurrent request
        # took the same unique value between our check and our insert.
        return Conflict("The object conflicts with another one written at the same time: retry.")
    if isinstance(exc, DataError | OverflowError):
        return ApiError("A value is out of the range the database can store.")
    return exc


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every handled error becomes the envelope."""
    exc = _as_api_exception(exc)
    if not isinstance(exc, drf.APIException):
        return None  # a real bug: let it be a logged 500

    headers = {}
    if isinstance(exc, ApiError):
        code, message = exc.default_code, exc.detail
        fields, extra = exc.fields, exc.extra
    else:
        code = next((c for cls, c in DRF_CODES if isinstance(exc, cls)), "error")
        fields, extra = None, {}
        if isinstance(exc, drf.ValidationError):
            message, fields = "Invalid input.", _validation_fields(exc.detail)
        elif isinstance(exc, drf.ParseError):
            message = f"The request body could not be parsed: {exc.detail}"
        elif isinstance(exc, drf.MethodNotAllowed):
            view = context.get("view")
            allowed = ", ".join(view.allowed_methods) if view else ""
            message = f"{exc.detail} Allowed: {allowed}."
        else:
            message = exc.detail

    if isinstance(exc, drf.Throttled):
        wait = math.ceil(exc.wait or 1)
        message = f"Too many requests: retry in {wait} seconds."
        headers["Retry-After"] = str(wait)
        headers["RateLimit-Reset"] = str(wait)
        headers["RateLimit-Remaining"] = "0"
        view = context.get("view")
        limit = getattr(view, "throttle_limit", None)
        if limit:
            headers["RateLimit-Limit"] = str(limit)
    if auth_header := getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = auth_header

    return Response(envelope(code, message, fields, **extra), status=exc.status_code, headers=headers)
