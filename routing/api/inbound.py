"""DIDs, schedules and flows: what decides where an incoming call goes, and the `route/`
tool that shows the path a call to a DID follows at a given moment."""

import contextlib
import datetime

import django_filters
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from extensions.models import Extension
from pbx import destinations
from pbx.api.children import ChildRowsField, WithChildRowsSerializer
from pbx.api.exceptions import ApiError
from pbx.api.filters import STRING_LOOKUPS, TIMESTAMP_FIELDS, PbxFilterSet
from pbx.api.references import ObjectIdField, check_ids
from pbx.api.serializers import DetailUrlField, PbxModelSerializer, TenantField, _relations
from pbx.api.viewsets import PbxViewSet
from routing import callpath
from routing.api.numbers import number_param
from routing.destinations import DID_SLOTS
from routing.models import (
    DID,
    WEEKDAYS,
    Flow,
    Schedule,
    ScheduleException,
    ScheduleRange,
    normalize_e164,
    strip_separators,
)


class E164Field(serializers.CharField):
    """A public number in any common notation, stored in E.164 (`+390212345678`)."""

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool):
            data = str(data)
        try:
            return normalize_e164(super().to_internal_value(data))
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None


class DIDSerializer(PbxModelSerializer):
    """A DID: a public number of one tenant and the slots its calls follow."""

    url = DetailUrlField(view_name="did-detail")
    tenant = TenantField()
    number = E164Field(max_length=24, help_text="Any notation; stored in E.164 (+390212345678).")
    schedule = ObjectIdField(
        source="schedule_id", required=False, allow_null=True, help_text="Id of a schedule of the tenant."
    )
    extension_number = serializers.RegexField(
        r"^[0-9]{1,15}$",
        write_only=True,
        required=False,
        help_text="Send calls to the tenant's extension of this number: sets the DID slot "
        "(FusionPBX's `extension`, DjangoPBX's `destination_number`).",
    )

    class Meta:
        model = DID
        fields = [
            "id",
            "url",
            "tenant",
            "number",
            "description",
            "schedule",
            "enabled",
            "extension_number",
            "created_at",
            "updated_at",
        ]
        validators = []
        # MiRTA PBX names, FusionPBX's destination and DjangoPBX's inbound route.
        aliases = {
            "di_number": "number",
            "di_comment": "description",
            "comment": "description",
            "extension": "extension_number",
            "destination_number": "extension_number",
            "name": "description",
        }
        unique_platform_wide = {"number": "The number {value} is already in use on this platform."}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        tenant = attrs.get("tenant") or self.instance.tenant
        if attrs.get("schedule_id") is not None:
            check_ids(Schedule, [attrs["schedule_id"]], tenant, "schedule", allow_global=False)
        number = attrs.pop("extension_number", None)
        if number is not None:
            self._send_to_extension(attrs, tenant, number)
        return attrs

    def _send_to_extension(self, attrs, tenant, number):
        """`extension_number` as the DID slot: `["EXT-<id>"]` of that extension."""
        extension = Extension.objects.filter(tenant=tenant, number=number).first()
        if extension is None:
            raise serializers.ValidationError(
                {"extension_number": [f"No extension {number} in tenant {tenant.code}."]}
            )
        cleaned, replace_all = attrs.get("_destinations") or ({}, False)
        if cleaned.get("DID"):
            raise serializers.ValidationError(
                {"extension_number": ["Conflicts with destinations.DID: send only one of them."]}
            )
        if self.instance is not None and "_destinations" not in attrs:
            _relations(self.instance)["destinations"] = destinations.current(self.instance, ["DID"])
        attrs["_destinations"] = ({**cleaned, "DID": [("EXT", extension.pk, None)]}, replace_all)


class DIDNumberFilter(django_filters.CharFilter):
    """`?number=+39 02 1234 5678`: the number in any notation, as DIDs are stored."""

    def filter(self, queryset, value):
        if value and self.lookup_expr in ("exact", "iexact"):
            with contextlib.suppress(ValueError):  # not a whole number: compared as written
                value = normalize_e164(value)
        return super().filter(queryset, strip_separators(value) if value else value)


