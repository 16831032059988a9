"""make bench: seed PostgreSQL at scale, serve with gunicorn, load with wrk, print JSON.

Figures (docs/benchmarks.md's budgets alongside; a missed budget is reported, never fatal):
- GET /api/extensions/?page_size=100 with a global and a tenant key, GET of one
  extension, POST of one extension: requests/s, p50 and p99 latency;
- the same list page from the bare WSGI floor (bench/floor.py) and the API/floor ratio;
- queries per list request at two page sizes, and the queries authentication costs;
- POST and PATCH with the change log on and off, and the ratio.

DATABASE_URL names the database to (re)create, default
postgres://postgres@127.0.0.1:5432/pbx_bench. BENCH_TENANTS, BENCH_EXTENSIONS and
BENCH_SECONDS shrink or grow the run.
"""

import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import load  # noqa: E402
import seed  # noqa: E402

DATABASE_URL = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/pbx_bench"
TENANTS = int(os.environ.get("BENCH_TENANTS", 200))
PER_TENANT = int(os.environ.get("BENCH_EXTENSIONS", 500))
SECONDS = int(os.environ.get("BENCH_SECONDS", 8))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(app, env, workers=2):
    port = free_port()
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            app,
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT),
        ],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + ("/health/" if app == "pbx.wsgi" else "/"), timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit(f"bench: {app} did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def django_setup(env):
    os.environ.update(env)
    import django

    django.setup()


def make_keys():
    """A platform admin's global key and a tenant admin's key for the first tenant."""
    from django.contrib.auth.models import Group, User

    from apikeys.models import ApiKey
    from tenants.models import Membership, Tenant

    tenant = Tenant.objects.order_by("id").first()
    admin = User.objects.create_user("bench-admin")
    admin.groups.add(Group.objects.get(name="admin_api"))
    minor = User.objects.create_user("bench-tenant-admin")
    minor.groups.add(Group.objects.get(name="minor_admin_api"))
    Membership.objects.create(user=minor, tenant=tenant)
    return (
        ApiKey.issue(owner=admin, name="bench global")[1],
        ApiKey.issue(owner=minor, tenant=tenant, name="bench tenant")[1],
        tenant,
    )


def count_queries(key):
    """(queries at page_size=10, at page_size=100, for authentication alone)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_X_API_KEY=key)
    client.get("/api/extensions/?page_size=10")  # warm up: last_used_at is written once a minute
    counts = []
    for url in ("/api/extensions/?page_size=10", "/api/extensions/?page_size=100", "/api/tenants/"):
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        counts.append(len(captured))
    return counts


def change_log_rounds(env, tenant_key, patch_ids, rounds=5):
    """POST and PATCH throughput with and without the change log, measured in alternating
    rounds against two servers that run side by side, so that a drift in the machine's
    speed falls on both (and on each first in turn); the ratios are the medians of the
    rounds' ratios. Three rounds proved too few on a shared 2-core machine: one slow
    round moved the median by 0.1."""
    seconds = max(3, SECONDS // 2)
    figures = {"post_with": [], "post_without": [], "patch_with": [], "patch_without": []}
    with (
        gunicorn("pbx.wsgi", env) as with_log,
        gunicorn("pbx.wsgi", {**env, "PBX_CHANGE_LOG": "false"}) as without,
    ):
        for round_number in range(rounds):
            seed.log(f"load: change log on/off, round {round_number + 1} of {rounds}")
            order = (("with", with_log), ("without", without))
            for label, base in order if round_number % 2 == 0 else reversed(order):
                run = f"{round_number + 1}{1 if label == 'with' else 2}"
                figures[f"post_{label}"].append(
                    load.run_wrk(
                        f"{base}/api/extensions/",
                        key=tenant_key,
                        seconds=seconds,
                        script="post.lua",
                        env={**env, "RUN": run},
                    )["rps"]
                )
                figures[f"patch_{label}"].append(
                    load.run_wrk(
                        base,
                        key=tenant_key,
                        seconds=seconds,
                        script="patch.lua",
                        env={**env, "IDS": patch_ids},
                    )["rps"]
                )
    ratios = {
        kind: sorted(
            w / wo for w, wo in zip(figures[f"{kind}_with"], figures[f"{kind}_without"], strict=True)
        )
        for kind in ("post", "patch")
    }
    return {
        "rounds_rps": figures,
        "post_ratio_median": round(ratios["post"][len(ratios["post"]) // 2], 3),
        "patch_ratio_median": round(ratios["patch"][len(ratios["patch"]) // 2], 3),
    }


def main():
    load.ensure_wrk()
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_SETTINGS_MODULE": "pbx.settings",
        "PBX_THROTTLE_RATE": "off",
        "PBX_DEBUG": "false",
        "PBX_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "PBX_LOG_LEVEL": "ERROR",
    }
    seed.log(f"recreating {DATABASE_URL.rsplit('/', 1)[-1]}")
    seed.recreate_database(DATABASE_URL)
    seed.migrate(env)
    started = time.monotonic()
    seed.seed(DATABASE_URL, TENANTS, PER_TENANT)
    seed_seconds = round(time.monotonic() - started, 1)
    django_setup(env)
    global_key, tenant_key, tenant = make_keys()
    from extensions.models import Extension

    patch_ids = ",".join(
        str(pk) for pk in Extension.objects.filter(tenant=tenant).values_list("pk", flat=True)[:200]
    )
    tenant_queries = count_queries(tenant_key)
    global_queries = count_queries(global_key)
    one_id = Extension.objects.filter(tenant=tenant).values_list("pk", flat=True).first()

    results = {}
    with gunicorn("pbx.wsgi", env) as base:
        list_url = base + "/api/extensions/?page_size=100"
        seed.log("load: list (global key), list (tenant key), one extension, POST")
        results["list_global_key"] = load.run_wrk(list_url, key=global_key, seconds=SECONDS)
        results["list_tenant_key"] = load.run_wrk(list_url, key=tenant_key, seconds=SECONDS)
        results["get_one"] = load.run_wrk(f"{base}/api/extensions/{one_id}/", key=tenant_key, seconds=SECONDS)
        results["post_one"] = load.run_wrk(
            f"{base}/api/extensions/",
            key=tenant_key,
            seconds=SECONDS,
            script="post.lua",
            env={**env, "RUN": "7"},
        )
        results["patch_one"] = load.run_wrk(
            base, key=tenant_key, seconds=SECONDS, script="patch.lua", env={**env, "IDS": patch_ids}
        )
    with gunicorn("floor:application", {**env, "PYTHONPATH": str(HERE)}) as base:
        seed.log("load: the floor")
        results["floor_list"] = load.run_wrk(base + "/", seconds=SECONDS)
    change_log = change_log_rounds(env, tenant_key, patch_ids)

    ratio = round(results["list_global_key"]["rps"] / results["floor_list"]["rps"], 3)
    post_cost, patch_cost = change_log["post_ratio_median"], change_log["patch_ratio_median"]
    report = {
        "environment": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "gunicorn_workers": 2,
            "wrk": f"2 threads, 8 connections, {SECONDS}s",
            "database": "PostgreSQL",
        },
        "dataset": {"tenants": TENANTS, "extensions": TENANTS * PER_TENANT, "seed_seconds": seed_seconds},
        "http": results,
        "list_vs_floor": {"ratio": ratio, "budget": 0.30, "met": ratio >= 0.30},
        "queries": {
            "list_page_10_tenant_key": tenant_queries[0],
            "list_page_100_tenant_key": tenant_queries[1],
            "list_page_10_global_key": global_queries[0],
            "list_page_100_global_key": global_queries[1],
            "authentication": tenant_queries[2],
            "budget_list": 4,
            "budget_authentication": 1,
            "met": max(tenant_queries[:2] + global_queries[:2]) <= 4
            and tenant_queries[0] == tenant_queries[1]
            and tenant_queries[2] <= 1,
        },
        "change_log_cost": {
            **change_log,
            "post_with_over_without": post_cost,
            "patch_with_over_without": patch_cost,
            "budget_min_ratio": 0.85,
            "met": min(post_cost, patch_cost) >= 0.85,
        },
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "latest.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
