"""OpenAPI schema additions shared by every resource (drf-spectacular).

- The common query parameters: `tenant` on tenant-owned resources, `fields` on reads,
  `format` on lists, `global` on resources with global objects, `force` on deleting
  what destinations point at; the list's filters on the list (and on actions declaring
  `extend_schema(filters=True)`), never on bulk changes. Integer path ids.
- Bulk PATCH and DELETE on list paths, with their array bodies.
- The detail-only fields (`destinations`, `referenced_by`, a serializer's
  `Meta.detail_only_fields`) in every resource's component, never required.
- One security scheme per way of sending a credential, offered as alternatives.
- Tags by resource, described and grouped by app (`x-tagGroups`).
- The error envelope, documented on every operation for every status the kernel can
  answer, so that a client (and schemathesis) can rely on the schema for errors too.
"""

import copy
from functools import cache

from django.apps import apps
from django.conf import settings
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from pbx import destinations
from pbx.api.destinations import DestinationsField, ReferencedByField
from pbx.api.global_objects import GlobalObjectsMixin
from pbx.api.serializers import PbxModelSerializer
from pbx.api.uuids import has_uuid

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
    "400": "Invalid input (validation_error, invalid_json, missing_tenant, too_many_fields ...).",
    "401": "No or bad credentials (missing_api_key, invalid_api_key, expired_api_key ...).",
    "403": "Not allowed (permission_denied, read_only_key, ip_not_allowed).",
    "404": "Not found, or not within the caller's tenants (not_found, tenant_not_found).",
    "405": "Method not allowed.",
    "406": "No representation in the requested format.",
    "409": "Conflict (number_in_use, in_use, multiple_objects_found, conflict ...).",
    "412": "If-Match no longer matches (precondition_failed).",
    "413": "Body too large (payload_too_large).",
    "414": "Request line (method, path, query) over 8190 bytes (uri_too_long).",
    "415": "Unsupported Content-Type.",
    "429": "Rate limited (rate_limited), with Retry-After.",
    "431": "A header over 16380 bytes, or over 100 headers (headers_too_large).",
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

    def get_tags(self):
        return [resource_tag(self.path)]

    def get_operation_id(self):
        if self._action() in ("bulk_update", "bulk_destroy"):
            return "_".join(self._tokenize_path()) + "_" + self._action()
        return super().get_operation_id()

    def _path_id_description(self):
        # Objects with a stable UUID are addressed by it too (pbx.api.uuids); the schema
        # keeps the id's integer type, the one pbx's own clients send.
        queryset = getattr(self.view, "queryset", None)
        if queryset is not None and has_uuid(queryset.model):
            return "The object's id, or its UUID (as FusionPBX and DjangoPBX scripts send it)."
        return "The object's id."

    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        if "{id}" in self.path or "{pk}" in self.path:
            # The router's lookup takes digits only (`[0-9]{1,18}`): an id is an integer.
            params.append(
                OpenApiParameter(
                    "id",
                    {"type": "integer", "format": "int64", "minimum": 0, "maximum": MAX_ID},
                    OpenApiParameter.PATH,
                    description=self._path_id_description(),
                )
            )
        params += self._kernel_query_parameters()
        if getattr(self.view, "tenant_field", None):
            params.append(
                OpenApiParameter(
                    "tenant",
                    str,
                    description="Tenant code, id or UUID: narrows a global key's reach, "
                    "or names the tenant of a new object.",
                )
            )
            params += [
                OpenApiParameter(
                    name, OpenApiTypes.UUID, description=f"{system}'s name for `tenant` (its UUID)."
                )
                for name, system in (("domain_id", "DjangoPBX"), ("domain_uuid", "FusionPBX"))
            ]
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

    def _kernel_query_parameters(self):
        """The query parameters the kernel's mixins read, for the views that have them."""
        params = []
        if isinstance(self.view, GlobalObjectsMixin):
            params.append(
                OpenApiParameter(
                    "global",
                    str,
                    enum=["yes", "no", "true", "false", "1", "0"],
                    description="`yes`: only the global objects (no tenant).",
                )
            )
        if self._action() == "import_rows":
            params += [
                OpenApiParameter(
                    param, str, description=f"Fills the `{field}` column of every row (wins over it)."
                )
                for param, field in getattr(self.view, "import_query_fields", {}).items()
            ]
        model = getattr(getattr(self.view, "queryset", None), "model", None)
        if self.method == "DELETE" and model is not None and destinations.is_target(model):
            params.append(
                OpenApiParameter(
                    "force",
                    bool,
                    description="Delete even when destinations point here, removing those "
                    "references (else 409 `in_use` lists them).",
                )
            )
        return params

    def _get_request_body(self, direction="request"):
        if self._action() != "bulk_destroy":
            return super()._get_request_body(direction)
        # drf-spectacular documents no body on DELETE; a bulk DELETE has one, the ids.
        method, self.method = self.method, "POST"
        try:
            body = super()._get_request_body(direction)
        finally:
            self.method = method
        body["required"] = True
        return body

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        """Add the detail-only fields (`destinations`, `referenced_by`, the serializer's
        `Meta.detail_only_fields`) to a resource's component: its list and detail share
        the component, and the kernel leaves those fields out of lists (they cost queries
        per row), so the schema gets them, not required, whichever view it met first."""
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        model = getattr(getattr(serializer, "Meta", None), "model", None)
        if model is None or "properties" not in schema or not isinstance(serializer, PbxModelSerializer):
            return schema
        extras = {}
        if destinations.owner_slots(model) is not None:
            extras["destinations"] = DestinationsField()
        if destinations.is_target(model) and direction == "response":
            extras["referenced_by"] = ReferencedByField()
        if direction == "response":
            for name in getattr(serializer.Meta, "detail_only_fields", ()):
                extras[name] = copy.deepcopy(type(serializer)._declared_fields[name])
        for name, field in extras.items():
            if name not in schema["properties"]:
                field.bind(name, serializer)
                schema["properties"][name] = self._map_serializer_field(field, direction)
            if name in schema.get("required", ()):
                schema["required"].remove(name)  # a list's rows do not carry it
                if not schema["required"]:
                    del schema["required"]
        return schema

    def get_filter_backends(self):
        # The list's filters belong to the list (and to the actions that declare them with
        # `extend_schema(filters=True)`), not to bulk changes, which name their objects.
        return super().get_filter_backends() if self._action() == "list" else []

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
        if self._action() != "list":
            return None  # only lists page; bulk answers and actions' arrays are plain arrays
        return super()._get_paginator()


