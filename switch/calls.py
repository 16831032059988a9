"""`POST /api/switch/calls/`: the record Kamailio posts of each finished call, stored
through the cdrs app's ingest like every other switch's (so `call.completed` webhooks
follow), once per (tenant, call_id): a repeat stores nothing and says it was skipped.

Kamailio asked pbx where the call went, so the record carries the ids pbx gave it
(extension, DID, trunk) rather than numbers to resolve; each is checked to be the
tenant's, so that a fault in the switch can never attach a call to another tenant's
extension. The disposition comes from the final SIP code."""

import datetime as dt

from django.db.models import Q
from rest_framework import serializers

from cdrs import formats, ingest
from cdrs.models import CallRecord
from extensions.models import Extension
from pbx.api.exceptions import ApiError
from pbx.api.references import check_ids
from routing.models import DID, Trunk

BUSY_CODES = {486, 600}
NO_ANSWER_CODES = {408, 480, 487}


def disposition(code):
    """The disposition of a call that ended with SIP `code` (its final answer)."""
    if 200 <= code < 300:
        return formats.ANSWERED
    if code in BUSY_CODES:
        return formats.BUSY
    if code in NO_ANSWER_CODES:
        return formats.NO_ANSWER
    return formats.FAILED


def store_call(data):
    """Store the call described by `data` (the body, validated). Returns (stored?, the
    record's id)."""
    tenant = ingest.TenantDirectory().tenant_coded(data["tenant"])
    if tenant is None:
        raise ApiError(fields={"tenant": [f"No tenant {data['tenant']}."]})
    _check_links(tenant, data)
    try:
        record = formats.SwitchRecord(
            call_id=data["call_id"],
            start=_time(data["start"]),
            answer=_time(data["answer"]) if data["answer"] else None,
            end=_time(data["end"]),
            disposition=disposition(data["code"]),
            caller_name=data["caller_name"],
            caller_number=data["caller_number"],
            destination_number=data["destination_number"],
            hangup_cause=f"{data['code']} {data['reason']}".strip(),
            tenant=tenant.code,
            direction=data["direction"],
            raw=None,  # every field is in the record's own columns
        )
    except formats.RecordError as error:
        raise ApiError(fields=error.fields or {"non_field_errors": [str(error)]}) from None
    row = ingest.call_row(
        record, tenant, data["direction"], data["extension"], data["did"], data["trunk"], keep_raw=False
    )
    stored = ingest.store([row], source="switch")
    pk = CallRecord.objects.filter(tenant=tenant, call_id=record.call_id).values_list("pk", flat=True).first()
    return bool(stored), pk


def _check_links(tenant, data):
    check_ids(Extension, [data["extension"]], tenant, "extension", allow_global=False)
    check_ids(DID, [data["did"]], tenant, "did", allow_global=False)
    trunk = data["trunk"]
    if trunk is not None and not Trunk.objects.filter(Q(tenants=tenant), pk=trunk).exists():
        raise serializers.ValidationError({"trunk": [f"No trunk {trunk} assigned to tenant {tenant.code}."]})


def _time(seconds):
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
