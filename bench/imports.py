"""make bench (CSV import part): 10,000 extensions imported into one tenant through
`POST /api/extensions/import/`, each with a voicemail box in its busy and no-answer slots,
tags and a password; prints JSON (the budgets of docs/benchmarks.md alongside; a missed
budget is reported, never fatal).

- the dry run, then the write, over HTTP to one gunicorn worker: rows/s of each, and the
  worker's peak memory over its idle size (the kernel's high-water mark, `VmHWM`, reset
  before each run, beside `VmRSS` sampled every 0.1 s);
- queries per row, counted in-process for 10, 100 and 1,000 rows (dry run and write):
  the same per row whatever the file's size, or a query hides in a loop;
- a profile of the write of 2,000 rows in-process (cProfile): the functions that take
  the time, with their share.

DATABASE_URL names the server; the database is always `pbx_bench_csv` on it.
BENCH_IMPORT_ROWS (default 10,000) and BENCH_PROFILE_ROWS (2,000) change the run.
"""

import contextlib
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import seed  # noqa: E402
from run import gunicorn, refuse_unless_bench_database  # noqa: E402

DATABASE_URL = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/pbx_bench_csv"
if os.environ.get("DATABASE_URL"):  # never the database the project itself uses
    DATABASE_URL = DATABASE_URL.rsplit("/", 1)[0] + "/pbx_bench_csv"
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", 10_000))
PROFILE_ROWS = int(os.environ.get("BENCH_PROFILE_ROWS", 2_000))
BUDGETS = {"write_rows_per_s": 2000, "dry_run_rows_per_s": 5000, "memory_over_idle_mb": 200}
HEADER = [
    "number", "name", "tech", "password", "caller_id_name", "caller_id_number", "mailbox", "codecs",
    "description", "tags", "destinations.EXT-BUSY", "destinations.EXT-NOANSWER",
]  # fmt: skip


def status_kb(pid, field):
    """A `/proc/<pid>/status` figure in kB (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def extensions_csv(first_number, count, boxes):
    """A spreadsheet of `count` PJSIP extensions numbered from `first_number`, each one's
    busy and no-answer slots pointing at a voicemail box of the tenant (`boxes`: ids)."""
    out = io.StringIO()
    out.write(",".join(HEADER) + "\r\n")
    for n in range(count):
        number = first_number + n
        box = boxes[n % len(boxes)]
        out.write(
            f"{number},Extension {number},PJSIP,Bench-secret-{number:08d},Desk {number},{number},"
            f"{number},opus;alaw,Imported by the bench,bench;floor-{n % 10},"
            f"VOICEMAIL-{box},VOICEMAIL-{box};HANGUP\r\n"
        )
    return out.getvalue().encode()


def seed_tenant(url, boxes):
    """One tenant (T0001) with `boxes` voicemail boxes (mailboxes 1..boxes) by COPY; their ids."""
    import psycopg

    seed.seed(url, 1, 0)
    with psycopg.connect(url) as conn:
        tenant_id = conn.execute("SELECT id FROM tenants_tenant WHERE code = 'T0001'").fetchone()[0]
        seed.log(f"seeding {boxes} voicemail boxes")
        seed.copy_rows(
            conn,
            "extensions_voicemail",
            ["tenant_id", "mailbox", "name", "pin", "email", "attach_audio", "delete_after_email", "enabled",
             "created_at", "updated_at"],
            ((tenant_id, str(n), f"Box {n}", "", "", True, False, True, "now()", "now()")
             for n in range(1, boxes + 1)),
        )  # fmt: skip
        conn.execute("ANALYZE")
        conn.commit()
        return [row[0] for row in conn.execute("SELECT id FROM extensions_voicemail ORDER BY id")]


def tenant_key():
    """A tenant administrator's key for T0001: an import as a tenant's admin makes it."""
    from django.contrib.auth.models import Group, User

    from apikeys.models import ApiKey
    from tenants.models import Membership, Tenant

    tenant = Tenant.objects.get(code="T0001")
    minor = User.objects.create_user("bench-import-admin")
    minor.groups.add(Group.objects.get(name="minor_admin_api"))
    Membership.objects.create(user=minor, tenant=tenant)
    return ApiKey.issue(owner=minor, tenant=tenant, name="bench import")[1]


def post_csv(base, key, body, dry_run):
    """(seconds, status, report) of one import over HTTP."""
    query = "?dry_run=true" if dry_run else ""
    req = urllib.request.Request(
        f"{base}/api/extensions/import/{query}",
        data=body,
        method="POST",
        headers={"X-API-Key": key, "Content-Type": "text/csv"},
    )
    began = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=3600) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    return time.perf_counter() - began, status, json.loads(text)


def worker_of(base):
    """The pid of the one gunicorn worker serving `base`."""
    master = int(
        subprocess.run(
            ["pgrep", "-o", "-f", f"gunicorn pbx.wsgi -b {base[7:]}"], capture_output=True, text=True
        ).stdout.split()[0]
    )
    for child in Path("/proc").glob("[0-9]*"):
        try:
            if f"PPid:\t{master}\n" in (child / "status").read_text():
                return int(child.name)
        except OSError:
            continue
    raise SystemExit(f"bench: no gunicorn worker under pid {master}")


def measured_run(base, key, body, dry_run, pid):
    """One import over HTTP with the worker's memory watched: its figures."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS, so this run's peak shows
    idle = status_kb(pid, "VmRSS")
    peak = [idle]
    done = threading.Event()

    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], status_kb(pid, "VmRSS"))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    seconds, status, report = post_csv(base, key, body, dry_run)
    done.set()
    watcher.join()
    rows = report.get("rows", 0)
    return {
        "status": status,
        "rows": rows,
        "created": report.get("created"),
        "refused": report.get("refused"),
        "first_errors": report.get("errors", [])[:3],
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds) if rows else 0,
        "worker_idle_mb": round(idle / 1024, 1),
        "peak_over_idle_mb": round((peak[0] - idle) / 1024, 1),
        "high_water_over_idle_mb": round((status_kb(pid, "VmHWM") - idle) / 1024, 1),
    }


