"""`/api/cdrs/`: call records read by people and written by switches.

Unlike other resources, records are never changed or deleted through the API (they are
history; retention deletes them), and their ingest is not all-or-nothing: good records
are stored, duplicates skipped, bad ones reported by index (cdrs.ingest).
"""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from apikeys import roles
from cdrs import export, formats, ingest, stats
from cdrs.models import CallRecord
from cdrs.parsers import MasterCsvParser, SwitchFormParser, SwitchJSONParser
from cdrs.timeline import timeline
from pbx.api.concurrency import idempotent
from pbx.api.exceptions import ApiError, InvalidJson, MissingTenant, PayloadTooLarge, PermissionDenied
from pbx.api.filters import NUMBER_LOOKUPS, TIME_LOOKUPS, PbxFilterSet, ReferenceFilter, UtcDateTimeFilter
from pbx.api.parsers import JSONParser
from pbx.api.renderers import csv_download
from pbx.api.serializers import DetailUrlField, PbxModelSerializer, TenantField
from pbx.api.strict import refuse_unknown_fields
from pbx.api.viewsets import PbxViewSet
from tenants.models import Tenant

MAX_RECORDS_PER_REQUEST = 10_000


class CallRecordSerializer(PbxModelSerializer):
    """A call as stored. The writable fields are what `POST /api/cdrs/` takes; the rest is
    resolved at ingest. This serializer documents and renders; ingest reads records with
    cdrs.formats.read_json_record, which accepts exactly these fields (and DjangoPBX's names)."""

    url = DetailUrlField(view_name="callrecord-detail")
    tenant = TenantField(required=False)
    domain = serializers.CharField(
        write_only=True, required=False, help_text="The tenant's SIP domain, when the caller names no tenant."
    )

    class Meta:
        model = CallRecord
        fields = [
            "id", "url", "tenant", "call_id", "direction", "caller_name", "caller_number",
            "destination_number", "extension", "did", "trunk", "start", "answer", "end",
            "duration", "billsec", "disposition", "hangup_cause", "account_code", "recording",
            "raw", "domain", "created_at",
        ]  # fmt: skip
        read_only_fields = ["id", "url", "extension", "did", "trunk", "raw", "created_at"]
        extra_kwargs = {"direction": {"required": False}}
        taggable = False
        change_logged = False  # history: stored once, never edited

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        # DjangoPBX's `?nojson`: leave the switch's payload out of big listings.
        if request is not None and "nojson" in request.query_params:
            fields.pop("raw", None)
        return fields


class CallRecordFilterSet(PbxFilterSet):
    """Ours, and DjangoPBX's names for the same filters (its xmlcdrs)."""

    start_stamp__gt = UtcDateTimeFilter(field_name="start", lookup_expr="gt", label="DjangoPBX: start__gt")
    start_stamp__gte = UtcDateTimeFilter(field_name="start", lookup_expr="gte", label="DjangoPBX: start__gte")
    start_stamp__lt = UtcDateTimeFilter(field_name="start", lookup_expr="lt", label="DjangoPBX: start__lt")
    start_stamp__lte = UtcDateTimeFilter(field_name="start", lookup_expr="lte", label="DjangoPBX: start__lte")
    extension_id = ReferenceFilter(field_name="extension", label="DjangoPBX: extension (id or UUID)")

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


class CallEventSerializer(serializers.Serializer):
    """One event of a call's timeline."""

    at = serializers.DateTimeField()
    event = serializers.CharField()
    detail = serializers.DictField()


_COUNTS = {name: serializers.IntegerField() for name in ("calls", "answered", "missed")}
_SECONDS = {"average": serializers.FloatField(), "longest": serializers.IntegerField()}
STATS = inline_serializer(
    "CallStatistics",
    {
        **_COUNTS,
        "answer_seizure_ratio": serializers.FloatField(allow_null=True, help_text="Answered / calls."),
        # Each its own dict: a serializer class takes its fields out of the dict it is built from.
        "ring_seconds": inline_serializer("RingSeconds", dict(_SECONDS)),
        "talk_seconds": inline_serializer("TalkSeconds", dict(_SECONDS)),
        "group_by": serializers.CharField(),
        "distribution": inline_serializer(
            "CallDistribution",
            {"key": serializers.JSONField(help_text="Hour, day or extension id."), **_COUNTS},
            many=True,
        ),
    },
)
MASTER_CSV_BODY = inline_serializer("AsteriskMasterCsv", {"csv": serializers.CharField()})
INGEST_RESULT = inline_serializer(
    "CallRecordIngestResult",
    {
        "stored": serializers.IntegerField(),
        "skipped": serializers.IntegerField(help_text="Calls already stored (same tenant and call_id)."),
        "rejected": serializers.ListField(child=serializers.DictField(), help_text="`{index, error}` each."),
    },
)