class DIDFilterSet(PbxFilterSet):
    @classmethod
    def filter_for_lookup(cls, field, lookup_type):
        filter_class, params = super().filter_for_lookup(field, lookup_type)
        return (DIDNumberFilter if field.name == "number" else filter_class), params

    class Meta:
        model = DID
        fields = {
            "number": STRING_LOOKUPS,
            "description": STRING_LOOKUPS,
            "enabled": ["exact"],
            **TIMESTAMP_FIELDS,
        }


def parse_moment(text):
    """`?at=`: ISO 8601 with its offset (a naive time is UTC); now when absent."""
    if not text:
        return timezone.now()
    # A `+` left unencoded in a URL arrives as a space.
    text = text.strip().replace(" ", "+") if "T" in text else text.strip()
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise ApiError(fields={"at": ["Give an ISO 8601 time such as 2026-12-25T10:00:00+01:00."]})
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC)


RouteAnswer = inline_serializer(
    "DIDRoute",
    {
        "did": serializers.DictField(),
        "at": serializers.DateTimeField(),
        "slot": serializers.CharField(),
        "digits": serializers.CharField(),
        "caller": serializers.CharField(allow_null=True),
        "outcome": serializers.ChoiceField(["terminal", "hangup", "loop", "blacklisted", "refused"]),
        "chain": serializers.ListField(child=serializers.DictField()),
        "terminal": serializers.DictField(allow_null=True),
        "message": serializers.CharField(),
    },
)


class DIDViewSet(PbxViewSet):
    """DIDs of the caller's tenants. A number belongs to one tenant platform-wide."""

    queryset = DID.objects.all()
    serializer_class = DIDSerializer
    filterset_class = DIDFilterSet
    search_fields = ["number", "description"]
    ordering_fields = ["number", "created_at", "updated_at", "id"]

    @extend_schema(
        parameters=[
            OpenApiParameter("at", str, description="ISO 8601 time with offset (naive is UTC); default now."),
            OpenApiParameter("slot", str, description="DID (voice, the default), DID-SMS or DID-FAXSUCCESS."),
            OpenApiParameter("digits", str, description="Keys the caller presses at the IVRs on the way."),
            OpenApiParameter(
                "caller", str, description="The caller's number, checked against the blacklist."
            ),
        ],
        responses=RouteAnswer,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="route",
        pagination_class=None,
        filter_backends=[],
        query_parameters=["at", "slot", "digits", "caller"],
    )
    def route(self, request, pk=None):
        """The chain of destinations a call to this DID follows at `at`: schedules read in
        their own time zones, flows in their current state, IVRs by `digits`; it ends at
        the first terminal destination, or reports a loop."""
        did = self.get_object()
        params = request.query_params
        slot = params.get("slot", "DID").upper()
        if slot not in DID_SLOTS or slot == "DID-UNCONDITIONAL":
            raise ApiError(fields={"slot": ["Use DID, DID-SMS or DID-FAXSUCCESS."]})
        digits = params.get("digits", "").replace(" ", "")
        if any(key not in "0123456789*#" for key in digits) or len(digits) > 64:
            raise ApiError(fields={"digits": ["Use up to 64 keys among 0-9, * and #."]})
        caller = number_param(request, "caller")
        moment = parse_moment(params.get("at"))
        return Response(callpath.route(did, moment, slot=slot, digits=digits, caller=caller))


DAY_NAMES = {
    name: day
    for day in WEEKDAYS
    for name in (
        day,
        {
            "mon": "monday",
            "tue": "tuesday",
            "wed": "wednesday",
            "thu": "thursday",
            "fri": "friday",
            "sat": "saturday",
            "sun": "sunday",
        }[day],
    )
}


