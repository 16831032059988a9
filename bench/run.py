"""make bench: seed PostgreSQL at scale, serve with gunicorn, load with wrk, print JSON.

Figures (docs/benchmarks.md's budgets alongside; a missed budget is reported, never fatal):
- GET /api/extensions/?page_size=100 with a global and a tenant key, GET of one
  extension, POST of one extension: requests/s, p50 and p99 latency;
- the same list page and the same extension from the bare WSGI floor (bench/floor.py),
  and the API/floor ratios, measured in alternating rounds;
- queries per list request at two page sizes, and the queries authentication costs on
  an accepted request;
- POST and PATCH with the change log on and off, and the ratio.

DATABASE_URL names the database to drop and recreate, default
postgres://postgres@127.0.0.1:5432/pbx_bench; a name that does not begin with
"pbx_bench" is refused, so that a DATABASE_URL exported for the service itself is never
dropped. BENCH_TENANTS, BENCH_EXTENSIONS and BENCH_SECONDS shrink or grow the run.
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
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import load  # noqa: E402
import seed  # noqa: E402

DATABASE_URL = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/pbx_bench"
BENCH_DATABASE_PREFIX = "pbx_bench"
TENANTS = int(os.environ.get("BENCH_TENANTS", 200))
PER_TENANT = int(os.environ.get("BENCH_EXTENSIONS", 500))
SECONDS = int(os.environ.get("BENCH_SECONDS", 8))


def refuse_unless_bench_database(url):
    """The bench drops its database: only one named for benchmarks, never the service's."""
    name = urlsplit(url).path.lstrip("/")
    if not name.startswith(BENCH_DATABASE_PREFIX):
        raise SystemExit(
            f"bench: refusing to drop database {name!r}: DATABASE_URL must name a benchmark "
            f"database (one whose name begins with {BENCH_DATABASE_PREFIX!r}), or be unset "
            f"for {BENCH_DATABASE_PREFIX!r} on 127.0.0.1"
        )


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
    """(queries at page_size=10, at page_size=100, for authentication alone).

    Authentication is counted on an accepted request (a refused one stops early and
    would count less than a real caller pays): the key's authenticator runs on a list
    request inside the capture, and must accept the key."""
    from django.db import connection
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext
    from rest_framework.request import Request

    from apikeys.authentication import ApiKeyAuthentication

    client = Client(HTTP_X_API_KEY=key)
    client.get("/api/extensions/?page_size=10")  # warm up: last_used_at is written once a minute
    counts = []
    for url in ("/api/extensions/?page_size=10", "/api/extensions/?page_size=100"):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, f"bench: {url} answered {response.status_code}"
        counts.append(len(captured))
    request = Request(RequestFactory().get("/api/extensions/?page_size=10", HTTP_X_API_KEY=key))
    with CaptureQueriesContext(connection) as captured:
        accepted = ApiKeyAuthentication().authenticate(request)
    assert accepted is not None, "bench: the key was not accepted"
    counts.append(len(captured))
    return counts


def alternating_rounds(first, second, measures, rounds=5):
    """Throughput of two servers running side by side, measured in alternating rounds
    (each first in turn), so that a drift in the machine's speed falls on both; for each
    measure, the rounds' figures of both and the median of the rounds' first/second
    ratios. Three rounds proved too few on a shared 2-core machine: one slow round moved
    the median by 0.1. `measures` maps a name to measure(base, server) -> wrk's figures,
    where server is "first" or "second"; the errors (non-2xx answers, socket errors) of
    every round are counted in figures[name]["errors"]."""
    figures = {name: {"first": [], "second": [], "errors": 0} for name in measures}
    for round_number in range(rounds):
        seed.log(f"load: {', '.join(measures)}, round {round_number + 1} of {rounds}")
        order = (("first", first), ("second", second))
        for server, base in order if round_number % 2 == 0 else reversed(order):
            for name, measure in measures.items():
                run = measure(base, server)
                figures[name][server].append(run["rps"])
                figures[name]["errors"] += run["errors"]
    medians = {}
    for name, both in figures.items():
        ratios = sorted(a / b for a, b in zip(both["first"], both["second"], strict=True))
        medians[name] = round(ratios[len(ratios) // 2], 3)
    return figures, medians


def floor_rounds(env, global_key, tenant_key, one_id):
    """The list page (global key) and one extension (tenant key) from pbx and from the
    floor, in alternating rounds: the API/floor ratios."""
    seconds = max(3, SECONDS // 2)
    with (
        gunicorn("pbx.wsgi", env) as api,
        gunicorn("floor:application", {**env, "PYTHONPATH": str(HERE)}) as floor,
    ):

        def the_list(base, server):
            url = f"{base}/api/extensions/?page_size=100" if server == "first" else f"{base}/"
            return load.run_wrk(url, key=global_key, seconds=seconds)

        def one_extension(base, server):
            url = f"{base}/api/extensions/{one_id}/" if server == "first" else f"{base}/{one_id}/"
            return load.run_wrk(url, key=tenant_key, seconds=seconds)

        figures, medians = alternating_rounds(api, floor, {"list": the_list, "detail": one_extension})
    return {
        name: {
            "ratio": medians[name],
            "rounds_rps": {"api": figures[name]["first"], "floor": figures[name]["second"]},
            "errors": figures[name]["errors"],
        }
        for name in figures
    }


def change_log_rounds(env, tenant_key, patch_ids):
    """POST and PATCH throughput with and without the change log, in alternating rounds."""
    seconds = max(3, SECONDS // 2)
    with (
        gunicorn("pbx.wsgi", env) as with_log,
        gunicorn("pbx.wsgi", {**env, "PBX_CHANGE_LOG": "false"}) as without,
    ):
        runs = iter(range(10, 10**6))  # post.lua's numbers: a fresh range each run

        def post(base, server):
            return load.run_wrk(
                f"{base}/api/extensions/",
                key=tenant_key,
                seconds=seconds,
                script="post.lua",
                env={**env, "RUN": str(next(runs))},
            )

        def patch(base, server):
            return load.run_wrk(
                base, key=tenant_key, seconds=seconds, script="patch.lua", env={**env, "IDS": patch_ids}
            )

        figures, medians = alternating_rounds(with_log, without, {"post": post, "patch": patch})
    return {
        "rounds_rps": {
            f"{kind}_{label}": figures[kind][server]
            for kind in ("post", "patch")
            for label, server in (("with", "first"), ("without", "second"))
        },
        "errors": figures["post"]["errors"] + figures["patch"]["errors"],
        "post_ratio_median": medians["post"],
        "patch_ratio_median": medians["patch"],
    }


def environment(seconds):
    """The machine and the load a report's figures were measured with."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "gunicorn_workers": 2,
        "wrk": f"2 threads, 8 connections, {seconds}s",
        "database": "PostgreSQL",
    }


def main():
    refuse_unless_bench_database(DATABASE_URL)
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
    floor = floor_rounds(env, global_key, tenant_key, one_id)
    change_log = change_log_rounds(env, tenant_key, patch_ids)

    ratio = floor["list"]["ratio"]
    post_cost, patch_cost = change_log["post_ratio_median"], change_log["patch_ratio_median"]
    report = {
        "environment": environment(SECONDS),
        "dataset": {"tenants": TENANTS, "extensions": TENANTS * PER_TENANT, "seed_seconds": seed_seconds},
        "http": results,
        "list_vs_floor": {**floor["list"], "budget": 0.30, "met": ratio >= 0.30},
        "detail_vs_floor": floor["detail"],
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
