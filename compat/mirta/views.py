"""MiRTA PBX's openapi.php, translated onto pbx's own viewsets.

A request to `/openapi.php/...` or `/mirtapbx/openapi.php/...` is read in MiRTA PBX's
terms (plural and singular paths, `?object=X&action=Y`, `id`, `objectid`, `number`),
rewritten as the /api/ request that means the same, and handed to the very view that
/api/ resolves to: authentication, scope, validation, the change log and webhooks are
the kernel's. The answer comes back in MiRTA PBX's shape: lists as a bare array, its
table's column names beside pbx's fields, `{"deleted": true, "id", "number"}` for a
delete, and its error codes.
"""

import io
import json
import logging
from functools import partial

from django.db import transaction
from django.http import HttpResponse, JsonResponse, QueryDict
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework.response import Response

from compat.mirta.groups import GROUP_COLUMNS, GroupWriteFailed, group_names, groups_by_extension, set_groups
from compat.mirta.objects import BY_NAME, BY_PLURAL, TENANT_ID
from compat.mirta.spec import specification
from pbx.api.exceptions import envelope, error_response
from pbx.middleware import API_CACHE_CONTROL, CORS_HEADERS, ApiGuardMiddleware
from tenants.models import Tenant

logger = logging.getLogger("pbx.api")

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# `?action=` and the methods each may come with. A method that disagrees with the action
# is refused: a GET that deletes would let a read-only key, a crawler or a prefetch write.
ACTIONS = {
    "list": ("GET",),
    "info": ("GET",),
    "add": ("POST",),
    "create": ("POST",),
    "modify": ("PATCH", "PUT"),
    "update": ("PUT", "PATCH"),
    "delete": ("DELETE",),
}
COLLECTION_ACTIONS = {"list", "add", "create"}
# Query parameters that only say what the door addresses: never passed to pbx's view.
DOOR_PARAMETERS = ("object", "action", "id", "objectid", "number", "spec")
# The largest page pbx's lists serve; a MiRTA PBX list is every row, read page by page.
PAGE_SIZE = 1000

_guard = ApiGuardMiddleware(get_response=None)  # the /api/ guards: size, NUL, preflight


