"""make bench (partitions part): call records partitioned by month at scale on PostgreSQL;
prints JSON, the budgets of docs/scaling.md alongside (a missed budget is reported,
never fatal).

Seeds with COPY first 1,000,000 call records across the tenants over the 24 months
before the current one (they land in the default partition, and `partition_cdrs` moves
them into their months: timed), measures one tenant's day page, then COPYs the rest up
to the full size (20,000,000 across 1,000 tenants) and measures, over HTTP through
gunicorn:

- the same tenant's day page again (budget: within 20% of its time at 1,000,000);
- a deep cursor page (40 pages back) of that tenant: p50;
- one tenant's month of statistics: p50;
- the CSV export of one month of every tenant: rows/s (budget >= 150,000 rows/s);
  floor: psql's \\copy of the same rows;
- `manage.py purge_cdrs` of the oldest month: wall time (budget < 5 s).

DATABASE_URL names the server (the database is always pbx_bench_partitions, dropped
and recreated); BENCH_PARTITION_CDRS and BENCH_PARTITION_TENANTS set the full size, or
`--scale 0.01` (or BENCH_PARTITION_SCALE) multiplies both sizes.
"""

import argparse
import datetime as dt
import io
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import seed  # noqa: E402
from run import gunicorn, refuse_unless_bench_database  # noqa: E402

DATABASE_URL = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/pbx_bench_partitions"
DATABASE_URL = DATABASE_URL.rsplit("/", 1)[0] + "/pbx_bench_partitions"  # never the service's own
FULL = int(os.environ.get("BENCH_PARTITION_CDRS", 20_000_000))
TENANTS = int(os.environ.get("BENCH_PARTITION_TENANTS", 1_000))
BASELINE = 1_000_000
MONTHS = 24
BUSY_DAY_CALLS = 100  # the measured tenant's calls on the measured day, so its page is full
COLUMNS = ["tenant_id", "call_id", "direction", "caller_name", "caller_number", "destination_number",
           "start", "answer", "\"end\"", "duration", "billsec", "disposition", "hangup_cause",
           "account_code", "recording", "created_at", "updated_at"]  # fmt: skip


def month_back(month, count):
    index = month.year * 12 + month.month - 1 - count
    return dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=dt.UTC)