def in_process(key, boxes):
    """Queries per row for files of 10, 100 and 1,000 rows (dry run and write), the CPU
    time of a row, and the profile of a 2,000-row write; every write rolled back."""
    from django.test import Client

    client = Client(HTTP_X_API_KEY=key)
    client.get("/api/")  # the key's last use is written once a minute: not in a count

    def post(body, dry_run):
        query = "?dry_run=true" if dry_run else ""
        response = client.post(f"/api/extensions/import/{query}", body, content_type="text/csv")
        report = response.json()
        assert response.status_code in (200, 201), f"bench: import answered {response.status_code}: {report}"
        assert report["refused"] == 0, report["errors"][:3]
        return report

    counts, cpu_time = {}, {}
    sizes = (10, 100, 1000)
    for dry_run in (True, False):
        kind = "dry_run" if dry_run else "write"
        counts[kind] = {}
        for rows in sizes:
            body = extensions_csv(500_000, rows, boxes)
            with counted() as statements:
                wall, cpu = time.perf_counter(), time.process_time()
                post(body, dry_run)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            counts[kind][rows] = len(statements)
        # This process's CPU time beside the wall time of the largest file: the Python
        # a row costs, whatever else the machine (and PostgreSQL) is busy with.
        cpu_time[kind] = {
            "rows_per_s_in_process": round(rows / wall),
            "wall_ms_per_row": round(wall * 1000 / rows, 2),
            "python_cpu_ms_per_row": round(cpu * 1000 / rows, 2),
            "python_cpu_share": round(cpu / wall, 3),
        }
    queries = {}
    for kind, by_size in counts.items():
        # Constant per row: the queries grow by the same amount per row from 10 to 100
        # rows as from 100 to 1,000, so none hides in a loop over the rows seen so far.
        small = (by_size[100] - by_size[10]) / 90
        large = (by_size[1000] - by_size[100]) / 900
        queries[kind] = {
            "queries_at": {str(rows): by_size[rows] for rows in sizes},
            "per_row": round(large, 2),
            "per_row_10_to_100": round(small, 2),
            "per_file": round(by_size[100] - 100 * large, 1),
            "constant_per_row": abs(small - large) < 0.01,
            **cpu_time[kind],
        }
    queries["one_row_writes"] = one_row_queries(client, boxes)

    seed.log(f"profile: the write of {PROFILE_ROWS} rows in-process")
    body = extensions_csv(600_000, PROFILE_ROWS, boxes)
    profiler = cProfile.Profile()
    with counted():
        began = time.perf_counter()
        profiler.enable()
        post(body, dry_run=False)
        profiler.disable()
        seconds = time.perf_counter() - began
    return queries, profile_summary(profiler, seconds)


class _Rollback(Exception):
    pass


@contextlib.contextmanager
def counted():
    """The SQL statements run inside (a list filled as they run), all rolled back after.

    Counted by an execute wrapper rather than CaptureQueriesContext, whose log keeps the
    last 9,000 statements only: a 1,000-row import runs more."""
    from django.db import connection, transaction

    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    try:
        with transaction.atomic(), connection.execute_wrapper(record):
            yield statements
            raise _Rollback
    except _Rollback:
        pass


def one_row_queries(client, boxes):
    """The SQL of a one-row file's write, shortened (rolled back): what a row costs."""
    with counted() as statements:
        client.post("/api/extensions/import/", extensions_csv(700_000, 1, boxes), content_type="text/csv")
    return [" ".join(sql.split())[:160] for sql in statements]


