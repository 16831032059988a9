"""make bench (webhooks part): events delivered per second from 10,000 queued, with one
and with two `run_webhooks` workers, to a local receiver; prints JSON (docs/benchmarks.md's budget
alongside: at least 500 per second with two workers; a missed budget is reported, never
fatal). Also the cost of queueing call.completed for a batch of stored CDRs
(webhooks.outbox.calls_completed), which CDR ingest pays.

- The receiver is a tiny asyncio HTTP/1.1 server with keep-alive in its own process,
  answering 200 at once (so the figure is the worker's, not the receiver's).
- Each run: 10,000 deliveries of a realistic body (an extension's snapshot, ~1 KB) are
  queued with one INSERT ... SELECT, then the workers (`--once --concurrency 8`) are
  started and timed until they exit. Reported: events/s over the wall time (process
  start-up included) and over the sending time (first attempt to last delivery).

DATABASE_URL's server is used, database pbx_bench_webhooks (recreated);
BENCH_WEBHOOK_EVENTS (10,000) and BENCH_WEBHOOK_CONCURRENCY (8) change the run.
"""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import seed  # noqa: E402

DATABASE_URL = (os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/x").rsplit("/", 1)[
    0
] + "/pbx_bench_webhooks"
EVENTS = int(os.environ.get("BENCH_WEBHOOK_EVENTS", 10_000))
CONCURRENCY = int(os.environ.get("BENCH_WEBHOOK_CONCURRENCY", 8))
BUDGET_TWO_WORKERS = 500


# --- the receiver -------------------------------------------------------------------------


