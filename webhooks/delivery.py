"""Sending deliveries: signing, one POST, claiming due rows, and recording the outcome.

`manage.py run_webhooks` (the worker) and the ping endpoint use these.

- Claim: one UPDATE that marks up to N due pending rows with the worker's claim token and
  moves their `next_attempt_at` one lease ahead. On PostgreSQL its subquery takes the rows
  `FOR UPDATE SKIP LOCKED`, so concurrent workers pass over each other's rows instead of
  waiting or sharing them; on SQLite the single UPDATE holds the database's write lock.
  The claim commits at once (autocommit): a worker that dies leaves rows that are due
  again when the lease ends, so nothing is lost (at-least-once; receivers dedupe on
  X-PBX-Delivery).
- Outcome: each attempt is stored; a 2xx is delivered, anything else is retried with
  exponential backoff and jitter until PBX_WEBHOOKS_MAX_ATTEMPTS, then the delivery is
  dead. PBX_WEBHOOKS_DISABLE_AFTER dead deliveries in a row disable the webhook, with a
  change log row and a `webhook.disabled` event.
"""

import hashlib
import hmac
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import F
from django.utils import timezone

from pbx import changelog, metrics
from webhooks import addresses, events, outbox
from webhooks.models import Attempt, Delivery, Webhook

USER_AGENT = "pbx-webhooks/1"
ERROR_LENGTH = 500
_local = threading.local()


def body_of(payload):
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def sign(secret, timestamp, body):
    """`sha256=<hex>`: HMAC-SHA256 with the webhook's secret of `<timestamp>.<body>`."""
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def backoff(tries):
    """Seconds before the next try after `tries` failed ones: base * 2**(tries-1), capped,
    plus up to 25% jitter (so that a receiver coming back is not hit by every retry at once)."""
    base = settings.PBX_WEBHOOKS_BACKOFF_SECONDS * 2 ** max(tries - 1, 0)
    delay = min(base, settings.PBX_WEBHOOKS_BACKOFF_MAX_SECONDS)
    return delay * (1 + random.random() * 0.25)  # jitter, not a secret


@dataclass
class Outcome:
    delivery_id: int
    webhook_id: int
    time: object
    status_code: int | None = None
    response_ms: int | None = None
    error: str = ""
    released: bool = False  # not sent (the worker is stopping): due again at once

    @property
    def ok(self):
        return self.status_code is not None and 200 <= self.status_code < 300


def _pool():
    """One urllib3 pool manager per thread: kept-alive connections to each receiver, no
    retries or redirects of its own (the worker retries; a redirect is a failure), and
    no proxies from the environment (a proxy would hide the address the SSRF check
    vetted). urllib3 rather than requests: half the CPU per POST, which is the worker's
    bottleneck."""
    pool = getattr(_local, "pool", None)
    if pool is None:
        pool = _local.pool = urllib3.PoolManager(num_pools=50, maxsize=2, retries=False)
    return pool


def send(delivery, webhook, *, checked=None, timeout=None):
    """POST one delivery to its webhook; returns the Outcome (never raises for the
    receiver's failures). `checked` caches URL checks for one batch."""
    started = timezone.now()
    outcome = Outcome(delivery.pk, webhook.pk, started)
    try:
        if checked is None or webhook.url not in checked:
            vetted = addresses.check_url(webhook.url)
            if checked is not None:
                checked[webhook.url] = vetted
        else:
            vetted = checked[webhook.url]
    except addresses.RefusedAddress as error:
        outcome.error = f"Refused: {error}"[:ERROR_LENGTH]
        return outcome
    body = body_of(delivery.payload)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-PBX-Event": delivery.event,
        "X-PBX-Delivery": str(delivery.pk),
        "X-PBX-Event-Id": delivery.event_id,
        "X-PBX-Timestamp": str(timestamp),
        "X-PBX-Signature": sign(webhook.secret, timestamp, body),
    }
    timeout = timeout or settings.PBX_WEBHOOKS_TIMEOUT
    clock = time.perf_counter()
    try:
        connection, path = _connection_to(webhook.url, vetted[0], headers)
        response = connection.urlopen(
            "POST",
            path,
            body=body,
            headers=headers,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            redirect=False,
            preload_content=False,
        )
        try:
            answer = response.read(1024, decode_content=False)
        finally:
            if response.length_remaining == 0:
                response.release_conn()  # read to the end: the connection is reused
            else:
                response.close()  # a long or chunked answer is not read to its end
        outcome.status_code = response.status
        if not outcome.ok:
            text = answer.decode(errors="replace")[:200]
            outcome.error = f"HTTP {response.status}: {text}"[:ERROR_LENGTH]
    except urllib3.exceptions.NewConnectionError as error:  # a TimeoutError subclass: first
        reason = str(error).split(": ", 1)[-1]
        outcome.error = f"Could not connect: {reason}"[:ERROR_LENGTH]
    except urllib3.exceptions.TimeoutError:
        outcome.error = f"Timed out after {timeout} s."
    except (urllib3.exceptions.HTTPError, OSError, ValueError) as error:
        outcome.error = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
    outcome.response_ms = int((time.perf_counter() - clock) * 1000)
    return outcome


