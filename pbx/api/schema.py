"""OpenAPI schema additions shared by every resource (drf-spectacular).

- The common query parameters: `tenant` on tenant-owned resources, `fields` on reads,
  `format` on lists.
- Bulk PATCH and DELETE on list paths, with their array bodies.
- The error envelope, documented on every operation for every status the kernel can
  answer, so that a client (and schemathesis) can rely on the schema for errors too.
"""

from functools import cache

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

ERROR_SCHEMA = {
    "type": "object",
    "description": "The error envelope of every failed request.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "example": "validation_error"},
                "message": {"type": "string", "example": "Invalid input."},
                "fields": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "Per-field messages, when the error is about fields.",
                },
            },
            "required": ["code", "message"],
            "additionalProperties": True,
        }
    },
    "required": ["error"],
}

ERROR_STATUSES = {
    "400": "Invalid input (validation_error, invalid_json, missing_tenant ...).",
    "401": "No or bad credentials (missing_api_key, invalid_api_key, expired_api_key ...).",
    "403": "Not allowed (permission_denied, read_only_key, ip_not_allowed).",
    "404": "Not found, or not within the caller's tenants (not_found, tenant_not_found).",
    "405": "Method not allowed.",
    "406": "No representation in the requested format.",
    "409": "Conflict (number_in_use, in_use, multiple_objects_found, conflict ...).",
    "412": "If-Match no longer matches (precondition_failed).",
    "413": "Body too large (payload_too_large).",
    "415": "Unsupported Content-Type.",
    "429": "Rate limited (rate_limited), with Retry-After.",
}


@cache
def bulk_update_serializer(serializer_class):
    """The resource's serializer with a writable, required `id`: one element of a bulk PATCH."""
    name = serializer_class.__name__.removesuffix("Serializer") + "BulkUpdateSerializer"
    return type(name, (serializer_class,), {"id": serializers.IntegerField(min_value=1)})


class BulkDeleteSerializer(serializers.Serializer):
    """One element of a bulk DELETE."""

    id = serializers.IntegerField(min_value=1)


class PbxAutoSchema(AutoSchema):
    """AutoSchema with the kernel's parameters and bulk operations."""

    def _action(self):
        return getattr(self.view, "action", None)

    def _kernel_takes(self, name):
        """Whether the route takes this query parameter (pbx.api.strict refuses the rest)."""
        accepted = getattr(self.view, "accepted_query_parameters", None)
        return accepted is None or name in accepted()

    def get_filter_backends(self):
        if self._action() in ("bulk_update", "bulk_destroy"):
            return []  # a bulk write names its objects by id; the list's filters do not apply
        return super().get_filter_backends()

    def get_operation_id(self):
        if self._action() in ("bulk_update", "bulk_destroy"):
            return "_".join(self._tokenize_path()) + "_" + self._action()
        return super().get_operation_id()

    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        if getattr(self.view, "tenant_field", None):
            params.append(
                OpenApiParameter(
                    "tenant",
                    str,
                    description="Tenant code or id: narrows a global key's reach, "
                    "or names the tenant of a new object.",
                )
            )
        if self.method == "GET" and self._kernel_takes("fields"):
            params.append(
                OpenApiParameter(
                    "fields",
                    str,
                    description="Comma-separated field names to return.",
                )
            )
            if self._is_list_view():
                params.append(
                    OpenApiParameter(
                        "format",
                        str,
                        enum=["json", "csv"],
                        description="`csv` streams the list as CSV (`page_size=all` for every row).",
                    )
                )
        return params

    def get_request_serializer(self):
        if self._action() == "bulk_update":
            return bulk_update_serializer(self.view.get_serializer_class())(many=True)
        if self._action() == "bulk_destroy":
            return BulkDeleteSerializer(many=True)
        return super().get_request_serializer()

    def get_response_serializers(self):
        if self._action() == "bulk_update":
            return self.view.get_serializer_class()(many=True)
        if self._action() == "bulk_destroy":
            return {204: None}
        return super().get_response_serializers()

    def _get_paginator(self):
        if self._action() in ("bulk_update", "bulk_destroy"):
            return None  # bulk answers are plain arrays, never pages
        return super()._get_paginator()


def add_error_responses(result, generator, request, public):
    """Postprocessing hook: the error envelope on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_STATUSES.items():
                responses.setdefault(
                    status,
                    {"description": description, "content": {"application/json": {"schema": ref}}},
                )
    return result


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """The API key, in the X-API-Key header or as a bearer token."""

    target_class = "apikeys.authentication.ApiKeyAuthentication"
    name = ["ApiKeyHeader", "ApiKeyBearer"]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            {"type": "http", "scheme": "bearer", "bearerFormat": "pbx_<prefix>_<secret>"},
        ]


class BasicScheme(OpenApiAuthenticationExtension):
    """HTTP Basic with a username and password."""

    target_class = "apikeys.authentication.BasicAuthentication"
    name = "BasicAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "basic"}


class SessionScheme(OpenApiAuthenticationExtension):
    """The admin's session cookie."""

    target_class = "apikeys.authentication.SessionAuthentication"
    name = "SessionCookie"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


class TenantFieldExtension(OpenApiSerializerFieldExtension):
    """A tenant is written and read as its code."""

    target_class = "pbx.api.serializers.TenantField"

    def map_serializer_field(self, auto_schema, direction):
        schema = {"type": "string", "description": "Tenant code.", "example": "ACME"}
        if self.target.allow_null:
            schema["nullable"] = True
        return schema


class TimeOfDayExtension(OpenApiSerializerFieldExtension):
    """A time of day is `HH:MM` or `HH:MM:SS`, local to a time zone given elsewhere.

    OpenAPI's `format: time` is RFC 3339's full-time, which carries an offset: our
    zone-less times (a calling window, a schedule's range) would break it."""

    target_class = "rest_framework.fields.TimeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        return {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
            "example": "09:00",
        }
