"""Click-to-dial: `POST /api/calls/` (and DjangoPBX's `POST /api/clickdial/`) ring an
extension, then connect it to a number (switch.originate); `GET /api/calls/<id>/`
answers what became of the request, `GET /api/calls/` lists the requests. docs/switches.md, "Click-to-dial"."""

import re

from django.core.validators import RegexValidator
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from apikeys import roles
from extensions.models import Extension
from pbx.api.concurrency import idempotent
from pbx.api.exceptions import ApiError, MissingTenant, NotFound, PermissionDenied
from pbx.api.filters import TIME_LOOKUPS, FilterBackend, PbxFilterSet
from pbx.api.parsers import JSONParser
from pbx.api.renderers import CSVRenderer, JsonErrorsMixin, stream_csv
from pbx.api.scope import scope_of
from pbx.api.serializers import DetailUrlField, apply_aliases
from pbx.api.strict import StrictQueryMixin, refuse_unknown_fields
from pbx.api.viewsets import ID_REGEX, every_row, record_api_actor
from switch.api.views import FORMAT
from switch.models import Originate
from switch.originate import originate

number_validator = RegexValidator(
    r"^\+?[0-9*#]{1,32}$", "Enter a number: digits, * or #, with an optional leading +."
)
caller_number_validator = RegexValidator(r"^\+?[0-9]{1,32}$", "Enter digits, with an optional leading +.")
# The name travels inside an AMI header and a quoted FreeSWITCH channel variable.
caller_name_validator = RegexValidator(
    r"^[^\x00-\x1f\x7f'\"{},<>\\]+$", "Use no quotes, braces, commas, angle brackets or control characters."
)


# DRF reads `?format=` on every request; `?tenant=` names the tenant for a global key.
QUERY = [FORMAT, OpenApiParameter("tenant", str, description="The tenant (its code), for a global key.")]


class CallRequestSerializer(serializers.Serializer):
    """A click-to-dial request; `from` is an extension's id (a JSON number) or its number
    (a string). FusionPBX's `destination_a` and `destination_b` mean `from` and `to`."""

    tenant = serializers.CharField(
        max_length=200, required=False, help_text="For a global key: the tenant's code."
    )
    to = serializers.CharField(max_length=32, validators=[number_validator])
    caller_id_name = serializers.CharField(
        max_length=64, required=False, allow_blank=True, validators=[caller_name_validator]
    )
    caller_id_number = serializers.CharField(
        max_length=32, required=False, allow_blank=True, validators=[caller_number_validator]
    )
    aliases = {"destination_a": "from", "destination_b": "to"}

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.JSONField(
            help_text="The extension to ring first: its id, or its number as a string."
        )
        return fields

    def validate_from(self, value):
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise serializers.ValidationError("Send the extension's id (a number) or its number (a string).")
        if isinstance(value, str) and not re.fullmatch(r"[0-9*#+]{1,15}", value.strip()):
            raise serializers.ValidationError('Enter an extension number such as "100".')
        return value.strip() if isinstance(value, str) else value


class ClickDialRequestSerializer(serializers.Serializer):
    """DjangoPBX's click-to-dial body: ring the caller's own extension, then `dest`;
    `host` optionally names the media server, which must be the tenant's."""

    dest = serializers.CharField(max_length=32, validators=[number_validator])
    host = serializers.CharField(max_length=100, required=False, allow_blank=True)
    tenant = serializers.CharField(
        max_length=200, required=False, help_text="For a global key: the tenant's code."
    )

    def get_fields(self):
        fields = super().get_fields()
        # pbx's own addition: another of the tenant's extensions than the caller's own.
        fields["from"] = serializers.CharField(
            max_length=15, required=False, help_text="The extension to ring first, if not your own."
        )
        return fields


class CallSerializer(serializers.ModelSerializer):
    """A click-to-dial request and what became of it (`placing`, `placed`, `failed`)."""

    url = DetailUrlField(view_name="call-detail")
    tenant = serializers.CharField(source="tenant.code")
    extension = serializers.IntegerField(source="extension_id", allow_null=True)

    class Meta:
        model = Originate
        fields = [
            "id",
            "url",
            "tenant",
            "extension",
            "to",
            "caller_id_name",
            "caller_id_number",
            "server_kind",
            "state",
            "error",
            "created_at",
        ]
        read_only_fields = fields


class CallFilterSet(PbxFilterSet):
    """`GET /api/calls/`'s filters: `?state=failed`, `?extension=12`, `?to=`,
    `?created_at__gte=` (and `__gt`, `__lt`, `__lte`); `?id=1,2`."""

    tag = None  # a click-to-dial request carries no tags

    class Meta:
        model = Originate
        fields = {
            "state": ["exact"],
            "extension": ["exact"],
            "to": ["exact", "startswith"],
            "server_kind": ["exact"],
            "created_at": TIME_LOOKUPS,
        }