MAX_ID = 10**18 - 1  # the router's lookup: at most 18 digits

API_MOUNT = "/api/"
ROOT_TAG = "api"


def resource_tag(path):
    """An operation's tag: the resource its path is under (`/api/hunt-lists/{id}/` ->
    `hunt-lists`), so that the docs and generated clients group operations by resource."""
    if path == API_MOUNT:
        return ROOT_TAG
    if path.startswith(API_MOUNT):
        return path[len(API_MOUNT) :].split("/")[0]
    return path.strip("/").split("/")[-1]  # outside the router: /api-auth/login/ -> login


def _first_paragraph(text):
    return " ".join((text or "").strip().split("\n\n")[0].split())


def add_tags(result, generator, request, public):
    """Postprocessing hook: a description for every tag (its view's docstring) and the
    tags grouped by app in `x-tagGroups`, which Redoc shows as sections."""
    views = {}
    for path, _regex, _method, callback in generator.endpoints:
        views.setdefault(resource_tag(path), callback.cls)
    used = {
        tag for item in result.get("paths", {}).values() for op in item.values() for tag in op.get("tags", [])
    }
    from pbx.api.routers import router  # here: the router's views import this module

    order = [config.name for config in apps.get_app_configs()]
    groups, aliases = {}, {}
    for tag in sorted(used):
        view = views.get(tag)
        if tag in router.aliases:
            # Another system's path for a resource: grouped by that system, named for ours.
            resource, system = router.aliases[tag]
            aliases.setdefault(f"{system} paths", []).append(
                {
                    "name": tag,
                    "description": f"{system}'s path for /api/{resource}/: "
                    + _first_paragraph(view and view.__doc__),
                }
            )
            continue
        config = apps.get_containing_app_config(view.__module__) if view else None
        groups.setdefault(config, []).append(
            {"name": tag, "description": _first_paragraph(view and view.__doc__)}
        )
    ordered = sorted(groups.items(), key=lambda item: order.index(item[0].name) if item[0] else len(order))
    ordered = [(config.verbose_name if config else "Other", tags) for config, tags in ordered]
    ordered += sorted(aliases.items())
    result["tags"] = [tag for _group, tags in ordered for tag in tags]
    result["x-tagGroups"] = [
        {"name": group, "tags": [tag["name"] for tag in tags]} for group, tags in ordered
    ]
    return result


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
    """The API key, wherever a request may carry it: each place is a scheme of its own,
    and any one of them is enough (alternatives, not a combination)."""

    target_class = "apikeys.authentication.ApiKeyAuthentication"

    @property
    def schemes(self):
        key = "An API key (`pbx_<prefix>_<secret>`)"
        schemes = {
            "ApiKeyHeader": {
                "type": "apiKey",
                "in": "header",
                "name": "X-API-Key",
                "description": f"{key} in the `X-API-Key` header.",
            },
            "Bearer": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "pbx_<prefix>_<secret>",
                "description": f"{key}, or a login token, as `Authorization: Bearer <key>`.",
            },
            # `Token` is not an HTTP scheme OpenAPI knows: the whole header value is the
            # credential, as DRF's own token authentication documents it.
            "Token": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": f"{key} as `Authorization: Token <key>` (DRF and DjangoPBX style).",
            },
        }
        if settings.PBX_ALLOW_KEY_IN_QUERY:
            schemes["ApiKeyQuery"] = {
                "type": "apiKey",
                "in": "query",
                "name": "key",
                "description": f"{key} as `?key=`; it reaches access logs, so prefer a header "
                "(`PBX_ALLOW_KEY_IN_QUERY=false` refuses it).",
            }
        return schemes

    @property
    def name(self):
        return list(self.schemes)

    def get_security_definition(self, auto_schema):
        return list(self.schemes.values())

    def get_security_requirement(self, auto_schema):
        return [{name: []} for name in self.schemes]


class BasicScheme(OpenApiAuthenticationExtension):
    """HTTP Basic with a username and password."""

    target_class = "apikeys.authentication.BasicAuthentication"
    name = "Basic"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "basic", "description": "A user's username and password."}


class SessionScheme(OpenApiAuthenticationExtension):
    """The admin's session cookie."""

    target_class = "apikeys.authentication.SessionAuthentication"
    name = "Session"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "The session of a user logged into `/admin/`; writes also need the "
            "`X-CSRFToken` header.",
        }


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
