"""The change log recorder: the one door every create, update and delete passes.

The kernel's viewsets, the admin and the management commands call `record()` inside the
transaction of the write (Zulip's way, rather than model signals, which miss bulk work
and cannot tell who acted). Who acted, with which key, from where and in which request
comes from a context variable that the request middleware, the API views and the
commands fill (`change_context`).

Snapshots are the model's concrete fields as JSON; fields named in the model's
`SECRET_FIELDS` are redacted. An update that changes nothing leaves no row; an update of
a secret alone is a change (named in `changed_fields`, its values redacted).
"""

import contextlib
import datetime
import decimal
import functools
import hashlib
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import connections, models, router
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from pbx.models import ChangeLog

CREATE, UPDATE, DELETE = ChangeLog.Action.CREATE, ChangeLog.Action.UPDATE, ChangeLog.Action.DELETE
REDACTED = "********"
# Redacted whatever the model: credentials under their usual names (Django's user
# password hash, API key digests, PINs ...). Models add their own in SECRET_FIELDS.
ALWAYS_SECRET = frozenset({"password", "key_hash", "secret", "pin", "admin_pin"})
# Bookkeeping columns whose change alone is not a change worth a row.
IGNORED_FIELDS = {"updated_at", "last_used_at", "last_login"}


@dataclass(frozen=True)
class ChangeContext:
    """Who is changing things, for the rows written meanwhile."""

    actor: object = None
    api_key_prefix: str = ""
    api_key_name: str = ""
    request_id: str = ""
    client_ip: str | None = None
    source: str = ""


_context = ContextVar("pbx_change_context", default=ChangeContext())  # noqa: B039 (frozen)


def current_context():
    return _context.get()


@contextlib.contextmanager
def change_context(**values):
    """Set (some of) the context for the writes inside the block."""
    token = _context.set(replace(_context.get(), **values))
    try:
        yield
    finally:
        _context.reset(token)


def begin_request(request_id, client_ip):
    """Start a request's context (the request middleware); returns the token to end it."""
    return _context.set(ChangeContext(request_id=request_id, client_ip=client_ip or None))


def end_request(token):
    _context.reset(token)


def set_context(**values):
    """Add to the context for the rest of the current request (say, once the API has
    authenticated the caller); the request middleware drops it at the end."""
    _context.set(replace(_context.get(), **values))