NOJSON = OpenApiParameter(
    "nojson", str, description="Present (any value): leave out `raw`, the switch's own payload (DjangoPBX)."
)


@extend_schema_view(
    **{
        action: extend_schema(parameters=[NOJSON])
        for action in ("list", "retrieve", "create", "import_rows", "export_rows")
    }
)
class CallRecordViewSet(PbxViewSet):
    """Call detail records: list, read, ingest (our JSON, FreeSWITCH, Asterisk)."""

    queryset = CallRecord.objects.order_by("-start", "-id")  # the cursor's order, for the CSV export too
    serializer_class = CallRecordSerializer
    filterset_class = CallRecordFilterSet
    pagination_class = CallRecordCursor
    http_method_names = ["get", "head", "post", "options"]
    csv_streams_all_rows = True  # ?format=csv is the export: every matching row
    csv_line_end = export.LINE_END
    # DjangoPBX's xmlcdrs flags: `nojson` leaves the switch's payload out; `noxml` has
    # nothing to leave out here (no XML is stored) and is taken so its scripts keep working.
    query_parameters = ("nojson", "noxml")
    search_fields = []
    ordering_fields = []
    # pbx.replicas: the large reads (a list, an export, statistics) go to a replica.
    replica_actions = ("list", "download", "export_rows", "stats")

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.scope.role == roles.USER:
            # A user_api caller hears only the calls of its own extensions.
            queryset = queryset.filter(extension__user=self.scope.user)
        return queryset

    def list_csv(self, request):
        # The export, every matching row: cdrs.export, which has PostgreSQL's COPY render
        # the same cells (a page, `?cursor=`: the kernel's way).
        if "cursor" in request.query_params:
            return super().list_csv(request)
        queryset = self.filter_queryset(self.get_queryset())
        serializer = self.get_serializer()
        columns = self.csv_columns(serializer)
        head, tail = DetailUrlField.url_parts("callrecord-detail", request)
        return csv_download(export.csv_chunks(queryset, columns, serializer, head, tail), self.basename)

    @extend_schema(
        filters=True,  # the list's filters select what is exported
        parameters=[
            NOJSON,
            OpenApiParameter(
                "cursor", str, description="One page of the export, as the list pages, not every row."
            ),
            OpenApiParameter("page_size", str, description="Rows of that page, or `all`."),
        ],
        responses={(200, "text/csv"): OpenApiTypes.STR},
        description="DjangoPBX's `download/`: the CSV export of `?format=csv`, with the list's filters.",
    )
    @action(detail=False, methods=["get"], list_query=True, query_parameters=["nojson", "noxml"])
    def download(self, request):
        return self.list_csv(request)

    # --- one call's events, and statistics of many -------------------------------------

    @extend_schema(responses={200: CallEventSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def timeline(self, request, pk=None):
        """The call's events, earliest first (DjangoPBX's call timeline)."""
        return Response(CallEventSerializer(timeline(self.get_object()), many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "group_by",
                str,
                enum=stats.GROUPINGS,
                description="Distribution by hour of day (default), day or extension.",
            ),
            OpenApiParameter(
                "timezone", str, description="Time zone of hours and days (default: the platform's)."
            ),
            OpenApiParameter("cdr_extn", str, description="DjangoPBX: calls of this extension number."),
            OpenApiParameter("cdr_hours", int, description="DjangoPBX: calls of the last N hours."),
            OpenApiParameter(
                "cdr_scope", str, description="DjangoPBX: `extn` for one extension, else the tenant."
            ),
        ],
        filters=True,  # the list's filters select the calls counted
        responses={200: STATS},
    )
    @action(
        detail=False,
        methods=["get"],
        list_query=True,
        query_parameters=["group_by", "timezone", "cdr_extn", "cdr_hours", "cdr_scope"],
    )
    def stats(self, request):
        """Calls, answered, missed, answer-seizure ratio, ring and talk times and their
        distribution, for the calls the list's filters select."""
        params = request.query_params
        calls = self.filter_queryset(self.get_queryset())
        extension_number = params.get("cdr_extn")
        # DjangoPBX: cdr_scope=extn narrows to cdr_extn's calls; another scope is the tenant's.
        if extension_number and params.get("cdr_scope", "extn") == "extn":
            calls = calls.filter(extension__number=extension_number[:32])
        if params.get("cdr_hours"):
            calls = calls.filter(start__gte=timezone.now() - dt.timedelta(hours=_hours(params["cdr_hours"])))
        group_by = params.get("group_by") or (
            "extension" if params.get("cdr_scope") == "extn_all" else "hour"
        )
        if group_by not in stats.GROUPINGS:
            raise ApiError(fields={"group_by": [f"Must be one of {', '.join(stats.GROUPINGS)}."]})
        return Response(stats.call_stats(calls, group_by, self._switch_time_zone()))

    # --- ingest ---------------------------------------------------------------------

    @extend_schema(
        request=CallRecordSerializer(many=True),
        responses={
            201: CallRecordSerializer,
            200: PolymorphicProxySerializer(
                "CallRecordIngestAnswer",
                serializers=[CallRecordSerializer, INGEST_RESULT],
                resource_type_field_name=None,
            ),
        },
        description=(
            "One record (201 with the record; 200 with the stored one when that call is already "
            "stored) or an array of at most 10,000 (200 with what was stored, skipped and rejected)."
        ),
    )
    def create(self, request, *args, **kwargs):
        return idempotent(request, lambda: self._create_records(request))

    def _create_records(self, request):
        body = request.data
        if isinstance(body, list):
            return Response(self._ingest(body, formats.read_json_record, by="index").as_dict())
        self.check_ingest_role()
        # One record is a resource body like any other: a misspelt field is unknown_field.
        # (In an array, each bad record is reported and the good ones stored.)
        refuse_unknown_fields(body, formats.JSON_FIELDS | set(formats.JSON_ALIASES))
        try:
            record = formats.read_json_record(body)
        except formats.RecordError as error:
            raise ApiError(fields=error.fields or {"non_field_errors": [str(error)]}) from None
        directory = ingest.TenantDirectory(tenants=self._reach())
        tenant = self._tenant_of(record, directory)
        if tenant is None:
            raise MissingTenant(NO_TENANT)
        call = ingest.resolve(record, tenant, directory)
        stored = ingest.store([call])
        call = CallRecord.objects.get(tenant=tenant, call_id=call.call_id)
        call.scope_tenant_code = tenant.code
        return Response(self.get_serializer(call).data, status=201 if stored else 200)

    @extend_schema(
        request={
            "application/json": OpenApiTypes.OBJECT,
            "application/x-www-form-urlencoded": OpenApiTypes.OBJECT,
        },
        responses={200: INGEST_RESULT},
        description="What FreeSWITCH's mod_json_cdr posts: raw JSON, or a form field `cdr`.",
    )
    # mod_json_cdr posts to the configured URL with `?uuid=` appended.
    @action(
        detail=False,
        methods=["post"],
        parser_classes=[SwitchJSONParser, SwitchFormParser],
        query_parameters=["uuid"],
    )
    def freeswitch(self, request):
        body = request.data
        if isinstance(body, dict) and "variables" not in body and "cdr" in body:
            body = body.get("cdr")  # a form post: the document is the `cdr` field's text
        result = self._ingest([body], formats.read_freeswitch_json, by="index")
        if result.rejected:
            # mod_json_cdr keeps a record for a retry (err-log-dir) only when the answer is
            # not 2xx: a call we could not store must not be answered 200. A duplicate is
            # a success, or the switch would retry it for ever.
            [rejected] = result.rejected
            raise _refusal(rejected["error"])
        return Response(result.as_dict())

    @extend_schema(
        request={"text/csv": OpenApiTypes.STR, "application/json": MASTER_CSV_BODY},
        parameters=[
            OpenApiParameter("timezone", str, description="The switch's time zone (default: the platform's).")
        ],
        responses={200: INGEST_RESULT},
        description='The lines of Asterisk\'s Master.csv, as the body or as `{"csv": ...}`; '
        "rejected rows are reported by line.",
    )
    @action(
        detail=False,
        methods=["post"],
        parser_classes=[JSONParser, MasterCsvParser],
        query_parameters=["timezone"],
    )
    def asterisk(self, request):
        body = request.data
        text = body.get("csv") if isinstance(body, dict) else body
        if not isinstance(text, str):
            raise ApiError(
                fields={"csv": ["Send the Master.csv lines as a text/csv body or as a string here."]}
            )
        read = list(formats.read_asterisk_csv(text, self._switch_time_zone()))
        return Response(self._ingest_read(read, by="line").as_dict())

    def _switch_time_zone(self):
        name = self.request.query_params.get("timezone") or settings.TIME_ZONE
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ApiError(fields={"timezone": [f"{name[:64]!r} is not an IANA time zone."]}) from None

    def check_ingest_role(self):
        if self.scope.role == roles.USER:
            raise PermissionDenied("Your role (user_api) may not store call records.")

    def _ingest(self, items, reader, by):
        read = []
        for index, item in enumerate(items[: MAX_RECORDS_PER_REQUEST + 1]):
            try:
                read.append((index, reader(item)))
            except formats.RecordError as error:
                read.append((index, error))
        return self._ingest_read(read, by=by)

    def _ingest_read(self, read, by):
        """Store what was read; `read` holds (index or line, SwitchRecord or RecordError).
        Returns the IngestResult.

        A record naming a tenant out of reach refuses the whole request (404, as anywhere
        in the API): that is a caller's mistake, not a switch's bad row."""
        self.check_ingest_role()
        if len(read) > MAX_RECORDS_PER_REQUEST:
            raise PayloadTooLarge(
                f"At most {MAX_RECORDS_PER_REQUEST} records a request; send the rest in another."
            )
        directory = ingest.TenantDirectory(tenants=self._reach())
        # A batch comes from one switch: its records name the same few tenants, so each
        # distinct naming is looked up once, not once a record.
        found = {}
        tenants = []
        for _, record in read:
            if isinstance(record, formats.RecordError):
                tenants.append(None)
                continue
            naming = (record.tenant, record.domain, record.account_code)
            if naming not in found:
                found[naming] = self._tenant_of(record, directory)
            tenants.append(found[naming])
        result = ingest.IngestResult()
        calls = []
        for (position, record), tenant in zip(read, tenants, strict=True):
            if isinstance(record, formats.RecordError):
                result.rejected.append({by: position, "error": record.as_dict()})
            elif tenant is None:
                result.rejected.append(
                    {by: position, "error": {"code": MissingTenant.default_code, "message": NO_TENANT}}
                )
            else:
                calls.append(ingest.resolve(record, tenant, directory))
        result.stored = ingest.store(calls)
        result.skipped = len(calls) - result.stored
        return result

    def _reach(self):
        if self.scope.tenant_ids is None:
            return None
        return list(Tenant.objects.filter(pk__in=self.scope.tenant_ids))

    def _tenant_of(self, record, directory):
        """The record's tenant: its `tenant` (checked as for any create: 404 out of reach,
        400 when it differs from ?tenant=), else ?tenant= or the key's, else the tenant
        whose SIP domain or code the record names; None when nothing tells."""
        if record.tenant:
            return self.tenant_for_create(self.scope.tenant(record.tenant))
        param = self.request.query_params.get("tenant")
        tenant = self.scope.tenant(param) if param else self.implied_tenant()
        return tenant or directory.tenant_for(record)


def _refusal(reason):
    """The error answering a request whose only record was rejected with `reason`."""
    code = reason.get("code", "validation_error")
    message = f"The call was not stored. {reason['message']}"
    if code == "invalid_json":
        return InvalidJson(message)
    if code == MissingTenant.default_code:
        return MissingTenant(message)
    return ApiError(message, fields=reason.get("fields"))


def _hours(value):
    try:
        hours = int(value)
    except ValueError:
        hours = 0
    if not 0 < hours <= 24 * 3660:
        raise ApiError(fields={"cdr_hours": ["A whole number of hours, 1 or more."]})
    return hours


NO_TENANT = (
    "No tenant for this record: send ?tenant=, a `tenant` in the record, or a `domain` "
    "that is one of your tenants' SIP domains."
)