def _connection_to(url, address, headers):
    """(a pooled connection to the vetted `address`, the request path). Connecting to the
    address the check approved, not to the name again, closes the gap between check and
    connect that a rebinding DNS answer would use; the name still goes in the Host header
    and, for https, in SNI and the certificate check."""
    parts = urlsplit(url)
    scheme = parts.scheme
    port = parts.port or (443 if scheme == "https" else 80)
    pool_kwargs = (
        {"server_hostname": parts.hostname, "assert_hostname": parts.hostname} if scheme == "https" else {}
    )
    connection = _pool().connection_from_host(address, port=port, scheme=scheme, pool_kwargs=pool_kwargs)
    headers["Host"] = parts.netloc
    return connection, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


# --- claiming ---------------------------------------------------------------------------


def claim(limit, *, using=None):
    """Claim up to `limit` due deliveries of enabled webhooks; returns (token, ids)."""
    using = using or router.db_for_write(Delivery)
    connection = connections[using]
    token = uuid.uuid4().hex
    now = timezone.now()
    lease_end = now + timedelta(seconds=settings.PBX_WEBHOOKS_LEASE_SECONDS)
    table, hooks = Delivery._meta.db_table, Webhook._meta.db_table
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    sql = (
        f"UPDATE {table} SET claim = %s, next_attempt_at = %s WHERE id IN ("
        f"SELECT d.id FROM {table} d WHERE d.status = 'pending' AND d.next_attempt_at <= %s "
        f"AND d.webhook_id IN (SELECT id FROM {hooks} WHERE enabled) "
        f"ORDER BY d.next_attempt_at LIMIT %s{lock}) RETURNING id"
    )
    field = Delivery._meta.get_field("next_attempt_at")
    params = [
        token,
        field.get_db_prep_value(lease_end, connection),
        field.get_db_prep_value(now, connection),
        limit,
    ]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    return token, ids


def release(token, ids, *, using=None):
    """Give claimed deliveries back unsent: due again now, for any worker."""
    if ids:
        Delivery.objects.using(using or router.db_for_write(Delivery)).filter(pk__in=ids, claim=token).update(
            claim="", next_attempt_at=timezone.now()
        )


# --- recording outcomes -----------------------------------------------------------------


def record(token, outcomes, *, using=None, count_towards_disable=True):
    """Store the attempts and move each delivery on (delivered, retried later, or dead),
    in one transaction; then disable the webhooks that died too often in a row.
    Rows whose claim is no longer ours (the lease ran out and another worker took them)
    keep the attempt but are left to their new owner."""
    using = using or router.db_for_write(Delivery)
    sent = [o for o in outcomes if not o.released]
    max_tries = settings.PBX_WEBHOOKS_MAX_ATTEMPTS
    now = timezone.now()
    with transaction.atomic(using=using):
        release(token, [o.delivery_id for o in outcomes if o.released], using=using)
        Attempt.objects.using(using).bulk_create(
            Attempt(
                delivery_id=o.delivery_id,
                time=o.time,
                status_code=o.status_code,
                response_ms=o.response_ms,
                error=o.error,
            )
            for o in sent
        )
        mine = Delivery.objects.using(using).filter(claim=token)
        by_code = {}
        for o in sent:
            if o.ok:
                by_code.setdefault(o.status_code, []).append(o.delivery_id)
        delivered = retried = dead_count = 0
        for code, ids in by_code.items():
            delivered += mine.filter(pk__in=ids).update(
                status=Delivery.Status.DELIVERED,
                delivered_at=now,
                tries=F("tries") + 1,
                last_status_code=code,
                last_error="",
                claim="",
            )
        failed = [o for o in sent if not o.ok]
        tries = dict(mine.filter(pk__in=[o.delivery_id for o in failed]).values_list("pk", "tries"))
        dead_by_hook = {}
        for o in failed:
            if o.delivery_id not in tries:
                continue
            count = tries[o.delivery_id] + 1
            dead = count >= max_tries
            mine.filter(pk=o.delivery_id).update(
                status=Delivery.Status.DEAD if dead else Delivery.Status.PENDING,
                tries=count,
                next_attempt_at=now if dead else now + timedelta(seconds=backoff(count)),
                last_status_code=o.status_code,
                last_error=o.error,
                claim="",
            )
            if dead:
                dead_by_hook[o.webhook_id] = dead_by_hook.get(o.webhook_id, 0) + 1
            dead_count, retried = dead_count + dead, retried + (not dead)
        if count_towards_disable:
            _count_in_a_row(sent, dead_by_hook, using)
        durations = [o.response_ms / 1000 for o in sent if o.response_ms is not None]
        metrics.webhook_outcomes(delivered, retried, dead_count, durations)