CURRENT = dt.datetime.now(dt.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
FIRST = month_back(CURRENT, MONTHS)
SPAN = int((CURRENT - FIRST).total_seconds())
DAY = month_back(CURRENT, 1).replace(day=10)  # the measured day, in last month


def call_rows(first, last, tenant_ids):
    """Calls number first..last-1, spread over the tenants and the 24 months, a third
    unanswered. Number n's time is a fixed scramble of n (Knuth's multiplicative hash),
    so both phases spread alike over the months."""
    for n in range(first, last):
        start = FIRST + dt.timedelta(seconds=(n * 2654435761) % SPAN)
        answered = n % 3 != 0
        billsec = (n % 600) if answered else 0
        yield (
            tenant_ids[n % len(tenant_ids)], f"bench-{n}", "inbound", "", f"+3902{n % 10_000_000:07d}",
            f"{1000 + n % 50}", start, start + dt.timedelta(seconds=5) if answered else None,
            start + dt.timedelta(seconds=5 + billsec), 5 + billsec, billsec,
            "ANSWERED" if answered else "NO ANSWER", "NORMAL_CLEARING", "", "", start, start,
        )  # fmt: skip


def busy_day_rows(tenant_id):
    for n in range(BUSY_DAY_CALLS):
        start = DAY + dt.timedelta(minutes=7 * n)
        yield (tenant_id, f"busy-{n}", "inbound", "", f"+390299{n:05d}", "1000", start,
               start + dt.timedelta(seconds=5), start + dt.timedelta(seconds=65), 65, 60,
               "ANSWERED", "NORMAL_CLEARING", "", "", start, start)  # fmt: skip


def seed_calls(first, last, tenant_ids, extra=()):
    seed.log(f"seeding call records {first:,} to {last:,} with COPY")
    began = time.perf_counter()
    with psycopg.connect(DATABASE_URL) as conn:
        seed.copy_rows(conn, "cdrs_callrecord", COLUMNS, call_rows(first, last, tenant_ids))
        if extra:
            seed.copy_rows(conn, "cdrs_callrecord", COLUMNS, extra)
        conn.commit()
    seconds = time.perf_counter() - began
    analyze()
    return round((last - first) / seconds)


def analyze():
    # Autovacuum analyzes the partitions, never the parent that the planner reads too.
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE cdrs_callrecord")
        quiet_autovacuum(conn)


def quiet_autovacuum(conn, patience=900):
    """Wait (up to `patience` seconds) until no autovacuum worker runs: after millions of
    rows COPYed, autovacuum visits every month's partition for minutes, and on two cores
    the pages measured meanwhile time autovacuum, not pbx."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        busy = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
        ).fetchone()[0]
        if not busy:
            return
        time.sleep(2)
    seed.log(f"autovacuum still busy after {patience} s: the figures below share the machine with it")


def get(url, key):
    req = urllib.request.Request(url, headers={"X-API-Key": key})
    with urllib.request.urlopen(req, timeout=3600) as response:
        return response.read()


def p50(url, key, times=30):
    get(url, key)  # warm: the worker's first request and the pages' first read
    seconds = []
    for _ in range(times):
        began = time.perf_counter()
        get(url, key)
        seconds.append(time.perf_counter() - began)
    return round(statistics.median(seconds) * 1000, 1)


def manage(env, *args):
    """Run a manage.py command; (its wall seconds, its standard output)."""
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return round(time.perf_counter() - began, 2), done.stdout.strip()


def day_page(base, code):
    end = DAY + dt.timedelta(days=1)
    return f"{base}/api/cdrs/?tenant={code}&start__gte={DAY:%Y-%m-%dT%H:%M:%SZ}&start__lt={end:%Y-%m-%dT%H:%M:%SZ}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_PARTITION_SCALE", 1)))
    scale = parser.parse_args().scale
    full = max(int(FULL * scale), 100)
    baseline = min(max(int(BASELINE * scale), 50), full)
    tenants = max(int(TENANTS * scale), 2)
    refuse_unless_bench_database(DATABASE_URL)
    env = {**os.environ, "DATABASE_URL": DATABASE_URL, "PBX_THROTTLE_RATE": "off", "PBX_DEBUG": "false",
           "DJANGO_SETTINGS_MODULE": "pbx.settings", "PBX_LOG_LEVEL": "ERROR"}  # fmt: skip
    seed.log(f"partitions bench: {full:,} call records across {tenants:,} tenants over {MONTHS} months")
    seed.recreate_database(DATABASE_URL)
    seed.migrate(env)
    seed.seed(DATABASE_URL, tenants, 1)
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth.models import Group, User

    from apikeys.models import ApiKey
    from tenants.models import Tenant

    tenant_ids = list(Tenant.objects.order_by("id").values_list("id", flat=True))
    tenant = Tenant.objects.order_by("id").first()
    admin = User.objects.create_user("bench-partitions-admin")
    admin.groups.add(Group.objects.get(name="admin_api"))
    key = ApiKey.issue(owner=admin, name="bench partitions")[1]
    results = {"records": full, "tenants": tenants, "months": MONTHS, "baseline_records": baseline}

    # Phase 1: the baseline, all in the default partition until partition_cdrs moves it.
    results["seed_copy_rows_per_s"] = seed_calls(0, baseline, tenant_ids, busy_day_rows(tenant.pk))
    seconds, said = manage(env, "partition_cdrs", "--months-ahead", "3")
    results["partition_cdrs"] = {"seconds": seconds, "output": said}
    analyze()
    with gunicorn("pbx.wsgi", env) as base:
        seed.log(f"day page at {baseline:,} records")
        day_at_baseline = p50(day_page(base, tenant.code), key)

    # Phase 2: the rest, straight into the months' partitions.
    results["seed_copy_rows_per_s_into_partitions"] = seed_calls(baseline, full, tenant_ids)
    with gunicorn("pbx.wsgi", env) as base:
        seed.log(f"day page, deep cursor page and a month's statistics at {full:,} records")
        day_at_full = p50(day_page(base, tenant.code), key)
        url = f"{base}/api/cdrs/?tenant={tenant.code}&page_size=25"
        for _ in range(40):  # 40 pages back from the newest
            url = json.loads(get(url, key))["next"] or url
        month = month_back(CURRENT, 2)
        month_range = (
            f"start__gte={month:%Y-%m-%dT%H:%M:%SZ}&start__lt={month_back(CURRENT, 1):%Y-%m-%dT%H:%M:%SZ}"
        )
        results["list"] = {
            "day_page_p50_ms_at_baseline": day_at_baseline,
            "day_page_p50_ms": day_at_full,
            "ratio": round(day_at_full / day_at_baseline, 3),
            "deep_cursor_page_p50_ms": p50(url, key),
            "budget": "day page within 20% of its time at the baseline (ratio <= 1.2)",
            "met": day_at_full <= 1.2 * day_at_baseline,
        }
        results["stats"] = {
            "month_p50_ms": p50(f"{base}/api/cdrs/stats/?tenant={tenant.code}&{month_range}", key, times=10),
        }

        seed.log("export: one month of every tenant as CSV over HTTP, then psql's \\copy of it")
        get(f"{base}/api/cdrs/?format=csv&page_size=1", key)
        began = time.perf_counter()
        lines = get(f"{base}/api/cdrs/?format=csv&nojson&{month_range}", key).count(b"\n")
        export_seconds = time.perf_counter() - began
        rows = lines - 1
        where = f"start >= '{month.isoformat()}' AND start < '{month_back(CURRENT, 1).isoformat()}'"
        began = time.perf_counter()
        subprocess.run(
            ["psql", DATABASE_URL, "-q", "-c",
             f"\\copy (SELECT * FROM cdrs_callrecord WHERE {where} ORDER BY start DESC, id DESC) to /dev/null csv"],
            check=True,
        )  # fmt: skip
        floor_seconds = time.perf_counter() - began
        results["export"] = {
            "rows": rows,
            "api_rows_per_s": round(rows / export_seconds),
            "psql_floor_rows_per_s": round(rows / floor_seconds),
            "budget": ">= 150000 rows/s",
            "met": rows / export_seconds >= 150_000,
        }

    # The oldest month: a cutoff a minute into the second month, so the purge drops the
    # first month whole and deletes the second's first minute in a batch.
    cutoff = month_back(CURRENT, MONTHS - 1) + dt.timedelta(minutes=1)
    age = int((dt.datetime.now(dt.UTC) - cutoff).total_seconds() // 60)
    seed.log(f"purge_cdrs --older-than {age}m: the oldest month")
    from django.core.management import call_command

    out = io.StringIO()
    began = time.perf_counter()
    call_command("purge_cdrs", "--older-than", f"{age}m", stdout=out, stderr=io.StringIO())
    seconds = round(time.perf_counter() - began, 2)
    startup, _ = manage(env, "help", "purge_cdrs")
    results["purge_oldest_month"] = {
        "seconds": seconds,
        "manage_py_start_seconds": startup,  # what running it as its own process adds
        "output": out.getvalue().strip(),
        "budget": "< 5 s",
        "met": seconds < 5,
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