def _json_value(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return f"<{len(value)} bytes>"
    if isinstance(value, FieldFile):
        return value.name or ""  # the stored file's name, never its content
    return value


_snapshot_extras = {}


def register_snapshot_extra(model, describe):
    """Called from an app's ready(): `describe(instance)` adds values that are not columns
    of the model (a user's role and tenants) to its snapshots."""
    _snapshot_extras[model._meta.label_lower] = describe


_listeners = []


def register_listener(listener):
    """Called from an app's ready(): `listener(rows)` is called with the change log rows
    (dicts of ChangeLog's columns) just written, inside the same transaction, so that
    what it writes commits or rolls back with the change (the webhooks app's outbox).
    The kernel stays ignorant of who listens (docs/architecture.md)."""
    if listener not in _listeners:
        _listeners.append(listener)


def _tell_listeners(rows):
    for listener in _listeners:
        listener(rows)


def secret_fields_of(model):
    """The names of the model's fields whose values are secrets: redacted in the change
    log, hidden by the API and write-only in the admin but for the platform's full access."""
    secret = ALWAYS_SECRET | set(getattr(model, "SECRET_FIELDS", ()))
    return frozenset(field.name for field in model._meta.concrete_fields if field.name in secret)


class Snapshot(dict):
    """A snapshot: the JSON that is stored, plus a digest of each secret's real value
    (never stored) so that a change of a secret alone is still seen as a change."""

    secret_digests = {}


def _digest(value):
    return hashlib.sha256(str(value).encode()).hexdigest()


def snapshot(instance):
    """The object's concrete fields as JSON-safe values, secrets redacted."""
    secret = secret_fields_of(type(instance))
    data = Snapshot()
    data.secret_digests = {}
    for field in instance._meta.concrete_fields:
        name = field.attname if isinstance(field, models.ForeignKey) else field.name
        value = getattr(instance, field.attname)
        if field.name in secret:
            data.secret_digests[name] = _digest(value)
            value = REDACTED if value else ""
        data[name] = _json_value(value)
    if describe := _snapshot_extras.get(instance._meta.label_lower):
        data.update(describe(instance))
    # Destinations and tags are rows of their own; the API's serializer puts the values
    # it read or wrote on the instance (pbx.api.serializers), so changing them is a change.
    data.update(instance.__dict__.get("_pbx_relations", {}))
    return data


def changed_fields(before, after):
    """The names of the fields that differ. Secrets compare by their real values: redacted
    both sides read alike, and a new PIN alone must still be logged as a change of `pin`."""
    before, after = before or {}, after or {}
    keys = (set(before) | set(after)) - IGNORED_FIELDS
    digests_before = getattr(before, "secret_digests", {})
    digests_after = getattr(after, "secret_digests", {})
    secrets = set(digests_before) & set(digests_after)
    return sorted(
        k
        for k in keys
        if before.get(k) != after.get(k) or (k in secrets and digests_before[k] != digests_after[k])
    )


def object_type_of(instance):
    return instance._meta.model_name


def record(instance, action, before=None, *, tenant=None):
    """Write the change log row of one change (nothing for an update that changes nothing).

    `before` is the snapshot taken before an update or delete. Call inside the write's
    transaction, after the write (so that `after` is what was stored).
    """
    buffer = _deferred.get()
    if not settings.PBX_CHANGE_LOG or (buffer is not None and buffer.discarded):
        return
    after = None if action == DELETE else snapshot(instance)
    changed = (
        changed_fields(before, after)
        if action == UPDATE
        else sorted(set(after or before or {}) - IGNORED_FIELDS)
    )
    if action == UPDATE and not changed:
        return
    row = _row(
        instance, action, before, after, changed, _tenant_ref(instance, tenant, action), timezone.now()
    )
    if buffer is not None:
        buffer.append(row)
        return
    _insert(row)
    _tell_listeners([row])


_deferred = ContextVar("pbx_change_log_deferred", default=None)


class DeferredLog:
    """The rows recorded inside `deferred()`, written when it ends."""

    def __init__(self):
        self.rows, self.discarded = [], False

    def append(self, row):
        if not self.discarded:
            self.rows.append(row)

    def discard(self):
        """Write nothing (a dry run, or a transaction about to be rolled back), and stop
        keeping rows."""
        self.rows, self.discarded = [], True


@contextlib.contextmanager
def deferred():
    """Keep the rows that record() writes until the block ends, then write them all in
    one executemany and tell the listeners once (the webhooks' outbox reads its webhooks
    once, not once per object). For a bulk import in one transaction: per object, the log
    and the webhooks cost two round trips. Use it inside the transaction, around writes
    that commit or roll back together: a row is not undone when only a savepoint of its
    object rolls back. An exception, or `discard()`, writes nothing."""
    buffer = DeferredLog()
    token = _deferred.set(buffer)
    try:
        yield buffer
    except BaseException:
        buffer.discard()
        raise
    finally:
        _deferred.reset(token)
    if buffer.rows:
        _insert_many(buffer.rows)
        _tell_listeners(buffer.rows)


def record_many(instances, action, *, tenant=None):
    """record() for many new or deleted objects of one tenant, in one executemany: a
    10,000-row CSV import would otherwise pay 10,000 round trips for its log."""
    if not settings.PBX_CHANGE_LOG or not instances:
        return
    tenant_ref = _tenant_ref(instances[0], tenant, action)
    now = timezone.now()
    rows = []
    for instance in instances:
        after = None if action == DELETE else snapshot(instance)
        before = snapshot(instance) if action == DELETE else None
        changed = sorted(set(after or before or {}) - IGNORED_FIELDS)
        rows.append(_row(instance, action, before, after, changed, tenant_ref, now))
    _insert_many(rows)
    _tell_listeners(rows)


def _insert_many(rows):
    connection = connections[router.db_for_write(ChangeLog)]
    sql, fields = _insert_plan(connection.alias, connection.vendor)
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [[field.get_db_prep_save(row[field.attname], connection) for field in fields] for row in rows],
        )


def _row(instance, action, before, after, changed, tenant_ref, time):
    """The ChangeLog columns of one change, with who made it from the request context."""
    context = _context.get()
    actor = context.actor if getattr(context.actor, "pk", None) else None
    tenant_id, tenant_code = tenant_ref
    return {
        "time": time,
        "actor_id": actor.pk if actor else None,
        "actor_name": getattr(actor, "username", "") or "",
        "api_key_prefix": context.api_key_prefix,
        "api_key_name": context.api_key_name,
        "tenant_id": tenant_id,
        "tenant_code": tenant_code,
        "object_type": object_type_of(instance),
        "object_id": instance.pk,
        "object_label": str(instance)[:200],
        "action": action,
        "before": before,
        "after": after,
        "changed_fields": changed,
        "request_id": context.request_id,
        "client_ip": context.client_ip or None,
        "source": context.source,
    }


def _insert(row):
    """One INSERT, its SQL built once per database: the ORM's create() spent more time
    building the row (model init, signals, RETURNING) than the database spent storing it,
    and every API write pays for this (its budget: at most 15% of a write, docs/benchmarks.md)."""
    connection = connections[router.db_for_write(ChangeLog)]
    sql, fields = _insert_plan(connection.alias, connection.vendor)
    params = [field.get_db_prep_save(row[field.attname], connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@functools.cache
def _insert_plan(alias, vendor):
    fields = [field for field in ChangeLog._meta.concrete_fields if not field.primary_key]
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {quote(ChangeLog._meta.db_table)} ({columns}) VALUES ({placeholders})", fields


def _tenant_ref(instance, tenant, action):
    """(tenant id, tenant code) the row belongs to: the object's tenant, or for a tenant
    itself, that tenant (so a tenant admin sees its tenant's own history). A deleted
    tenant's rows keep its code only."""
    from tenants.models import Tenant

    if tenant is None:
        if isinstance(instance, Tenant):
            tenant = instance
        elif getattr(instance, "tenant_id", None):
            code = getattr(instance, "scope_tenant_code", None)  # annotated by the API's querysets
            if code is not None:
                return instance.tenant_id, code
            tenant = instance.tenant
    if tenant is None:
        return None, ""
    gone = isinstance(instance, Tenant) and action == DELETE
    return (None if gone else tenant.pk), tenant.code
