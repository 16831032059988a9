"""Storing call records: resolve each to its tenant's objects, store each call once.

Every ingest path (the API's three bodies, `manage.py import_cdrs`) ends here. A batch
is not all-or-nothing, on purpose: a switch must not lose a day of calls for one bad
row, so good records are stored, duplicates of (tenant, call_id) skipped and counted,
and bad ones reported by index with the reason (docs/cdrs.md).

On PostgreSQL a batch is COPYed into a temporary table and inserted from there (the
calls not stored yet, with `ON CONFLICT DO NOTHING`), which stores ~10x the rows per
second of `bulk_create`; other databases use `bulk_create(ignore_conflicts=True)`.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection, transaction
from django.dispatch import Signal
from psycopg.types.json import Jsonb

from cdrs.formats import SwitchRecord
from cdrs.models import CallRecord
from extensions.models import Extension
from pbx import metrics
from routing.models import DID, normalize_e164
from tenants.models import Tenant

# Sent inside the storing transaction with `ids`, the new CallRecords' primary keys, once
# per batch: how the webhooks app writes its `call.completed` events in the same
# transaction without cdrs knowing of it (docs/architecture.md).
calls_stored = Signal()


@dataclass
class IngestResult:
    """What became of a batch: counts, and each refused record's index and reason."""

    stored: int = 0
    skipped: int = 0
    rejected: list = field(default_factory=list)

    def reject(self, index, reason):
        self.rejected.append({"index": index, "error": reason})

    def add(self, other):
        self.stored += other.stored
        self.skipped += other.skipped
        self.rejected.extend(other.rejected)

    def as_dict(self):
        return {"stored": self.stored, "skipped": self.skipped, "rejected": self.rejected}


class TenantDirectory:
    """Which tenant a switch's record belongs to, from its SIP domain or account code,
    and that tenant's extensions, DIDs and trunks by number or name, read once per batch."""

    def __init__(self, tenants=None):
        self._allowed = None if tenants is None else {tenant.pk for tenant in tenants}
        self._by_domain = {}
        self._by_code = {}
        self._numbers = {}

    def tenant_for(self, record, default=None):
        """The record's tenant: the caller's own when it names one, else the one whose SIP
        domain or code the switch gave. None when none matches or it is out of reach."""
        tenant = default
        if tenant is None and record.domain:
            tenant = self._lookup(self._by_domain, record.domain, sip_domain=record.domain)
        if tenant is None and record.account_code:
            tenant = self._lookup(
                self._by_code, record.account_code.upper(), code=record.account_code.upper()
            )
        if tenant is not None and self._allowed is not None and tenant.pk not in self._allowed:
            return None
        return tenant

    def tenant_coded(self, code):
        """The tenant whose code is `code` (in any case), if within reach; else None."""
        code = str(code).strip().upper()
        tenant = self._lookup(self._by_code, code, code=code) if code else None
        if tenant is not None and self._allowed is not None and tenant.pk not in self._allowed:
            return None
        return tenant

    def _lookup(self, cache, key, **where):
        if key not in cache:
            cache[key] = Tenant.objects.filter(**where).first()
        return cache[key]

    def numbers(self, tenant):
        """(extension id by number, DID id by E.164 number, trunk id by name) of a tenant."""
        if tenant.pk not in self._numbers:
            self._numbers[tenant.pk] = (
                dict(Extension.objects.filter(tenant=tenant).values_list("number", "pk")),
                dict(DID.objects.filter(tenant=tenant).values_list("number", "pk")),
                {name.lower(): pk for name, pk in tenant.trunks.values_list("name", "pk")},
            )
        return self._numbers[tenant.pk]


class CallRow(NamedTuple):
    """A call ready to store: CallRecord's columns, in the order COPY writes them.

    A plain tuple rather than a model instance, because building a model and preparing
    each field through Django costs more per row than the rest of ingest together."""

    tenant_id: int
    call_id: str
    direction: str
    caller_name: str
    caller_number: str
    destination_number: str
    extension_id: int | None
    did_id: int | None
    trunk_id: int | None
    start: dt.datetime
    answer: dt.datetime | None
    end: dt.datetime | None
    duration: int
    billsec: int
    disposition: str
    hangup_cause: str
    account_code: str
    recording: str
    raw: dict | None


def resolve(record: SwitchRecord, tenant, directory, keep_raw=True):
    """The CallRow of `record` in `tenant`: extension, DID and trunk looked up by number
    and name, and the direction decided from them, not from the switch's own
    leg-relative idea of it."""
    extensions, dids, trunks = directory.numbers(tenant)
    caller_extension = extensions.get(record.caller_number)
    called_extension = extensions.get(record.destination_number)
    if caller_extension and called_extension:
        direction, extension_id = CallRecord.INTERNAL, caller_extension
    elif caller_extension:
        direction, extension_id = CallRecord.OUTBOUND, caller_extension
    else:
        direction, extension_id = CallRecord.INBOUND, called_extension
    did_id = None
    if direction == CallRecord.INBOUND:
        did_id = dids.get(_e164_or_none(record.destination_number))
    trunk_id = None
    if trunks and record.channels:
        trunk_id = next((trunks[name] for name in _trunk_names(record.channels) if name in trunks), None)
    return call_row(record, tenant, direction, extension_id, did_id, trunk_id, keep_raw)


