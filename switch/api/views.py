"""`/api/switch/`: what Kamailio asks pbx (docs/switches.md, "What Kamailio asks pbx").

`dial/` and `did/` answer where a call goes (switch.dialing, switch.inbound); `calls/`
stores each finished call (switch.calls); `freeswitch/` answers FreeSWITCH's
mod_xml_curl lookups (switch.freeswitch). A routing decision is always a 200 answer,
a refusal included (`"action": "reject"`); 4xx is for a bad request or credential."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from apikeys.authentication import (
    ApiKeyAuthentication,
    BasicApiKeyAuthentication,
    BasicAuthentication,
    SessionAuthentication,
)
from pbx.api.parsers import JSONParser
from pbx.api.permissions import SwitchOnly
from pbx.api.renderers import JsonErrorsMixin
from pbx.api.strict import StrictQueryMixin, refuse_unknown_fields
from routing.api.numbers import number_param
from switch import calls, dialing, freeswitch, inbound
from switch.api.serializers import (
    FreeSwitchLookupSerializer,
    SwitchAnswerSerializer,
    SwitchCallSerializer,
    SwitchCallStoredSerializer,
    SwitchDialQuerySerializer,
    SwitchDIDQuerySerializer,
)

# DRF reads `?format=` on every request; these answers have one form.
FORMAT = OpenApiParameter("format", str, enum=["json"], description="The answer's form: JSON.")


class SwitchViewSet(JsonErrorsMixin, StrictQueryMixin, viewsets.ViewSet):
    """What Kamailio asks pbx: where a call from an extension (`dial/`) or a carrier
    (`did/`) goes, and the record of each finished call (`calls/`). For a switch's
    credential (switch_api), or a platform administrator on a global key.

    Not rate limited: a switch asks once per call, and a refused question is a lost call."""

    permission_classes = [SwitchOnly]
    for_switches = True
    throttle_classes = []
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]  # answers, not rows: no CSV

    @extend_schema(parameters=[SwitchDialQuerySerializer, FORMAT], responses=SwitchAnswerSerializer)
    @action(detail=False, methods=["get"], url_path="dial", query_parameters=["domain", "caller", "number"])
    def dial(self, request):
        """Where a call from an extension goes: an extension of its tenant, the media
        server, trunks, or a refusal."""
        query = self._query(request, SwitchDialQuerySerializer, numbers=["number"])
        return Response(dialing.dial(**query))

    @extend_schema(parameters=[SwitchDIDQuerySerializer, FORMAT], responses=SwitchAnswerSerializer)
    @action(detail=False, methods=["get"], url_path="did", query_parameters=["number", "caller", "source"])
    def did(self, request):
        """Where a call from a carrier (known by its source address) to a DID goes, and
        for how many seconds the answer holds (`ttl`)."""
        query = self._query(request, SwitchDIDQuerySerializer, numbers=["number", "caller"])
        return Response(inbound.did(query["number"], query.get("caller", ""), query["source"]))

    @extend_schema(
        parameters=[FORMAT],
        request=SwitchCallSerializer,
        responses={201: SwitchCallStoredSerializer, 200: SwitchCallStoredSerializer},
    )
    @action(detail=False, methods=["post"], url_path="calls", parser_classes=[JSONParser])
    def calls(self, request):
        """Store a finished call once: 201 when stored, 200 with `skipped` when that call
        (tenant, call_id) is already stored. Its `call.completed` webhooks follow."""
        refuse_unknown_fields(request.data, SwitchCallSerializer().fields)
        body = SwitchCallSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        stored, pk = calls.store_call(body.validated_data)
        result = {
            "id": pk,
            "call_id": body.validated_data["call_id"],
            "tenant": body.validated_data["tenant"].strip().upper(),
            "stored": int(stored),
            "skipped": int(not stored),
        }
        return Response(result, status=201 if stored else 200)

    @extend_schema(
        parameters=[FORMAT],
        request={
            "application/x-www-form-urlencoded": FreeSwitchLookupSerializer,
            "application/json": FreeSwitchLookupSerializer,
        },
        responses={(200, "text/xml"): OpenApiTypes.STR},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="freeswitch",
        # FreeSWITCH posts a form; a JSON object of the same fields is read alike (tools).
        parser_classes=[FormParser, JSONParser],
        # FreeSWITCH's gateway-credentials is a user and a password: the password may
        # be the switch's API key, or the switch_api user's own password.
        authentication_classes=[
            ApiKeyAuthentication,
            BasicApiKeyAuthentication,
            BasicAuthentication,
            SessionAuthentication,  # a platform administrator trying it in the browsable API
        ],
    )
    def freeswitch(self, request):
        """FreeSWITCH's mod_xml_curl lookup (form fields): a user of its directory or
        the extension of its dial plan for a call, as `<document type="freeswitch/xml">`;
        every other section, and anything unknown, answers `<result status="not found"/>`."""
        # The one place unknown body fields are taken: FreeSWITCH posts every header and
        # channel variable of the call (hundreds, `variable_*`) and names no fixed set.
        # What pbx reads is checked; `section` must be there.
        body = FreeSwitchLookupSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        form = {name: value for name, value in request.data.items() if isinstance(value, str)}
        return HttpResponse(freeswitch.answer(form), content_type="text/xml; charset=utf-8")

    def _query(self, request, serializer_class, numbers):
        """The validated query; phone numbers read as the route tools read them (a
        literal `+` kept, separators dropped)."""
        params = request.query_params.dict()
        for name in numbers:
            # A SIP username (`alice.smith`) or `anonymous` is no number: kept as written.
            if name in params and not any(char.isalpha() for char in params[name]):
                params[name] = number_param(request, name) or ""
        query = serializer_class(data=params)
        query.is_valid(raise_exception=True)
        return query.validated_data