def weekdays_of(value):
    """Days as sent: a list or a comma-separated text of names (`mon`, `Monday`), ISO
    numbers (1 = Monday .. 7) or ranges (`mon-fri`), or `weekdays`, `weekend`, `daily`.
    Anything else is passed on unchanged, for the field to refuse."""
    if isinstance(value, str | int) and not isinstance(value, bool):
        value = [part for part in str(value).split(",") if part.strip()]
    if not isinstance(value, list):
        return value
    days = []
    for part in value:
        if isinstance(part, int) and not isinstance(part, bool) and 1 <= part <= 7:
            days.append(WEEKDAYS[part - 1])
            continue
        if not isinstance(part, str):
            return value
        text = part.strip().lower()
        named = {"weekdays": WEEKDAYS[:5], "weekend": WEEKDAYS[5:], "daily": WEEKDAYS, "all": WEEKDAYS}
        if text in named:
            days += named[text]
        elif text.isascii() and text.isdigit() and 1 <= int(text) <= 7:
            days.append(WEEKDAYS[int(text) - 1])
        elif "-" in text and all(end.strip() in DAY_NAMES for end in text.split("-", 1)):
            first, last = (WEEKDAYS.index(DAY_NAMES[end.strip()]) for end in text.split("-", 1))
            days += [WEEKDAYS[index % 7] for index in range(first, last + (7 if last < first else 0) + 1)]
        else:
            days.append(DAY_NAMES.get(text, text))
    return days


class ScheduleRangeSerializer(serializers.ModelSerializer):
    """A weekly range: `{"days": ["mon", "tue"], "start": "09:00", "end": "18:00"}`."""

    days = serializers.ListField(child=serializers.ChoiceField(choices=WEEKDAYS), allow_empty=False)
    input_names = ("start_time", "end_time", "weekday", "day")

    class Meta:
        model = ScheduleRange
        fields = ["days", "start", "end", "branch"]

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = dict(data)
            for alias, name in (
                ("start_time", "start"),
                ("end_time", "end"),
                ("weekday", "days"),
                ("day", "days"),
            ):
                if alias in data:
                    data.setdefault(name, data.pop(alias))
            if "days" in data:
                data["days"] = weekdays_of(data["days"])
        return super().to_internal_value(data)

    def validate(self, attrs):
        if attrs["start"] == attrs["end"]:
            raise serializers.ValidationError({"end": ["Give an end different from the start."]})
        attrs["days"] = [day for day in WEEKDAYS if day in attrs["days"]]
        return attrs


class ScheduleExceptionSerializer(serializers.ModelSerializer):
    """A dated exception: `{"name": "Christmas", "start_date": "2026-12-25"}` closes all day."""

    input_names = ("date", "start_time", "end_time")

    class Meta:
        model = ScheduleException
        fields = ["name", "start_date", "end_date", "start", "end", "open", "branch"]

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = dict(data)
            for alias, name in (("date", "start_date"), ("start_time", "start"), ("end_time", "end")):
                if alias in data:
                    data.setdefault(name, data.pop(alias))
        return super().to_internal_value(data)

    def validate(self, attrs):
        end_date = attrs.get("end_date")
        if end_date and end_date < attrs["start_date"]:
            raise serializers.ValidationError({"end_date": ["Give an end date on or after the start date."]})
        start, end = attrs.get("start"), attrs.get("end")
        if (start is None) != (end is None):
            raise serializers.ValidationError(
                {"end": ["Give both start and end times, or neither for the whole day."]}
            )
        if start is not None and end <= start:
            raise serializers.ValidationError({"end": ["Give an end time after the start time."]})
        return attrs


class ScheduleSerializer(WithChildRowsSerializer, PbxModelSerializer):
    """A schedule (MiRTA PBX `condition`): weekly ranges and dated exceptions in a time zone."""

    url = DetailUrlField(view_name="schedule-detail")
    tenant = TenantField()
    ranges = ChildRowsField(ScheduleRangeSerializer(), related_name="ranges")
    exceptions = ChildRowsField(ScheduleExceptionSerializer(), related_name="exceptions")

    class Meta:
        model = Schedule
        fields = [
            "id",
            "url",
            "tenant",
            "name",
            "description",
            "time_zone",
            "ranges",
            "exceptions",
            "created_at",
            "updated_at",
        ]
        validators = []
        unique_per_tenant = ["name"]
        aliases = {"co_name": "name", "timezone": "time_zone", "tz": "time_zone"}