class DoorError(Exception):
    """An error the door answers itself, in MiRTA PBX's shape."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def endpoint_not_found():
    return DoorError(404, "not_found", "Endpoint not found.")


@csrf_exempt  # credentials travel in headers or ?key=; pbx's views enforce CSRF for sessions
def openapi(request, tail=None):
    """Every request to openapi.php, whatever its path below it."""
    response = _guard.guard(request)
    if response is None:
        try:
            response = answer(request, tail)
        except DoorError as error:
            response = error_response(error.status, error.code, error.message)
        except Exception:
            logger.exception("unhandled error in %s %s", request.method, request.path)
            response = error_response(
                500,
                "internal_error",
                f"An unexpected error occurred; quote request id {getattr(request, 'request_id', '')}.",
            )
    for header, value in CORS_HEADERS.items():
        response[header] = value
    response["Cache-Control"] = API_CACHE_CONTROL
    return response


def answer(request, tail):
    tail = (tail or "").strip("/")
    params = request.GET
    if request.method not in METHODS:
        raise DoorError(405, "method_not_allowed", "Supported methods are GET, POST, PUT, PATCH and DELETE.")
    if tail in ("openapi.json", "swagger.json") or (
        not tail and ("spec" in params or "object" not in params)
    ):
        if request.method != "GET":
            raise DoorError(405, "method_not_allowed", "The specification is read with GET.")
        return JsonResponse(specification(request))
    if "format" in params:
        raise DoorError(
            400,
            "unknown_parameter",
            "openapi.php answers JSON only; for CSV use pbx's /api/<resource>/?format=csv.",
        )
    # Always JSON, as in MiRTA PBX, whatever the client's Accept says.
    request.META["HTTP_ACCEPT"] = "application/json"
    target = Target.from_object_form(request) if not tail else Target.from_path(request, tail)
    return target.dispatch(request)


class Target:
    """What a request addresses: one object type, and one object of it or all of them."""

    def __init__(self, obj, operation, selector=None):
        self.groups = {}  # an extension's call and pickup groups to set (compat.mirta.groups)
        self.obj = obj
        self.operation = operation  # list, create, retrieve, update, delete
        self.selector = selector  # None, ("id", "12") or ("number", "100")

    @classmethod
    def from_path(cls, request, tail):
        parts = tail.split("/")
        name = parts[0]
        method = request.method
        obj = BY_PLURAL.get(name) or BY_NAME.get(name)
        if obj is None or len(parts) > 3 or (len(parts) == 3 and parts[1] != "number"):
            raise endpoint_not_found()
        selector = _selector(request, obj, ("id", "objectid"))
        if len(parts) > 1:
            if name != obj.plural:
                raise endpoint_not_found()
            if selector is not None:
                raise DoorError(
                    400, "invalid_identifier", "The path names the object already: drop id or number."
                )
            selector = ("id", parts[1]) if len(parts) == 2 else ("number", parts[2])
            return cls(obj, _single_operation(method), selector)
        if selector is not None:
            # `?id=` (or `?number=`) selects one object on the plural path too, never a
            # parameter quietly dropped from a list.
            return cls(obj, _single_operation(method), selector)
        if name == obj.plural or method == "POST":
            return cls(obj, _collection_operation(method))
        raise DoorError(400, "missing_identifier", _missing_identifier_message(obj))

    @classmethod
    def from_object_form(cls, request):
        params = request.GET
        name = params.get("object", "").strip().lower()
        obj = BY_NAME.get(name) or BY_PLURAL.get(name)
        if obj is None:
            raise endpoint_not_found()
        action = params.get("action", "").strip().lower()
        if not action:
            action = {"GET": "list", "POST": "add", "PATCH": "modify", "PUT": "update", "DELETE": "delete"}[
                request.method
            ]
            if action == "list" and _selector(request, obj, ("id", "objectid")) is not None:
                action = "info"
        if action not in ACTIONS:
            raise DoorError(
                400, "invalid_action", f"Unknown action {action!r}: use one of {', '.join(ACTIONS)}."
            )
        if request.method not in ACTIONS[action]:
            allowed = " or ".join(ACTIONS[action])
            raise DoorError(405, "method_not_allowed", f"action={action} is sent with {allowed}.")
        if action in COLLECTION_ACTIONS:
            return cls(obj, "list" if action == "list" else "create")
        selector = _selector(request, obj, ("id", "objectid"))
        if selector is None:
            raise DoorError(400, "missing_identifier", _missing_identifier_message(obj))
        return cls(obj, _single_operation(request.method), selector)

    # --- translation ----------------------------------------------------------------------

    def api_path(self):
        path = f"/api/{self.obj.resource}/"
        if self.selector is None:
            return path
        kind, value = self.selector
        if kind == "id" and not (value.isascii() and value.isdigit()):
            raise DoorError(400, "invalid_identifier", f"The {self.obj.name} id must be a number.")
        return path + (f"{value}/" if kind == "id" else f"number/{value}/")

    def dispatch(self, request):
        try:
            match = resolve(self.api_path())
        except Resolver404:
            raise self.not_found() from None
        self.rewrite_query(request)
        if self.operation in ("create", "update"):
            self.rewrite_body(request, getattr(match.func.cls.serializer_class.Meta, "aliases", {}))
        if self.operation == "list":
            return self.list(request, match)
        if self.operation == "delete":
            return self.delete(request, match)
        if self.operation == "update":
            # MiRTA PBX changes only the fields sent, whether by PUT or PATCH: pbx's PATCH.
            request.method = "PATCH"
        if self.operation == "retrieve":
            response = call(match, request)
        else:
            try:
                with transaction.atomic():  # the object and its groups, or nothing
                    response = call(match, request)
                    if response.status_code < 400 and self.groups:
                        data = response.data
                        call_as_caller = partial(internal_call, request)
                        set_groups(call_as_caller, data["id"], data["tenant"], self.groups)
            except GroupWriteFailed as failed:
                response = failed.response
        if response.status_code >= 400:
            return self.error(response)
        if response.status_code == 304:  # If-None-Match matched: the client's copy is current
            answer = HttpResponse(status=304)
        else:
            answer = JsonResponse(self.translate(response.data), status=response.status_code, safe=False)
        if "ETag" in response:
            answer["ETag"] = response["ETag"]
        return answer

    def rewrite_query(self, request):
        """Keep the parameters pbx's view takes (key, tenant, global, filters); MiRTA PBX's
        own list parameters become pbx's filters of the same meaning."""
        query = QueryDict(mutable=True)
        for name, values in request.GET.lists():
            if name in DOOR_PARAMETERS:
                continue
            if self.operation == "list" and name in self.obj.list_filters:
                name = self.obj.list_filters[name]
            query.setlist(name, values)
        request.GET = query

    def rewrite_body(self, request, kernel_aliases):
        """Read the JSON body and rename MiRTA PBX's table columns to pbx's fields; the
        kernel's serializer takes it from there (aliases, strict input, validation)."""
        raw = request.body
        if not raw.strip():
            body = {}
        else:
            try:
                body = json.loads(raw)
            except (ValueError, RecursionError):
                raise DoorError(400, "invalid_json", "The request body is not valid JSON.") from None
        if isinstance(body, dict):
            refused = [name for name in body if name in self.obj.unsupported]
            if refused:
                reasons = " ".join(f"{name}: {self.obj.unsupported[name]}" for name in refused)
                raise DoorError(
                    400, "unsupported_field", f"pbx cannot honour {', '.join(refused)}. {reasons}"
                )
            if self.obj.name == "user" and isinstance(body.get("tenants"), list):
                body["tenants"] = tenant_codes(body["tenants"])
            if self.obj.name == "extension":
                self.groups = self.pop_groups(body)
            body = self.rename_columns(body, kernel_aliases)
        data = json.dumps(body).encode()
        request._body = data
        request._stream = io.BytesIO(data)
        request.META["CONTENT_TYPE"] = "application/json"
        request.META["CONTENT_LENGTH"] = str(len(data))

    def pop_groups(self, body):
        """{kind: [names]} of the `ex_callgroup` and `ex_pickupgroup` sent (compat.mirta.groups)."""
        wanted = {}
        for column, kind in GROUP_COLUMNS.items():
            if column in body:
                names = group_names(body.pop(column))
                if names is None:
                    raise DoorError(400, "validation_error", f'{column}: send group numbers as "1,2".')
                wanted[kind] = names
        return wanted

    def rename_columns(self, body, kernel_aliases):
        """MiRTA PBX's columns that the kernel's serializer does not alias itself, renamed
        to pbx's fields. A column sent beside its field is left for the kernel to refuse
        (one of two values must never win quietly); so are the id and the tenant's id,
        which are read-only."""
        renamed = {}
        for name, value in body.items():
            pbx_field = self.obj.columns.get(name)
            if (
                isinstance(pbx_field, str)
                and name != self.obj.id_column
                and name not in kernel_aliases
                and pbx_field not in body
            ):
                name = pbx_field
            renamed[name] = value
        return renamed

    def list(self, request, match):
        """Every row (MiRTA PBX's lists are not paged), read from pbx's pages; a script
        that sends `page` or `page_size` gets that page only."""
        query = request.GET.copy()
        one_page = "page" in query or "page_size" in query
        if not one_page:
            query["page_size"] = str(PAGE_SIZE)
        rows, page = [], 1
        while True:
            if not one_page:
                query["page"] = str(page)
            request.GET = query
            response = call(match, request)
            if response.status_code >= 400:
                return self.error(response)
            rows.extend(response.data["results"])
            if one_page or not response.data.get("next"):
                break
            page += 1
        return JsonResponse(self.translate_rows(rows), safe=False)

    def delete(self, request, match):
        """MiRTA PBX answers a delete with the object's id and number: read it first (as
        the caller, so the read is within its reach), then delete."""
        query = {k: v for k, v in request.GET.items() if k in ("tenant", "global")}
        before = internal_call(request, "GET", self.api_path(), query, None)
        if before.status_code >= 400:
            return self.error(before)
        response = call(match, request)
        if response.status_code >= 400:
            return self.error(response)
        answer = {"deleted": True, "id": before.data["id"]}
        if "number" in before.data:
            answer["number"] = before.data["number"]
        return JsonResponse(answer)

    # --- answers --------------------------------------------------------------------------

    def translate(self, data):
        if isinstance(data, list):  # a bulk write's objects
            return self.translate_rows(data)
        return self.translate_rows([data])[0] if isinstance(data, dict) else data

    def translate_rows(self, rows):
        """pbx's rows with MiRTA PBX's table columns (and the tenant's id, code and name)
        in front: scripts read either name."""
        codes = {row.get("tenant") for row in rows if isinstance(row.get("tenant"), str)}
        tenants = {t["code"]: t for t in Tenant.objects.filter(code__in=codes).values("id", "code", "name")}
        translated = []
        for row in rows:
            out = {}
            for column, pbx_field in self.obj.columns.items():
                if pbx_field is TENANT_ID:
                    tenant = tenants.get(row.get("tenant"))
                    out[column] = column_value(tenant["id"] if tenant else None)
                elif pbx_field in row:
                    out[column] = column_value(row[pbx_field])
            if "tenant" in row:
                tenant = tenants.get(row["tenant"])
                out["tenant_code"] = row["tenant"]
                out["tenant_name"] = tenant["name"] if tenant else None
            for name, pbx_field in self.obj.normalised.items():
                if pbx_field in row:
                    out[name] = row[pbx_field]
            translated.append({**row, **out})
        if self.obj.name == "extension":
            groups = groups_by_extension([row["id"] for row in rows if "id" in row])
            for row in translated:
                row.update(groups.get(row.get("id"), {}))
        return translated

    def not_found(self):
        if self.obj.name == "extension":
            return DoorError(404, "extension_not_found", "Extension not found.")
        return DoorError(404, "not_found", f"{self.obj.name.capitalize()} not found.")

    def error(self, response):
        """pbx's error, with MiRTA PBX's codes where it has its own."""
        data = response.data if isinstance(response, Response) else None
        error = data.get("error") if isinstance(data, dict) else None
        if not isinstance(error, dict):
            return _plain(response)
        code = error.get("code")
        if self.obj.name == "extension" and code == "not_found" and self.selector is not None:
            error = {**error, "code": "extension_not_found", "message": "Extension not found."}
        elif self.obj.name == "extension" and code == "multiple_objects_found":
            error = {
                **error,
                "code": "multiple_extensions_found",
                "message": "Multiple extensions match the requested number. "
                "Use the tenant parameter or the extension id.",
            }
        answer = JsonResponse(envelope(**{k: error[k] for k in ("code", "message")}, **_extra(error)))
        answer.status_code = response.status_code
        for header in (
            "Retry-After",
            "WWW-Authenticate",
            "RateLimit-Limit",
            "RateLimit-Remaining",
            "RateLimit-Reset",
        ):
            if header in response:
                answer[header] = response[header]
        return answer


