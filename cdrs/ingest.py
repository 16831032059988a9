"""Storing call records: resolve each to its tenant's objects, store each call once.

Every ingest path (the API's three bodies, `manage.py import_cdrs`) ends here. A batch
is not all-or-nothing, on purpose: a switch must not lose a day of calls for one bad
row, so good records are stored, duplicates of (tenant, call_id) skipped and counted,
and bad ones reported by index with the reason (DESIGN.md section 8).

On PostgreSQL a batch is COPYed into a temporary table and inserted from there with
`ON CONFLICT DO NOTHING`, which stores ~10x the rows per second of `bulk_create`; other
databases use `bulk_create(ignore_conflicts=True)`.
"""

from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from cdrs.formats import SwitchRecord
from cdrs.models import CallRecord
from extensions.models import Extension
from routing.models import DID, normalize_e164
from tenants.models import Tenant


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


def resolve(record: SwitchRecord, tenant, directory, keep_raw=True):
    """A CallRecord (unsaved) for `record` in `tenant`: extension, DID and trunk looked
    up by number and name, and the direction decided from them, not from the switch's
    own leg-relative idea of it."""
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
    trunk_id = next((trunks[name] for name in _trunk_names(record.channels) if name in trunks), None)
    return CallRecord(
        tenant=tenant,
        call_id=record.call_id,
        direction=direction,
        caller_name=record.caller_name[:128],
        caller_number=record.caller_number[:64],
        destination_number=record.destination_number[:64],
        extension_id=extension_id,
        did_id=did_id,
        trunk_id=trunk_id,
        start=record.start,
        answer=record.answer,
        end=record.end,
        duration=record.duration,
        billsec=record.billsec,
        disposition=record.disposition,
        hangup_cause=record.hangup_cause[:64],
        account_code=record.account_code[:32],
        recording=record.recording[:255],
        raw=_storable(record.raw) if keep_raw and record.raw else None,
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


def store(call_records):
    """Insert the CallRecords, skipping any (tenant, call_id) already stored or repeated
    in the batch. Returns how many were stored."""
    unique = {}
    for call_record in call_records:
        unique.setdefault((call_record.tenant_id, call_record.call_id), call_record)
    rows = list(unique.values())
    if not rows:
        return 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            return _copy_in(rows)
        before = CallRecord.objects.count()
        CallRecord.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        return CallRecord.objects.count() - before


def _copy_in(rows):
    """COPY the rows into a temporary table, then insert what is new (PostgreSQL)."""
    table = CallRecord._meta.db_table
    fields = [field for field in CallRecord._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    now = timezone.now()
    with connection.cursor() as cursor:
        # The staging table has the columns' types and none of the constraints.
        cursor.execute(
            f"CREATE TEMPORARY TABLE cdr_staging ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"
        )
        with cursor.copy(f"COPY cdr_staging ({columns}) FROM STDIN") as copy:
            for row in rows:
                row.created_at = row.updated_at = now
                copy.write_row(
                    [field.get_db_prep_save(field.pre_save(row, add=False), connection) for field in fields]
                )
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM cdr_staging "
            "ON CONFLICT (tenant_id, call_id) DO NOTHING"
        )
        stored = cursor.rowcount
        cursor.execute("DROP TABLE cdr_staging")
    return stored
