"""The outbox: events become Delivery rows in the transaction of the change or the CDR
that caused them, so a rolled-back change sends nothing and a committed one is never lost.

Two doors:
- `changes_recorded(rows)`: the kernel's change log recorder calls it (registered in
  WebhooksConfig.ready) with the rows it just wrote, for `<object>.created|updated|deleted`;
- `calls_completed(call_record_ids)`: CDR ingest calls it with the ids it just stored, for
  `call.completed`, set-based.

Both first read the enabled webhooks (one small query); when none could want the event,
nothing more is written. A webhook enabled in a transaction that commits after the
change's own read of the webhooks does not get that change (the usual READ COMMITTED
view); every webhook committed before the change is matched.
"""

import json
import uuid

from django.db import connections, router
from django.utils import timezone

from webhooks import events
from webhooks.models import Delivery, Webhook


def enabled_webhooks(using=None):
    """[(id, tenant_id, patterns)] of the enabled webhooks: one query."""
    using = using or router.db_for_read(Webhook)
    return list(Webhook.objects.using(using).filter(enabled=True).values_list("id", "tenant_id", "events"))


def _iso(value):
    return value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else value


def actor_of(row):
    """Who made the change: the user, and the API key used (an admin's several tenant keys
    share one user, so the key tells them apart); None when nobody acted (a command)."""
    if not (row["actor_name"] or row["api_key_prefix"]):
        return None
    return {
        "username": row["actor_name"] or None,
        "api_key_prefix": row["api_key_prefix"] or None,
        "api_key_name": row.get("api_key_name") or None,
    }


def change_payload(row, event, event_id):
    """The JSON body of a change event: the object's snapshot after the change (before it,
    for a deletion), secrets already redacted by the change log. A deletion changes no
    field: its `changed_fields` is empty."""
    deleted = row["action"] == "delete"
    return {
        "id": event_id,
        "event": event,
        "time": _iso(row["time"]),
        "tenant": row["tenant_code"] or None,
        "object": {"type": row["object_type"], "id": row["object_id"], "label": row["object_label"]},
        "data": row["before"] if deleted else row["after"],
        "changed_fields": [] if deleted else row["changed_fields"],
        "actor": actor_of(row),
        "source": row["source"] or None,
    }


def changes_recorded(rows):
    """The change log's listener: a Delivery for each (change, webhook that wants it)."""
    if not rows:
        return
    hooks = enabled_webhooks(router.db_for_write(Delivery))
    if not hooks:
        return
    deliveries = []
    for row in rows:
        event = events.name_for(row["object_type"], row["action"])
        wanting = [
            (hook_id, tenant_id)
            for hook_id, tenant_id, patterns in hooks
            if (tenant_id is None or tenant_id == row["tenant_id"]) and events.matches(patterns, event)
        ]
        if not wanting:
            continue
        event_id = uuid.uuid4().hex
        payload = change_payload(row, event, event_id)
        deliveries += [
            Delivery(webhook_id=hook_id, tenant_id=tenant_id, event=event, event_id=event_id, payload=payload)
            for hook_id, tenant_id in wanting
        ]
    if deliveries:
        Delivery.objects.bulk_create(deliveries, batch_size=1000)


def enqueue(webhooks, event, payload_data, *, tenant_code=None, object_ref=None):
    """Queue one event of our own (webhook.disabled) for the enabled webhooks that want it,
    in the caller's transaction."""
    event_id = uuid.uuid4().hex
    payload = {
        "id": event_id,
        "event": event,
        "time": _iso(timezone.now()),
        "tenant": tenant_code,
        "object": object_ref,
        "data": payload_data,
    }
    Delivery.objects.bulk_create(
        [
            Delivery(webhook_id=hook_id, tenant_id=tenant_id, event=event, event_id=event_id, payload=payload)
            for hook_id, tenant_id, patterns in webhooks
            if events.matches(patterns, event)
        ]
    )


# --- call.completed -----------------------------------------------------------------------

