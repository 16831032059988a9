"""make bench (CDR part): 1,000,000 call records across 100 tenants on PostgreSQL, with
the floor of each figure measured in the same run; prints JSON (the budgets of
docs/benchmarks.md alongside; a missed budget is reported, never fatal).

- ingest through POST /api/cdrs/ in arrays of 1,000: rows/s; floor: COPY of the same
  rows with psycopg;
- CSV export of every row over HTTP: rows/s and the serving process's peak memory over
  idle; floor: psql's \\copy of the same table;
- GET /api/cdrs/?tenant=X&start__gte=<a day>: p50 of the first page and of a deep
  cursor page;
- GET /api/cdrs/stats/ over one tenant's month: p50.

DATABASE_URL names the database to (re)create (default .../pbx_bench_cdrs);
BENCH_CDRS (default 1,000,000), BENCH_CDR_TENANTS (100) and BENCH_INGEST_ROWS (50,000)
shrink or grow it.
"""

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import seed  # noqa: E402
from run import gunicorn  # noqa: E402

DATABASE_URL = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/pbx_bench_cdrs"
if os.environ.get("DATABASE_URL"):  # never the database the project itself uses
    DATABASE_URL = DATABASE_URL.rsplit("/", 1)[0] + "/pbx_bench_cdrs"
CDRS = int(os.environ.get("BENCH_CDRS", 1_000_000))
TENANTS = int(os.environ.get("BENCH_CDR_TENANTS", 100))
INGEST_ROWS = int(os.environ.get("BENCH_INGEST_ROWS", 50_000))
MONTH_START = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
COLUMNS = ["tenant_id", "call_id", "direction", "caller_name", "caller_number", "destination_number",
           "start", "answer", "\"end\"", "duration", "billsec", "disposition", "hangup_cause",
           "account_code", "recording", "created_at", "updated_at"]  # fmt: skip


def call_rows(count, tenant_ids, offset=0):
    """Rows spread over the tenants and over October 2026, a third unanswered."""
    span = 31 * 24 * 3600
    for n in range(offset, offset + count):
        start = MONTH_START + dt.timedelta(seconds=(n * 7919) % span)
        answered = n % 3 != 0
        billsec = (n % 600) if answered else 0
        yield (
            tenant_ids[n % len(tenant_ids)], f"bench-{n}", "inbound", "", f"+3902{n % 10_000_000:07d}",
            f"{1000 + n % 50}", start, start + dt.timedelta(seconds=5) if answered else None,
            start + dt.timedelta(seconds=5 + billsec), 5 + billsec, billsec,
            "ANSWERED" if answered else "NO ANSWER", "NORMAL_CLEARING", "", "", start, start,
        )  # fmt: skip


def as_json(row):
    values = dict(zip([column.strip('"') for column in COLUMNS], row, strict=True))
    return {
        "call_id": values["call_id"], "caller_number": values["caller_number"],
        "destination_number": values["destination_number"], "start": values["start"].isoformat(),
        "answer": values["answer"].isoformat() if values["answer"] else None, "end": values["end"].isoformat(),
        "duration": values["duration"], "billsec": values["billsec"], "disposition": values["disposition"],
        "hangup_cause": values["hangup_cause"],
    }  # fmt: skip