async def _serve_one(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await reader.readexactly(length)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def receiver_main(port):
    async def main():
        server = await asyncio.start_server(_serve_one, "127.0.0.1", port, backlog=512)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the runs -----------------------------------------------------------------------------


def queue(conn, webhook_id, tenant_id, count):
    snapshot = {
        "id": 1,
        "tenant_id": tenant_id,
        "number": "1000",
        "name": "Reception desk",
        "password": "********",
        "caller_id_name": "Acme Reception",
        "caller_id_number": "+390212345678",
        "email": "reception@acme.example",
        "enabled": True,
        "voicemail_enabled": True,
        "call_waiting": True,
        "dnd": False,
        "language": "en",
        "created_at": "2026-11-27T10:00:00Z",
        "updated_at": "2026-11-27T10:00:00Z",
        "description": "x" * 400,
    }
    conn.execute("DELETE FROM webhooks_attempt")
    conn.execute("DELETE FROM webhooks_delivery")
    conn.execute(
        "INSERT INTO webhooks_delivery (webhook_id, tenant_id, event, event_id, payload) "
        "SELECT %s, %s, 'extension.created', md5(n::text), "
        "jsonb_build_object('id', md5(n::text), 'event', 'extension.created', 'time', now(), "
        "'tenant', 'BENCH', 'object', jsonb_build_object('type', 'extension', 'id', n), 'data', %s::jsonb) "
        "FROM generate_series(1, %s) AS n",
        [webhook_id, tenant_id, json.dumps(snapshot), count],
    )
    conn.commit()


def run_workers(env, workers):
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "run_webhooks", "--once", "--concurrency", str(CONCURRENCY)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    outputs = [p.communicate(timeout=900) for p in processes]
    wall = time.perf_counter() - started
    for process, (_out, err) in zip(processes, outputs, strict=True):
        if process.returncode:
            seed.log(f"worker failed: {err[-2000:]}")
    return wall, [out.strip() for out, _ in outputs]


def measure(conn, env, webhook_id, tenant_id, workers):
    queue(conn, webhook_id, tenant_id, EVENTS)
    wall, outputs = run_workers(env, workers)
    delivered, first, last, duplicates = conn.execute(
        "SELECT (SELECT count(*) FROM webhooks_delivery WHERE status = 'delivered'), "
        "(SELECT min(time) FROM webhooks_attempt), (SELECT max(delivered_at) FROM webhooks_delivery), "
        "(SELECT count(*) - count(DISTINCT delivery_id) FROM webhooks_attempt)"
    ).fetchone()
    sending = (last - first).total_seconds() if first and last else None
    return {
        "workers": workers,
        "concurrency_per_worker": CONCURRENCY,
        "queued": EVENTS,
        "delivered": delivered,
        "sent_twice": duplicates,
        "wall_seconds": round(wall, 2),
        "events_per_second_wall": round(delivered / wall, 1),
        "events_per_second_sending": round(delivered / sending, 1) if sending else None,
        "worker_output": outputs,
    }


def calls_completed_cost(env, tenant_id, count=10_000):
    """Seconds for outbox.calls_completed over `count` stored CDRs and one global webhook,
    and for the no-webhook path."""
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection, transaction

    from webhooks import outbox

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cdrs_callrecord (tenant_id, call_id, direction, caller_name, caller_number, "
            "destination_number, start, duration, billsec, disposition, hangup_cause, account_code, "
            'recording, created_at, updated_at, "end") '
            "SELECT %s, 'bench-' || n, 'inbound', '', '+39021234' || n, '1000', now(), 60, 55, "
            "'ANSWERED', 'NORMAL_CLEARING', '', '', now(), now(), now() FROM generate_series(1, %s) n "
            "RETURNING id",
            [tenant_id, count],
        )
        ids = [row[0] for row in cursor.fetchall()]
    with transaction.atomic():
        started = time.perf_counter()
        queued = outbox.calls_completed(ids)
        with_hook = time.perf_counter() - started
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE webhooks_webhook SET enabled = false")
    started = time.perf_counter()
    outbox.calls_completed(ids)
    without = time.perf_counter() - started
    return {
        "cdrs": count,
        "deliveries_queued": queued,
        "seconds_with_a_webhook": round(with_hook, 4),
        "rows_per_second_with_a_webhook": round(count / with_hook),
        "seconds_without_a_wanting_webhook": round(without, 5),
    }


def main():
    env = {**os.environ, "DATABASE_URL": DATABASE_URL, "PBX_WEBHOOKS_ALLOW_PRIVATE": "true",
           "PBX_LOG_LEVEL": "ERROR", "DJANGO_SETTINGS_MODULE": "pbx.settings"}  # fmt: skip
    seed.log(f"webhooks bench: {EVENTS} events in {DATABASE_URL.rsplit('/', 1)[-1]}")
    seed.recreate_database(DATABASE_URL)
    seed.migrate(env)
    port = free_port()
    receiver = subprocess.Popen([sys.executable, __file__, "--receiver", str(port)])
    try:
        time.sleep(0.5)
        with psycopg.connect(DATABASE_URL) as conn:
            tenant_id = conn.execute(
                "INSERT INTO tenants_tenant (code, name, sip_domain, enabled, payment_type, uuid, created_at, updated_at) "
                "VALUES ('BENCH', 'Bench', 'bench.pbx.test', true, '', gen_random_uuid(), now(), now()) RETURNING id"
            ).fetchone()[0]
            webhook_id = conn.execute(
                "INSERT INTO webhooks_webhook (tenant_id, url, events, secret, enabled, description, "
                "dead_in_a_row, disabled_reason, created_at, updated_at) VALUES "
                "(%s, %s, '[\"*\"]', 'whsec_bench_secret_0123456789', true, 'bench', 0, '', now(), now()) "
                "RETURNING id",
                [tenant_id, f"http://127.0.0.1:{port}/hook"],
            ).fetchone()[0]
            conn.commit()
            one = measure(conn, env, webhook_id, tenant_id, 1)
            seed.log(f"1 worker: {one['events_per_second_wall']} events/s")
            two = measure(conn, env, webhook_id, tenant_id, 2)
            seed.log(f"2 workers: {two['events_per_second_wall']} events/s")
            conn.execute("DELETE FROM webhooks_attempt")
            conn.execute("DELETE FROM webhooks_delivery")
            conn.commit()
        cdr_hook = calls_completed_cost(env, tenant_id)
    finally:
        receiver.terminate()
        receiver.wait()
    rate = two["events_per_second_wall"]
    print(
        json.dumps(
            {
                "webhooks": {
                    "one_worker": one,
                    "two_workers": two,
                    "budget_two_workers_events_per_second": BUDGET_TWO_WORKERS,
                    "budget_met": rate >= BUDGET_TWO_WORKERS,
                    "calls_completed": cdr_hook,
                }
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--receiver":
        receiver_main(int(sys.argv[2]))
    else:
        main()