def column_value(value):
    """A table column as MiRTA PBX answers it: numbers as text (`"ex_id": "101"`), as its
    database driver returns them; the normalised `id` beside it stays a number."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def tenant_codes(items):
    """MiRTA PBX assigns a user's tenants by id, pbx by code: ids become codes (an id that
    names no tenant is kept, and the kernel answers it as an unknown tenant)."""
    ids = [item for item in items if isinstance(item, int) and not isinstance(item, bool)]
    codes = dict(Tenant.objects.filter(pk__in=ids).values_list("pk", "code"))
    return [codes.get(item, str(item)) if item in ids else item for item in items]


def _extra(error):
    return {k: v for k, v in error.items() if k not in ("code", "message")}


def _plain(response):
    """An error without pbx's envelope (none is expected): its status, no body."""
    return HttpResponse(status=response.status_code)


def call(match, request):
    """Run the /api/ view that `match` resolved, on this request."""
    return match.func(request, *match.args, **match.kwargs)


def internal_call(request, method, path, query, body):
    """Run pbx's view for `method path?query` with the JSON `body`, as the caller of
    `request` (same credentials, so the same reach)."""
    inner = request.__class__.__new__(request.__class__)
    inner.__dict__.update(request.__dict__)
    inner.META = dict(request.META)
    inner.method = method
    inner.GET = QueryDict(mutable=True)
    if "key" in request.GET:
        inner.GET["key"] = request.GET["key"]
    inner.GET.update(query)
    data = json.dumps(body).encode() if body is not None else b""
    inner._body = data
    inner._stream = io.BytesIO(data)
    inner.META["CONTENT_TYPE"] = "application/json"
    inner.META["CONTENT_LENGTH"] = str(len(data))
    inner.META.pop("HTTP_IDEMPOTENCY_KEY", None)  # the caller's key is for its own request
    for header in ("HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH"):  # about the caller's object, not this one
        inner.META.pop(header, None)
    return call(resolve(path), inner)


