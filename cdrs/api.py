"""`/api/cdrs/`: call records read by people and written by switches.

Unlike other resources, records are never changed or deleted through the API (they are
history; retention deletes them), and their ingest is not all-or-nothing: good records
are stored, duplicates skipped, bad ones reported by index (cdrs.ingest).
"""

import zoneinfo
from urllib.parse import parse_qs

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from apikeys import roles
from cdrs import formats, ingest
from cdrs.models import CallRecord
from pbx.api.exceptions import ApiError, PayloadTooLarge, PermissionDenied
from pbx.api.filters import NUMBER_LOOKUPS, TIME_LOOKUPS, PbxFilterSet
from pbx.api.serializers import DetailUrlField, PbxModelSerializer
from pbx.api.viewsets import PbxViewSet

MAX_RECORDS_PER_REQUEST = 10_000


class CallRecordSerializer(PbxModelSerializer):
    """A call as stored. Read only: records come in through ingest, never through edits."""

    url = DetailUrlField(view_name="callrecord-detail")

    class Meta:
        model = CallRecord
        fields = [
            "id", "url", "tenant", "call_id", "direction", "caller_name", "caller_number",
            "destination_number", "extension", "did", "trunk", "start", "answer", "end",
            "duration", "billsec", "disposition", "hangup_cause", "account_code", "recording",
            "raw", "created_at",
        ]  # fmt: skip
        read_only_fields = fields
        taggable = False
        change_logged = False  # history: stored once, never edited

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        # Seed 004's `?nojson`: leave the switch's payload out of big listings.
        if request is not None and "nojson" in request.query_params:
            fields.pop("raw", None)
        return fields


class CallRecordFilterSet(PbxFilterSet):
    """Seed 004's `start_stamp__gte` and friends, and ours."""

    class Meta:
        model = CallRecord
        fields = {
            "start": TIME_LOOKUPS,
            "answer": TIME_LOOKUPS,
            "end": TIME_LOOKUPS,
            "call_id": ["exact"],
            "direction": ["exact"],
            "disposition": ["exact"],
            "caller_number": ["exact", "startswith"],
            "destination_number": ["exact", "startswith"],
            "extension": ["exact"],
            "did": ["exact"],
            "trunk": ["exact"],
            "account_code": ["exact"],
            "hangup_cause": ["exact"],
            "duration": NUMBER_LOOKUPS,
            "billsec": NUMBER_LOOKUPS,
        }


class CallRecordCursor(CursorPagination):
    """Newest first; a deep page costs what the first does, and no COUNT(*) is paid."""

    ordering = ("-start", "-id")
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 1000


INGEST_RESULT = inline_serializer(
    "CallRecordIngestResult",
    {
        "stored": serializers.IntegerField(),
        "skipped": serializers.IntegerField(help_text="Calls already stored (same tenant and call_id)."),
        "rejected": serializers.ListField(child=serializers.DictField(), help_text="`{index, error}` each."),
    },
)


class CallRecordViewSet(PbxViewSet):
    """Call detail records: list, read, ingest (our JSON, FreeSWITCH, Asterisk)."""

    queryset = CallRecord.objects.all()
    serializer_class = CallRecordSerializer
    filterset_class = CallRecordFilterSet
    pagination_class = CallRecordCursor
    http_method_names = ["get", "head", "post", "options"]
    search_fields = []
    ordering_fields = []

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.scope.role == roles.USER:
            # A user_api caller hears only the calls of its own extensions.
            queryset = queryset.filter(extension__user=self.scope.user)
        return queryset

    # --- ingest ---------------------------------------------------------------------

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        responses={200: INGEST_RESULT},
        description="One record or an array (at most 10,000); stores the good ones, skips "
        "duplicates and reports the bad ones by index.",
    )
    def create(self, request, *args, **kwargs):
        body = request.data
        items = body if isinstance(body, list) else [body]
        self._check_batch(items)
        return self._ingest(items, formats.read_json_record)

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT, "application/x-www-form-urlencoded": OpenApiTypes.OBJECT},
        responses={200: INGEST_RESULT},
        description="What FreeSWITCH's mod_json_cdr posts, raw JSON or a form field `cdr`.",
    )
    @action(detail=False, methods=["post"], parser_classes=[])
    def freeswitch(self, request):
        body = request._request.body
        if request.content_type.startswith("application/x-www-form-urlencoded"):
            body = (parse_qs(body.decode("utf-8", "replace")).get("cdr") or [""])[0]
        return self._ingest([body], formats.read_freeswitch_json)

    @extend_schema(
        request={"text/csv": OpenApiTypes.STR},
        parameters=[
            OpenApiParameter("timezone", str, description="The switch's time zone (default: the platform's).")
        ],
        responses={200: INGEST_RESULT},
        description="The body of Asterisk's Master.csv; rejected rows are reported by line.",
    )
    @action(detail=False, methods=["post"], parser_classes=[])
    def asterisk(self, request):
        tz = self._switch_time_zone()
        try:
            text = request._request.body.decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError("The body is not UTF-8 text.") from None
        rows = list(formats.read_asterisk_csv(text, tz))
        self._check_batch(rows)
        return self._ingest_read(rows, by="line")

    def _switch_time_zone(self):
        name = self.request.query_params.get("timezone") or settings.TIME_ZONE
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ApiError(fields={"timezone": [f"{name[:64]!r} is not an IANA time zone."]}) from None

    def _check_batch(self, items):
        self.check_ingest_role()
        if len(items) > MAX_RECORDS_PER_REQUEST:
            raise PayloadTooLarge(f"At most {MAX_RECORDS_PER_REQUEST} records a request; send the rest in another.")

    def check_ingest_role(self):
        if self.scope.role == roles.USER:
            raise PermissionDenied("Your role (user_api) may not store call records.")

    def _ingest(self, items, reader):
        read = []
        for index, item in enumerate(items):
            try:
                read.append((index, reader(item)))
            except formats.RecordError as error:
                read.append((index, error))
        return self._ingest_read(read, by="index")

    def _ingest_read(self, read, by):
        """Store what was read; `read` holds (index or line, SwitchRecord or RecordError)."""
        self.check_ingest_role()
        result = ingest.IngestResult()
        directory = ingest.TenantDirectory(tenants=None if self.scope.tenant_ids is None else self._reach())
        default = self._named_tenant()
        calls = []
        for position, record in read:
            if isinstance(record, formats.RecordError):
                result.rejected.append({by: position, "error": record.as_dict()})
                continue
            tenant = default or directory.tenant_for(record, default=self._record_tenant(record))
            if tenant is None:
                result.rejected.append({by: position, "error": {"message": NO_TENANT}})
                continue
            calls.append(ingest.resolve(record, tenant, directory, keep_raw=True))
        result.stored = ingest.store(calls)
        result.skipped = len(calls) - result.stored
        return Response(result.as_dict())

    def _reach(self):
        from tenants.models import Tenant

        return list(Tenant.objects.filter(pk__in=self.scope.tenant_ids))

    def _named_tenant(self):
        """The tenant the request names (`?tenant=`) or implies (a tenant key)."""
        param = self.request.query_params.get("tenant")
        return self.scope.tenant(param) if param else self.implied_tenant()

    def _record_tenant(self, record):
        code = record.raw.get("tenant") if isinstance(record.raw, dict) else None
        if not code or not isinstance(code, str | int):
            return None
        try:
            return self.scope.tenant(code)
        except ApiError:
            return None


NO_TENANT = (
    "No tenant for this record: send ?tenant=, a `tenant` in the record, or a `domain` "
    "that is one of your tenants' SIP domains."
)