def _count_in_a_row(sent, dead_by_hook, using):
    hooks = Webhook.objects.using(using)
    delivered = {o.webhook_id for o in sent if o.ok} - set(dead_by_hook)
    if delivered:
        hooks.filter(pk__in=delivered, dead_in_a_row__gt=0).update(dead_in_a_row=0)
    for hook_id, dead in dead_by_hook.items():
        hooks.filter(pk=hook_id).update(dead_in_a_row=F("dead_in_a_row") + dead)
    limit = settings.PBX_WEBHOOKS_DISABLE_AFTER
    if limit and dead_by_hook:
        for webhook in hooks.select_for_update().filter(
            pk__in=list(dead_by_hook), enabled=True, dead_in_a_row__gte=limit
        ):
            disable(webhook, f"{webhook.dead_in_a_row} deliveries in a row died.")


def disable(webhook, reason):
    """Disable a webhook that keeps failing: a change log row (so webhook.updated) and a
    webhook.disabled event for the other webhooks that want it, in the caller's transaction."""
    before = changelog.snapshot(webhook)
    webhook.enabled = False
    webhook.disabled_reason = reason[:200]
    webhook.save(update_fields=["enabled", "disabled_reason", "updated_at"])
    changelog.record(webhook, changelog.UPDATE, before)
    tenant_code = webhook.tenant.code if webhook.tenant_id else None
    wanting = [
        (hook_id, tenant_id, patterns)
        for hook_id, tenant_id, patterns in outbox.enabled_webhooks()
        if tenant_id is None or tenant_id == webhook.tenant_id
    ]
    outbox.enqueue(
        wanting,
        events.WEBHOOK_DISABLED,
        {**changelog.snapshot(webhook), "reason": webhook.disabled_reason},
        tenant_code=tenant_code,
        object_ref={"type": "webhook", "id": webhook.pk, "label": str(webhook)[:200]},
    )


# --- a batch ----------------------------------------------------------------------------


def process(token, ids, pool, stopping=None, *, using=None):
    """Send the claimed deliveries with the thread pool and record the outcomes. Once
    `stopping` is set, those not yet started are released instead of sent."""
    using = using or router.db_for_write(Delivery)
    rows = list(Delivery.objects.using(using).filter(pk__in=ids, claim=token).select_related("webhook"))
    checked = {}

    def one(delivery):
        if stopping is not None and stopping.is_set():
            return Outcome(delivery.pk, delivery.webhook_id, timezone.now(), released=True)
        return send(delivery, delivery.webhook, checked=checked)

    outcomes = list(pool.map(one, rows)) if pool is not None else [one(row) for row in rows]
    record(token, outcomes, using=using)
    return outcomes


def ping(webhook):
    """Send a webhook.ping to this webhook now, once; returns the delivery with its attempt.
    A failed ping is a recorded failed attempt (the delivery is dead at once: no retries),
    and it does not count towards disabling the webhook."""
    event_id = uuid.uuid4().hex
    payload = {
        "id": event_id,
        "event": events.WEBHOOK_PING,
        "time": timezone.now().isoformat().replace("+00:00", "Z"),
        "tenant": webhook.tenant.code if webhook.tenant_id else None,
        "object": {"type": "webhook", "id": webhook.pk, "label": str(webhook)[:200]},
        "data": {"message": "A test event: your receiver is reached."},
    }
    token = uuid.uuid4().hex
    delivery = Delivery.objects.create(
        webhook=webhook,
        tenant_id=webhook.tenant_id,
        event=events.WEBHOOK_PING,
        event_id=event_id,
        payload=payload,
        claim=token,
        next_attempt_at=timezone.now() + timedelta(seconds=settings.PBX_WEBHOOKS_LEASE_SECONDS),
    )
    outcome = send(delivery, webhook, timeout=min(settings.PBX_WEBHOOKS_TIMEOUT, 5))
    with transaction.atomic():
        Attempt.objects.create(
            delivery=delivery,
            time=outcome.time,
            status_code=outcome.status_code,
            response_ms=outcome.response_ms,
            error=outcome.error,
        )
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.DELIVERED if outcome.ok else Delivery.Status.DEAD,
            delivered_at=timezone.now() if outcome.ok else None,
            tries=1,
            last_status_code=outcome.status_code,
            last_error=outcome.error,
            claim="",
        )
        durations = [outcome.response_ms / 1000] if outcome.response_ms is not None else []
        metrics.webhook_outcomes(delivered=int(outcome.ok), dead=int(not outcome.ok), durations=durations)
    delivery.refresh_from_db()
    return delivery


def redeliver(delivery):
    """Queue a delivery again (dead or not): pending, due now, its tries counted afresh;
    its earlier attempts stay in its history."""
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.PENDING, tries=0, next_attempt_at=timezone.now(), claim="", delivered_at=None
    )
    delivery.refresh_from_db()
    return delivery