def request(method, url, key, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url, data=data, method=method, headers={"X-API-Key": key, "Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=600) as response:
        return response.read()


def p50(url, key, times=30):
    seconds = []
    for _ in range(times):
        began = time.perf_counter()
        request("GET", url, key)
        seconds.append(time.perf_counter() - began)
    return round(statistics.median(seconds) * 1000, 1)


def post_all(url, key, bodies, clients):
    """POST the JSON bodies from `clients` threads at once; the seconds it took."""

    def post(share):
        for body in share:
            req = urllib.request.Request(
                url, data=body, method="POST", headers={"X-API-Key": key, "Content-Type": "application/json"}
            )
            with urllib.request.urlopen(req, timeout=600) as response:
                response.read()

    threads = [threading.Thread(target=post, args=(bodies[n::clients],)) for n in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def status_kb(pid, field):
    """A `/proc/<pid>/status` figure in kB (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_of_children(pid):
    """{worker pid: resident bytes} of the gunicorn workers under the master `pid`."""
    sizes = {}
    for child in Path("/proc").glob("[0-9]*"):
        try:
            status = (child / "status").read_text()
        except OSError:
            continue
        if f"PPid:\t{pid}\n" in status:
            sizes[int(child.name)] = status_kb(child.name, "VmRSS") * 1024
    return sizes


def main():
    env = {**os.environ, "DATABASE_URL": DATABASE_URL, "PBX_THROTTLE_RATE": "off", "PBX_DEBUG": "false",
           "DJANGO_SETTINGS_MODULE": "pbx.settings",
           "PBX_LOG_LEVEL": "ERROR"}  # fmt: skip
    seed.log(f"cdrs bench: {CDRS} records across {TENANTS} tenants in {urlsplit(DATABASE_URL).path[1:]}")
    seed.recreate_database(DATABASE_URL)
    seed.migrate(env)
    seed.seed(DATABASE_URL, TENANTS, 10)
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth.models import Group, User

    from apikeys.models import ApiKey
    from cdrs.models import CallRecord
    from tenants.models import Tenant

    tenant_ids = list(Tenant.objects.order_by("id").values_list("id", flat=True))
    admin = User.objects.create_user("bench-cdr-admin")
    admin.groups.add(Group.objects.get(name="admin_api"))
    key = ApiKey.issue(owner=admin, name="bench cdrs")[1]
    first = Tenant.objects.order_by("id").first()

    results = {"records": CDRS, "tenants": TENANTS}
    with psycopg.connect(DATABASE_URL) as conn:
        seed.log("seeding call records with COPY")
        began = time.perf_counter()
        seed.copy_rows(conn, "cdrs_callrecord", COLUMNS, call_rows(CDRS, tenant_ids))
        conn.commit()
        results["seed_copy_rows_per_s"] = round(CDRS / (time.perf_counter() - began))
    # The seeded month is in the past: its calls wait in the default partition until
    # partition_cdrs gives them their month, as the daily cron does in production.
    subprocess.run(
        [sys.executable, "manage.py", "partition_cdrs"], cwd=ROOT, env=env, check=True, stdout=sys.stderr
    )  # stdout is the JSON
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE cdrs_callrecord")  # the parent too: autovacuum skips it

    with gunicorn("pbx.wsgi", env) as base:
        # Ingest: arrays of 1,000 to the API from one client, then from two at once (as
        # two switches would post), against a COPY of the same rows.
        seed.log(f"ingest: {INGEST_ROWS} records through POST /api/cdrs/, from 1 client then 2")
        ingest = {}
        # Warm both workers first: a worker's first request imports the URL conf and the
        # apps' API modules, a cost of start-up, not of ingest.
        post_all(f"{base}/api/cdrs/?tenant={first.code}", key, [b"[]"] * 8, 2)
        for clients in (1, 2):
            offset = CDRS + 1 + clients * INGEST_ROWS
            rows = list(call_rows(INGEST_ROWS, [first.pk], offset=offset))
            bodies = [
                json.dumps([{**as_json(row), "tenant": first.code} for row in rows[i : i + 1000]]).encode()
                for i in range(0, len(rows), 1000)
            ]
            seconds = post_all(f"{base}/api/cdrs/", key, bodies, clients)
            ingest[f"api_rows_per_s_{clients}_client{'s' if clients > 1 else ''}"] = round(
                INGEST_ROWS / seconds
            )
        floor_rows = [(*row[:1], row[1] + "-floor", *row[2:]) for row in rows]
        with psycopg.connect(DATABASE_URL) as conn:
            began = time.perf_counter()
            seed.copy_rows(conn, "cdrs_callrecord", COLUMNS, floor_rows)
            conn.commit()
            floor_rate = INGEST_ROWS / (time.perf_counter() - began)
        results["ingest"] = {
            **ingest, "copy_floor_rows_per_s": round(floor_rate),
            "ratio_1_client": round(ingest["api_rows_per_s_1_client"] / floor_rate, 3),
            "ratio_2_clients": round(ingest["api_rows_per_s_2_clients"] / floor_rate, 3),
            "budget": ">= 30000 rows/s and >= 0.40 of the floor",
        }  # fmt: skip

    # A fresh server for the export, so that its memory is not the ingest's.
    with gunicorn("pbx.wsgi", env) as base:
        # Export: every row as CSV over HTTP, watching the workers' memory.
        seed.log("export: every record as CSV over HTTP")
        pid = int(
            subprocess.run(
                ["pgrep", "-o", "-f", f"gunicorn pbx.wsgi -b {base[7:]}"], capture_output=True, text=True
            ).stdout.split()[0]
        )
        for _ in range(4):  # each worker's first request loads what every request needs
            request("GET", f"{base}/api/cdrs/?page_size=1&format=csv", key)
        idle = rss_of_children(pid)
        assert idle, f"bench: no gunicorn workers found under pid {pid}"
        peak = dict(idle)
        done = threading.Event()

        def watch():
            # Each worker's own peak: whichever serves the export, its growth shows.
            while not done.is_set():
                for worker, size in rss_of_children(pid).items():
                    peak[worker] = max(peak.get(worker, 0), size)
                time.sleep(0.1)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        began = time.perf_counter()
        req = urllib.request.Request(f"{base}/api/cdrs/?format=csv&nojson", headers={"X-API-Key": key})
        lines = 0
        with urllib.request.urlopen(req, timeout=3600) as response:
            for chunk in iter(lambda: response.read(1 << 20), b""):
                lines += chunk.count(b"\n")
        export_seconds = time.perf_counter() - began
        done.set()
        watcher.join()
        # The kernel's own high-water mark of each worker, beside the 0.1 s samples.
        high_water = {worker: status_kb(worker, "VmHWM") * 1024 for worker in idle}
        exported = lines - 1
        began = time.perf_counter()
        subprocess.run(
            [
                "psql",
                DATABASE_URL,
                "-q",
                "-c",
                "\\copy (SELECT * FROM cdrs_callrecord ORDER BY start DESC, id DESC) to /dev/null csv",
            ],
            check=True,
        )
        psql_seconds = time.perf_counter() - began
        results["export"] = {
            "rows": exported, "api_rows_per_s": round(exported / export_seconds),
            "psql_floor_rows_per_s": round(exported / psql_seconds),
            "worker_idle_mb": round(max(idle.values()) / 2**20, 1),
            # In kB: the export's growth is tens of kB, which MB would round to nothing.
            "peak_memory_over_idle_kb": round(max(peak[w] - idle.get(w, 0) for w in peak) / 1024),
            "high_water_over_idle_kb": round(max(high_water[w] - idle[w] for w in idle) / 1024),
            "budget": ">= 100000 rows/s, peak memory < 150 MB over idle",
        }  # fmt: skip

        # Lists: a day's first page and a deep cursor page of one tenant.
        seed.log("list: first and deep cursor pages")
        day = f"{base}/api/cdrs/?tenant={first.code}&start__gte=2026-10-15T00:00:00Z&page_size=25"
        url = f"{base}/api/cdrs/?tenant={first.code}&page_size=25"
        for _ in range(40):  # 40 pages deep
            url = json.loads(request("GET", url, key))["next"]
        results["list"] = {"first_page_p50_ms": p50(day, key), "deep_page_p50_ms": p50(url, key),
                           "budget": "< 30 ms, the deep page no slower than the first"}  # fmt: skip

        seed.log("stats: one tenant's month")
        month = "start__gte=2026-10-01T00:00:00Z&start__lt=2026-11-01T00:00:00Z"
        second = Tenant.objects.order_by("id")[1]
        results["stats"] = {
            # A tenant as seeded (its share of the million), and the first tenant, which
            # the ingest step has grown to 16 times that.
            "month_p50_ms": p50(f"{base}/api/cdrs/stats/?tenant={second.code}&{month}", key, times=10),
            "month_calls": CallRecord.objects.filter(tenant=second, start__gte=MONTH_START).count(),
            "busy_month_p50_ms": p50(f"{base}/api/cdrs/stats/?tenant={first.code}&{month}", key, times=10),
            "busy_month_calls": CallRecord.objects.filter(tenant=first, start__gte=MONTH_START).count(),
            "budget": "< 300 ms",
        }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