def _collection_operation(method):
    if method == "GET":
        return "list"
    if method == "POST":
        return "create"
    raise DoorError(405, "method_not_allowed", "A list is read with GET and added to with POST.")


def _single_operation(method):
    operation = {"GET": "retrieve", "PUT": "update", "PATCH": "update", "DELETE": "delete"}.get(method)
    if operation is None:
        raise DoorError(
            405,
            "method_not_allowed",
            "One object is read with GET, changed with PUT or PATCH, "
            "deleted with DELETE; create with POST on the plural path.",
        )
    return operation


def _selector(request, obj, id_names):
    """("id", value) or ("number", value) from the query; 400 invalid_identifier for both."""
    params = request.GET
    ids = [params[name] for name in id_names if params.get(name, "").strip()]
    number = params.get("number", "").strip()
    if len(set(ids)) > 1:
        raise DoorError(400, "invalid_identifier", "Send the id once: id or objectid.")
    if ids and number:
        raise DoorError(400, "invalid_identifier", "Use either id or number, not both.")
    if number:
        if not obj.numbered:
            raise DoorError(400, "invalid_identifier", f"A {obj.name} is selected by id, not by number.")
        return ("number", number)
    return ("id", ids[0].strip()) if ids else None


def _missing_identifier_message(obj):
    if obj.numbered:
        return (
            f"Provide an {obj.name} id or number."
            if obj.name[0] in "aeiou"
            else f"Provide a {obj.name} id or number."
        )
    return f"Provide an {obj.name} id." if obj.name[0] in "aeiou" else f"Provide a {obj.name} id."