def profile_summary(profiler, seconds):
    """The top functions by own time and by cumulative time, with their share."""
    stats = pstats.Stats(profiler)
    total = sum(entry[2] for entry in stats.stats.values())  # own times add up to the whole

    def where(func):
        path, line, name = func
        path = path.replace(str(ROOT) + "/", "")
        if "site-packages/" in path:
            path = path.split("site-packages/", 1)[1]
        return f"{path}:{line}({name})"

    by_own = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:20]
    by_cumulative = sorted(stats.stats.items(), key=lambda item: item[1][3], reverse=True)[:45]
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "imports-profile.txt").write_text(text.getvalue())
    return {
        "rows": PROFILE_ROWS,
        "seconds": round(seconds, 2),
        "rows_per_s_under_profile": round(PROFILE_ROWS / seconds),
        "by_own_time": [
            {"function": where(f), "calls": s[1], "own_s": round(s[2], 3), "share": round(s[2] / total, 3)}
            for f, s in by_own
        ],
        "by_cumulative_time": [
            {"function": where(f), "calls": s[1], "cumulative_s": round(s[3], 3), "share": round(s[3] / total, 3)}
            for f, s in by_cumulative
        ],
    }  # fmt: skip


def floor_rows_per_s():
    """The floor, measured in the same run: the file's count of extensions written straight
    by the ORM's bulk_create (no validation, dial plan, destinations, tags or log), in a
    transaction rolled back. What the import's rows/s is compared with."""
    from django.db import transaction

    from extensions.models import Extension
    from tenants.models import Tenant

    tenant = Tenant.objects.get(code="T0001")
    rows = [
        Extension(tenant=tenant, number=str(500_000 + n), sip_username=str(500_000 + n), name=f"Floor {n}",
                  password=f"floor-secret-{n:06d}")
        for n in range(ROWS)
    ]  # fmt: skip
    with transaction.atomic():
        started = time.perf_counter()
        Extension.objects.bulk_create(rows, batch_size=1000)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return round(ROWS / elapsed)


def main():
    refuse_unless_bench_database(DATABASE_URL)
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_SETTINGS_MODULE": "pbx.settings",
        "PBX_THROTTLE_RATE": "off",
        "PBX_DEBUG": "false",
        "PBX_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "PBX_LOG_LEVEL": "ERROR",
    }
    seed.log(f"import bench: {ROWS} extensions into one tenant of pbx_bench_csv")
    seed.recreate_database(DATABASE_URL)
    seed.migrate(env)
    boxes = seed_tenant(DATABASE_URL, ROWS)
    os.environ.update(env)
    import django

    django.setup()
    key = tenant_key()
    body = extensions_csv(100_000, ROWS, boxes)
    results = {"rows": ROWS, "csv_bytes": len(body), "columns": HEADER}

    with gunicorn("pbx.wsgi", env, workers=1) as base:
        pid = worker_of(base)
        # The worker's first import loads the URL conf, the apps' API modules and the
        # serializers: start-up, not import, so a small dry run goes first.
        post_csv(base, key, extensions_csv(900_000, 20, boxes), dry_run=True)
        seed.log(f"dry run: {ROWS} rows over HTTP")
        dry = measured_run(base, key, body, True, pid)
        seed.log(f"write: {ROWS} rows over HTTP")
        write = measured_run(base, key, body, False, pid)
    from extensions.models import Extension

    results["http"] = {"dry_run": dry, "write": write, "extensions_after": Extension.objects.count()}
    seed.log("queries per row, in-process")
    queries, profile = in_process(key, boxes)
    results["queries"] = queries
    seed.log("floor: the same number of extensions by bulk_create")
    floor = floor_rows_per_s()
    results["floor"] = {
        "bulk_create_rows_per_s": floor,
        "write_over_floor": round(write["rows_per_s"] / floor, 4),
        "dry_run_over_floor": round(dry["rows_per_s"] / floor, 4),
    }
    memory = max(dry["high_water_over_idle_mb"], write["high_water_over_idle_mb"])
    results["budgets"] = {
        "write_rows_per_s": {"measured": write["rows_per_s"], "budget": ">= 2000",
                             "met": write["rows_per_s"] >= BUDGETS["write_rows_per_s"]},
        "dry_run_rows_per_s": {"measured": dry["rows_per_s"], "budget": ">= 5000",
                               "met": dry["rows_per_s"] >= BUDGETS["dry_run_rows_per_s"]},
        "memory_over_idle_mb": {"measured": memory, "budget": "< 200",
                                "met": memory < BUDGETS["memory_over_idle_mb"]},
        "queries_per_row": {"measured": {k: queries[k]["per_row"] for k in ("dry_run", "write")},
                            "budget": "constant",
                            "met": queries["dry_run"]["constant_per_row"] and queries["write"]["constant_per_row"]},
    }  # fmt: skip
    results["profile"] = profile
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "imports.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