class ScheduleFilterSet(PbxFilterSet):
    class Meta:
        model = Schedule
        fields = {"name": STRING_LOOKUPS, "time_zone": ["exact"], **TIMESTAMP_FIELDS}


class ScheduleViewSet(PbxViewSet):
    """Schedules (time conditions) of the caller's tenants; `CONDITION-<id>` as a destination."""

    queryset = Schedule.objects.prefetch_related("ranges", "exceptions")
    serializer_class = ScheduleSerializer
    filterset_class = ScheduleFilterSet
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "updated_at", "id"]

    @extend_schema(
        parameters=[OpenApiParameter("at", str, description="ISO 8601 time with offset; default now.")],
        responses=inline_serializer(
            "ScheduleState",
            {
                "open": serializers.BooleanField(),
                "branch": serializers.IntegerField(allow_null=True),
                "at": serializers.DateTimeField(),
                "reason": serializers.CharField(),
            },
        ),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="state",
        pagination_class=None,
        filter_backends=[],
        query_parameters=["at"],
    )
    def state(self, request, pk=None):
        """Whether the schedule is open at `at` (default now), and why."""
        schedule = self.get_object()
        moment = parse_moment(request.query_params.get("at"))
        is_open, branch, why = schedule.evaluate(moment)
        return Response(
            {
                "open": is_open,
                "branch": branch,
                "at": moment.isoformat().replace("+00:00", "Z"),
                "reason": why,
            }
        )


FLOW_STATES = {
    "day": "day",
    "night": "night",
    "off": "day",
    "on": "night",
    "not_inuse": "day",
    "inuse": "night",
}


class FlowStateField(serializers.ChoiceField):
    """day or night; also on/off and MiRTA PBX's INUSE/NOT_INUSE (night is the lit lamp)."""

    def __init__(self, **kwargs):
        super().__init__(choices=Flow.State.choices, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = FLOW_STATES.get(data.strip().lower(), data)
        return super().to_internal_value(data)


class FlowSerializer(PbxModelSerializer):
    """A flow (office mode). PATCH `{"state": "night"}` switches it."""

    url = DetailUrlField(view_name="flow-detail")
    tenant = TenantField()
    state = FlowStateField(required=False)

    class Meta:
        model = Flow
        fields = [
            "id",
            "url",
            "tenant",
            "name",
            "description",
            "variable_name",
            "state",
            "state_changed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["state_changed_at"]
        validators = []
        unique_per_tenant = ["name"]
        aliases = {
            "fl_name": "name",
            "fl_variable_name": "variable_name",
            "status": "state",
            "st_state": "state",
            "mode": "state",
        }

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "state" in attrs and (self.instance is None or attrs["state"] != self.instance.state):
            attrs["state_changed_at"] = timezone.now()
        return attrs


class FlowFilterSet(PbxFilterSet):
    class Meta:
        model = Flow
        fields = {"name": STRING_LOOKUPS, "state": ["exact"], **TIMESTAMP_FIELDS}


class FlowViewSet(PbxViewSet):
    """Flows (office modes) of the caller's tenants; `toggle/` flips day and night."""

    queryset = Flow.objects.all()
    serializer_class = FlowSerializer
    filterset_class = FlowFilterSet
    search_fields = ["name", "description", "variable_name"]
    ordering_fields = ["name", "state", "state_changed_at", "created_at", "updated_at", "id"]

    @extend_schema(request=None, responses=FlowSerializer)
    @action(detail=True, methods=["post"], url_path="toggle")
    @transaction.atomic
    def toggle(self, request, pk=None):
        """Switch day to night or night to day (logged like a PATCH of `state`)."""
        _ = request.data  # parsed, so that a malformed body is still 400 invalid_json; not used
        flow = self.get_object_for_write()
        self.check_role_write(flow, {"state": None})
        other = Flow.State.NIGHT if flow.state == Flow.State.DAY else Flow.State.DAY
        serializer = self.get_serializer(flow, data={"state": other}, partial=True)
        serializer.is_valid(raise_exception=True)
        self.save_object(serializer)
        return Response(serializer.data)