CALL_FIELDS = [
    ("call_id", "text"),
    ("direction", "text"),
    ("caller_name", "text"),
    ("caller_number", "text"),
    ("destination_number", "text"),
    ("extension_id", "int"),
    ("did_id", "int"),
    ("trunk_id", "int"),
    ("start", "time"),
    ("answer", "time"),
    ("end", "time"),
    ("duration", "int"),
    ("billsec", "int"),
    ("disposition", "text"),
    ("hangup_cause", "text"),
    ("account_code", "text"),
    ("recording", "text"),
]


def _call_payload_sql(vendor, now_sql):
    """SQL building a call.completed body from the row `c` of cdrs_callrecord and `t` of
    tenants_tenant: {"id", "event", "time", "tenant", "object", "data": {the CDR's fields}}."""
    build = "jsonb_build_object" if vendor == "postgresql" else "json_object"
    data = ["'id', c.id"]
    for name, kind in CALL_FIELDS:
        column = f'c."{name}"'
        if kind == "time" and vendor != "postgresql":
            # SQLite keeps UTC as 'YYYY-MM-DD HH:MM:SS[.ffffff]': written as ISO 8601 with Z.
            column = f"CASE WHEN {column} IS NULL THEN NULL ELSE replace({column}, ' ', 'T') || 'Z' END"
        data.append(f"'{name}', {column}")
    event_id = "'call-' || c.id"
    return (
        f"{build}('id', {event_id}, 'event', '{events.CALL_COMPLETED}', 'time', {now_sql}, "
        f"'tenant', t.code, 'object', {build}('type', 'callrecord', 'id', c.id, 'label', c.call_id), "
        f"'data', {build}({', '.join(data)}))"
    )


def calls_completed(call_record_ids, *, using="default"):
    """Queue `call.completed` for the CallRecords just stored: call inside the ingest's
    transaction, after the rows are written, with the ids of the rows that were really
    inserted (not the skipped duplicates, or each duplicate would announce its call again).

    Cost: one small query (the enabled webhooks) when no enabled webhook wants
    call.completed, and then nothing more; otherwise one INSERT ... SELECT for the whole
    batch, whatever its size and however many webhooks want it (the CDRs joined to the
    wanting webhooks: a tenant's webhooks get its calls, a global one every call).
    Returns how many deliveries were queued. The event id is `call-<CallRecord id>`, the
    same for every webhook it goes to.
    """
    ids = [int(pk) for pk in call_record_ids]
    if not ids:
        return 0
    hooks = [
        (hook_id, tenant_id)
        for hook_id, tenant_id, patterns in enabled_webhooks(using)
        if events.matches(patterns, events.CALL_COMPLETED)
    ]
    if not hooks:
        return 0
    connection = connections[using]
    table = Delivery._meta.db_table
    columns = "(webhook_id, tenant_id, event, event_id, payload)"
    if connection.vendor == "postgresql":
        payload = _call_payload_sql("postgresql", "to_jsonb(now())")
        sql = (
            f"INSERT INTO {table} {columns} "
            f"SELECT h.webhook_id, h.tenant_id, '{events.CALL_COMPLETED}', 'call-' || c.id, {payload} "
            "FROM cdrs_callrecord c JOIN tenants_tenant t ON t.id = c.tenant_id "
            "JOIN unnest(%s::bigint[], %s::bigint[]) AS h(webhook_id, tenant_id) "
            "ON h.tenant_id IS NULL OR h.tenant_id = c.tenant_id "
            "WHERE c.id = ANY(%s::bigint[])"
        )
        params = [[h for h, _ in hooks], [t for _, t in hooks], ids]
    else:
        payload = _call_payload_sql(connection.vendor, "strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', 'now')")
        sql = (
            f"INSERT INTO {table} {columns} "
            f"SELECT json_extract(h.value, '$[0]'), json_extract(h.value, '$[1]'), "
            f"'{events.CALL_COMPLETED}', 'call-' || c.id, {payload} "
            "FROM cdrs_callrecord c JOIN tenants_tenant t ON t.id = c.tenant_id "
            "JOIN json_each(%s) h ON json_extract(h.value, '$[1]') IS NULL "
            "OR json_extract(h.value, '$[1]') = c.tenant_id "
            "WHERE c.id IN (SELECT value FROM json_each(%s))"
        )
        params = [json.dumps(hooks), json.dumps(ids)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
