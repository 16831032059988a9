"""FusionPBX rest_api's endpoint: `POST /app/rest_api/rest.php` with a JSON body naming
the `action` (compat.fusionpbx.actions), answered in FusionPBX's shapes; errors as
`{"error": "..."}` with its status codes."""

import json

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions as drf
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from compat.fusionpbx import kernel
from compat.fusionpbx.actions import ACTION_ALIASES, ACTIONS, ActionError
from compat.fusionpbx.authentication import FusionPbxKeyAuthentication
from pbx.api.exceptions import ApiError
from pbx.api.scope import scope_of
from pbx.api.viewsets import record_api_actor


class AnyBody(BaseParser):
    """FusionPBX's examples send JSON with curl's `-d`, so as a form: read any body as is."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


class Context:
    """What an action needs: the caller's scope and a way to call the kernel as the caller."""

    def __init__(self, request):
        self.request = request
        self.scope = scope_of(request)

    def call(self, method, url_name, **kwargs):
        return kernel.call(self.request, self.request.auth.whole_key, method, url_name, **kwargs)


@extend_schema(exclude=True)  # FusionPBX's endpoint, outside pbx's API: docs/migrating.md describes it
class RestView(APIView):
    """`POST /app/rest_api/rest.php`: one FusionPBX rest_api action per request."""

    authentication_classes = [FusionPbxKeyAuthentication]
    # Every action is a POST here: what a read-only key may do is decided by the kernel's
    # views the action calls (a read is a GET there, a write a POST).
    permission_classes = []
    parser_classes = [AnyBody]
    renderer_classes = [JSONRenderer]

    def post(self, request):
        if request.auth is None:
            raise ActionError("unauthorized", 401)
        record_api_actor(request)
        body = self.body(request)
        name = str(body.get("action") or "").strip().lower()
        if not name:
            raise ActionError("missing required parameter(s)", missing_parameters=["action"])
        if "app" in body:
            raise ActionError("unknown app: pbx answers the rest_api actions only", accepted=sorted(ACTIONS))
        action = ACTIONS.get(ACTION_ALIASES.get(name, name))
        if action is None:
            raise ActionError("unknown action", accepted=sorted(ACTIONS))
        missing = [p for p in action.required if body.get(p) in (None, "")]
        if name.startswith("extension-details") and not (body.get("extension_uuid") or body.get("extension")):
            missing.append("extension_uuid")
        if missing:
            raise ActionError("missing required parameter(s)", missing_parameters=missing)
        unknown = sorted(set(body) - action.accepted)
        if unknown:
            # FusionPBX would ignore them; here a parameter that does nothing is an error.
            raise ActionError(
                f"unknown parameter(s) {', '.join(unknown)} for {name}",
                unknown_parameters=unknown,
                accepted=sorted(action.accepted),
            )
        with transaction.atomic():
            return Response(action.handler(Context(request), body))

    def body(self, request):
        raw = request.data
        try:
            body = json.loads(raw or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise ActionError("the body must be a JSON object") from None
        if not isinstance(body, dict):
            raise ActionError("the body must be a JSON object")
        return body

    def handle_exception(self, exc):
        if isinstance(exc, ActionError):
            return Response({"error": str(exc), **exc.extra}, status=exc.status)
        if isinstance(exc, drf.AuthenticationFailed | drf.NotAuthenticated):
            return Response({"error": "unauthorized"}, status=401)
        if isinstance(exc, drf.MethodNotAllowed):
            return Response({"error": "method not allowed: POST a JSON body"}, status=405)
        if isinstance(exc, ApiError | drf.APIException):
            code = getattr(exc, "default_code", None)
            # FusionPBX answers every refused credential alike; pbx's code says which it was.
            message = "unauthorized" if exc.status_code == 401 else str(exc.detail)
            return Response({"error": message, "code": code}, status=exc.status_code)
        return super().handle_exception(exc)