class ClickToDialBase(JsonErrorsMixin, StrictQueryMixin, viewsets.ViewSet):
    """What both click-to-dial routes share: the tenant, the extension, the answer."""

    lookup_value_regex = ID_REGEX
    query_parameters = ("tenant",)
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]  # one object, not rows: no CSV

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        record_api_actor(request)

    def _place(self, extension, to, caller_id_name, caller_id_number):
        call = originate(extension, to, caller_id_name, caller_id_number)
        return Response(CallSerializer(call, context={"request": self.request}).data, status=202)

    def tenant(self, body_tenant=None):
        """The body's `tenant` or `?tenant=` (one of them, or the same), else the key's
        tenant, else the caller's only tenant; 404 for one out of reach."""
        scope = scope_of(self.request)
        param = self.request.query_params.get("tenant")
        named = [scope.tenant(value) for value in (body_tenant, param) if value]
        if len({tenant.pk for tenant in named}) > 1:
            raise ApiError(fields={"tenant": ["Differs from ?tenant=: send one tenant."]})
        if named:
            return named[0]
        if scope.key_tenant_id is not None:
            return scope.key.tenant
        if scope.tenant_ids is not None and len(scope.tenant_ids) == 1:
            return scope.tenant(next(iter(scope.tenant_ids)))
        raise MissingTenant()

    def _extension(self, tenant, value):
        """The tenant's extension `value` names; another tenant's answers as a missing one."""
        found = Extension.objects.select_related("tenant").filter(tenant=tenant)
        found = found.filter(pk=value) if isinstance(value, int) else found.filter(number=value)
        extension = found.first() if not isinstance(value, int) or 0 < value < 10**18 else None
        if extension is None:
            raise NotFound(f"Extension {value} not found.")
        scope = scope_of(self.request)
        if scope.role == roles.USER and extension.user_id != scope.user.pk:
            raise PermissionDenied("Your role (user_api) may place calls only from your own extensions.")
        return extension


class CallViewSet(ClickToDialBase, viewsets.GenericViewSet):
    """Click-to-dial for the caller's tenant (`?tenant=` on a global key): place a call,
    list the requests (newest first, paged and filtered as every list, CSV too), read one.
    A user_api caller places calls from its own extensions and reads only those."""

    serializer_class = CallSerializer
    queryset = Originate.objects.select_related("tenant")
    filterset_class = CallFilterSet
    filter_backends = [FilterBackend]
    renderer_classes = [JSONRenderer, CSVRenderer, BrowsableAPIRenderer]

    def accepted_query_parameters(self):
        names = set(super().accepted_query_parameters())
        if self.action == "list":
            paginator = self.paginator
            names |= {paginator.page_query_param, paginator.page_size_query_param}
            names |= FilterBackend().query_parameters(self)
        return names

    def get_queryset(self):
        """The caller's reach, as the kernel's lists have it (pbx.api.viewsets): `?tenant=`
        narrows (404 out of reach), a tenant key sees its tenant, a user_api caller the
        requests of its own extensions."""
        scope = scope_of(self.request)
        calls = Originate.objects.select_related("tenant").order_by("-id")
        if self.request.query_params.get("tenant"):
            calls = calls.filter(tenant=scope.tenant(self.request.query_params["tenant"]))
        elif scope.tenant_ids is not None:
            calls = calls.filter(tenant_id__in=scope.tenant_ids)
        if scope.role == roles.USER:
            calls = calls.filter(extension__user=scope.user)
        return calls

    @extend_schema(request=CallRequestSerializer, responses={202: CallSerializer}, parameters=QUERY)
    def create(self, request):
        """Ring `from` (an extension of the tenant with a registered phone), then connect
        it to `to`: 202 once the media server has taken the call."""
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        accepted = [*CallRequestSerializer().fields, *CallRequestSerializer.aliases]
        refuse_unknown_fields(request.data, accepted)
        body = CallRequestSerializer(data=apply_aliases(request.data, CallRequestSerializer.aliases))
        body.is_valid(raise_exception=True)
        data = body.validated_data
        extension = self._extension(self.tenant(data.get("tenant")), data["from"])
        return self._place(
            extension, data["to"], data.get("caller_id_name", ""), data.get("caller_id_number", "")
        )

    @extend_schema(parameters=QUERY)
    def list(self, request):
        """The click-to-dial requests of the caller's tenants, newest first."""
        calls = self.filter_queryset(self.get_queryset())
        if isinstance(request.accepted_renderer, CSVRenderer):
            return self._csv(calls)
        page = self.paginate_queryset(calls)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _csv(self, calls):
        """A page as CSV, or every row with `?page_size=all` (as every list, pbx.api.viewsets)."""
        if self.request.query_params.get("page_size") == "all":
            rows = every_row(calls)
        else:
            rows = self.paginate_queryset(calls)
        serializer = self.get_serializer()
        records = (serializer.to_representation(row) for row in rows)
        return stream_csv(list(serializer.fields), records, "calls")

    @extend_schema(responses=CallSerializer, parameters=QUERY)
    def retrieve(self, request, pk=None):
        """One click-to-dial request of the caller's tenants."""
        call = self.get_queryset().filter(pk=pk).first()
        if call is None:
            raise NotFound(f"Call {pk} not found.")
        return Response(CallSerializer(call, context={"request": request}).data)


class ClickDialViewSet(ClickToDialBase):
    """DjangoPBX's click-to-dial: `{"dest": ..., "host": ...}` rings the caller's own
    extension (the only one whose user it is), then `dest`."""

    @extend_schema(request=ClickDialRequestSerializer, responses={202: CallSerializer}, parameters=QUERY)
    def create(self, request):
        """Ring the caller's own extension, then `dest`: 202 once the media server has taken the call."""
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        refuse_unknown_fields(request.data, ClickDialRequestSerializer().fields)
        body = ClickDialRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        tenant = self.tenant(data.get("tenant"))
        host = data.get("host")
        if host and (tenant.server is None or host not in (tenant.server.name, tenant.server.address)):
            raise ApiError(fields={"host": ["Not the tenant's media server."]})
        if data.get("from"):
            return self._place(self._extension(tenant, data["from"]), data["dest"], "", "")
        own = list(Extension.objects.select_related("tenant").filter(tenant=tenant, user=request.user)[:2])
        if len(own) != 1:
            raise ApiError(
                "The caller needs exactly one extension of its own in the tenant: use POST /api/calls/ with `from`.",
                fields={"dest": ["No single extension of yours to ring first."]},
            )
        return self._place(own[0], data["dest"], "", "")