def call_row(record: SwitchRecord, tenant, direction, extension_id, did_id, trunk_id, keep_raw=True):
    """The CallRow of `record` in `tenant`, its direction and links already decided (by
    resolve(), or by a switch that was told them: Kamailio asked pbx where the call goes)."""
    return CallRow(
        tenant.pk,
        record.call_id,
        direction,
        record.caller_name[:128],
        record.caller_number[:64],
        record.destination_number[:64],
        extension_id,
        did_id,
        trunk_id,
        record.start,
        record.answer,
        record.end,
        record.duration,
        record.billsec,
        record.disposition,
        record.hangup_cause[:64],
        record.account_code[:32],
        record.recording[:255],
        _storable(record.raw) if keep_raw and record.raw else None,
    )


def _storable(raw):
    # repr() is a fast C-level scan; a false alarm only costs one needless clean-up.
    return without_nul(raw) if "\\x00" in repr(raw) else raw


def without_nul(value):
    """`value` with NUL characters taken out of its strings and keys: PostgreSQL's jsonb
    refuses them, and one such record would fail the whole batch's insert."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value


def _e164_or_none(number):
    try:
        return normalize_e164(number)
    except ValueError:
        return None


def _trunk_names(channels):
    """`PJSIP/carrier-0000002a` -> `carrier`; FreeSWITCH gives the gateway's name as is."""
    for channel in channels:
        if not channel:
            continue
        name = channel.split("/", 1)[-1]
        yield name.rsplit("-", 1)[0].lower() if "/" in channel else name.lower()


def store(calls, *, source="api"):
    """Insert the CallRows, skipping any (tenant, call_id) already stored or repeated in
    the batch, and tell `calls_stored`'s receivers the new rows' ids inside the same
    transaction. Returns how many were stored. `source` (api, switch or import) labels
    the count in /metrics."""
    unique = {}
    for call in calls:
        unique.setdefault((call.tenant_id, call.call_id), call)
    rows = list(unique.values())
    if not rows:
        return 0
    with transaction.atomic():
        ids = _copy_in(rows) if connection.vendor == "postgresql" else _bulk_create(rows)
        if ids:
            calls_stored.send(sender=CallRecord, ids=ids)
        metrics.cdrs_stored(source, len(ids), len(calls) - len(ids))
    return len(ids)


def _copy_in(rows):
    """COPY the rows into a temporary table, then insert what is new (PostgreSQL)."""
    table = CallRecord._meta.db_table
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in CallRow._fields)
    raw = CallRow._fields.index("raw")
    with connection.cursor() as cursor:
        # The staging table has the columns' types and none of the constraints.
        cursor.execute(
            f"CREATE TEMPORARY TABLE cdr_staging ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"
        )
        with cursor.copy(f"COPY cdr_staging ({columns}) FROM STDIN") as copy:
            for row in rows:
                if row[raw] is not None:
                    row = row._replace(raw=Jsonb(row[raw]))
                copy.write_row(row)
        # The table is partitioned by month of start, and PostgreSQL's unique constraints
        # must hold the partition key: the database enforces (tenant, call_id, start), not
        # (tenant, call_id). A call sent again with another start (a switch's retry after
        # a clock fix) would land in another month unseen, so the calls already stored are
        # looked up across the months (one probe of each month's (tenant, call_id, start)
        # index a call). ON CONFLICT still settles two batches storing the same
        # call at once; two carrying one call_id with different starts at the same instant
        # could both store it, a race we accept rather than serialize a tenant's ingest.
        cursor.execute(
            f"INSERT INTO {table} ({columns}, created_at, updated_at) "
            f"SELECT {columns}, now(), now() FROM cdr_staging s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} c WHERE c.tenant_id = s.tenant_id "
            "AND c.call_id = s.call_id) ON CONFLICT DO NOTHING RETURNING id"
        )
        ids = [id_ for (id_,) in cursor.fetchall()]
        cursor.execute("DROP TABLE cdr_staging")
    return ids


def _bulk_create(rows):
    """Other databases (SQLite for tests and small installs): the calls not stored yet,
    found with one query per tenant, created with their ids returned."""
    stored = set()
    for tenant_id in {row.tenant_id for row in rows}:
        call_ids = [row.call_id for row in rows if row.tenant_id == tenant_id]
        for chunk in range(0, len(call_ids), 500):
            found = CallRecord.objects.filter(tenant_id=tenant_id, call_id__in=call_ids[chunk : chunk + 500])
            stored.update((tenant_id, call_id) for call_id in found.values_list("call_id", flat=True))
    new = [CallRecord(**row._asdict()) for row in rows if (row.tenant_id, row.call_id) not in stored]
    return [call.pk for call in CallRecord.objects.bulk_create(new, batch_size=500)]
