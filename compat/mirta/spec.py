"""The OpenAPI 3.0.3 document of the openapi.php door, built from its object table so
that it lists exactly the objects and paths the door serves."""

from compat.mirta.objects import OBJECTS

ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            "required": ["code", "message"],
        }
    },
}
RECORD = {"type": "object", "additionalProperties": True}


def _responses(ok_status, ok_schema, description):
    return {
        ok_status: {"description": description, "content": {"application/json": {"schema": ok_schema}}},
        "default": {"description": "An error", "content": {"application/json": {"schema": ERROR}}},
    }


TENANT = {
    "name": "tenant",
    "in": "query",
    "required": False,
    "schema": {"type": "string"},
    "description": "Tenant code or name; a tenant key's own tenant when left out.",
}
GLOBAL = {
    "name": "global",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": ["yes", "no"]},
    "description": "yes: the global objects (settings, media files, feature codes ...).",
}
ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
BODY = {"required": True, "content": {"application/json": {"schema": RECORD}}}


def _paths(obj):
    base = f"/{obj.plural}"
    tag = [obj.name]
    paths = {
        base: {
            "get": {
                "tags": tag,
                "summary": f"List {obj.plural} (every row, as an array)",
                "parameters": [TENANT, GLOBAL],
                "responses": _responses("200", {"type": "array", "items": RECORD}, f"The {obj.plural}"),
            },
            "post": {
                "tags": tag,
                "summary": f"Create a {obj.name}",
                "parameters": [TENANT, GLOBAL],
                "requestBody": BODY,
                "responses": _responses("201", RECORD, f"The new {obj.name}"),
            },
        },
        f"{base}/{{id}}": {
            "get": {
                "tags": tag,
                "summary": f"Read a {obj.name}",
                "parameters": [ID, TENANT],
                "responses": _responses("200", RECORD, f"The {obj.name}"),
            },
            "patch": {
                "tags": tag,
                "summary": f"Change the fields sent of a {obj.name}",
                "parameters": [ID, TENANT],
                "requestBody": BODY,
                "responses": _responses("200", RECORD, f"The {obj.name}"),
            },
            "put": {
                "tags": tag,
                "summary": f"Change the fields sent of a {obj.name} (as PATCH)",
                "parameters": [ID, TENANT],
                "requestBody": BODY,
                "responses": _responses("200", RECORD, f"The {obj.name}"),
            },
            "delete": {
                "tags": tag,
                "summary": f"Delete a {obj.name}",
                "parameters": [ID, TENANT],
                "responses": _responses(
                    "200",
                    {
                        "type": "object",
                        "properties": {"deleted": {"type": "boolean"}, "id": {"type": "integer"}},
                    },
                    "Deleted",
                ),
            },
        },
    }
    if obj.numbered:
        number = {"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}
        paths[f"{base}/number/{{number}}"] = {
            "get": {
                "tags": tag,
                "summary": f"Read a {obj.name} by its number",
                "parameters": [number, TENANT],
                "responses": _responses("200", RECORD, f"The {obj.name}"),
            }
        }
    return paths


def specification(request):
    """The document, with the server URL the caller used (/openapi.php or /mirtapbx/openapi.php)."""
    server = request.build_absolute_uri(request.path.split("openapi.php")[0] + "openapi.php")
    paths = {}
    for obj in OBJECTS:
        paths.update(_paths(obj))
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "pbx: MiRTA PBX openapi.php",
            "version": "1.0",
            "description": "MiRTA PBX's openapi.php, served by pbx: each object is translated onto pbx's "
            "own API under /api/ (its full schema is at /api/schema/).",
        },
        "servers": [{"url": server}],
        "security": [{"ApiKeyHeader": []}, {"ApiKeyQuery": []}, {"Bearer": []}],
        "components": {
            "securitySchemes": {
                "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "ApiKeyQuery": {"type": "apiKey", "in": "query", "name": "key"},
                "Bearer": {"type": "http", "scheme": "bearer"},
            }
        },
        "tags": [{"name": obj.name, "description": f"pbx's /api/{obj.resource}/"} for obj in OBJECTS],
        "paths": paths,
    }
