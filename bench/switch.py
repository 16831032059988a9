"""make bench, the switch: Kamailio and pbx together, on PostgreSQL.

Seeds BENCH_SWITCH_TENANTS tenants (200) of BENCH_SWITCH_EXTENSIONS registering
extensions (50) and BENCH_SWITCH_DIDS DIDs (100) each (bench/switch_seed.py), then:

- the DID lookup Kamailio makes for each carrier INVITE (`GET /api/switch/did/`): its
  queries for route chains of 1, 3 and 10 schedules (the budget: the same count for
  each); requests/s under wrk with 8 connections, against the floor (bench/floor.py's
  `/did/`: the DID's row and first destination in one query) in alternating rounds;
  p50 and p99 with one connection (one lookup at a time: what a call's setup waits for
  while pbx is not saturated), and with two;
- REGISTERs authenticated per second through Kamailio: sipp registers the seeded
  extensions at rising rates until the first failure;
- calls set up per second between two registered extensions, through Kamailio's ask
  of `GET /api/switch/dial/`, at rising rates until the first failure.

Prints one JSON document (also bench/results/switch.json). Budgets: 1,000 REGISTERs/s
without a failure, DID lookup p50 at most 5 ms, a constant number of queries per lookup.
A missed budget is reported, never fatal. The database is `pbx_bench_switch` on the
server DATABASE_URL names (default 127.0.0.1).
"""

import contextlib
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import load  # noqa: E402
import run  # noqa: E402
import seed  # noqa: E402
import switch_seed  # noqa: E402

TENANTS = int(os.environ.get("BENCH_SWITCH_TENANTS", 200))
EXTENSIONS = int(os.environ.get("BENCH_SWITCH_EXTENSIONS", 50))
DIDS = int(os.environ.get("BENCH_SWITCH_DIDS", 100))
SECONDS = int(os.environ.get("BENCH_SECONDS", 8))
# Offered rates, each for a few seconds, until the first one with a failure.
REGISTER_RATES = (250, 500, 1000, 1500, 2000, 3000, 4000)
CALL_RATES = (10, 25, 50, 100, 150, 200, 300)
STEP_SECONDS = 3
PHONE_SCENARIO = HERE.parent / "tests/switch/sip/scenarios/answer.xml"
CALLEES = 5  # per tenant: the extensions 1000..1004 ring; the others call them


def bench_database_url():
    parts = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/pbx_bench")
    return urlunsplit(parts._replace(path="/pbx_bench_switch"))


def make_switch_key():
    """A switch_api user and its key, as `manage.py kamailio_config --create-credential` makes."""
    from django.contrib.auth.models import Group, User

    from apikeys.models import ApiKey

    user = User.objects.create_user("bench-kamailio")
    user.groups.add(Group.objects.get(name="switch_api"))
    return ApiKey.issue(owner=user, name="bench kamailio")[1]


def chain_of_schedules(tenant, length):
    """A DID of `tenant` whose call passes `length` always-open schedules before it rings
    an extension: DID -> CONDITION-1 -> CONDITION-2 ... -> EXT."""
    from extensions.models import Extension
    from pbx.models import Destination
    from routing.models import DID, Schedule, ScheduleRange

    schedules = []
    for n in range(length):
        schedule = Schedule.objects.create(tenant=tenant, name=f"chain {length} step {n}")
        ScheduleRange.objects.create(
            schedule=schedule,
            days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            start="00:00",
            end="23:59",
        )
        schedules.append(schedule)
    did = DID.objects.create(tenant=tenant, number=f"+1666{tenant.pk:04d}{length:03d}")
    extension = Extension.objects.filter(tenant=tenant).first()
    owners = [("routing.did", did.pk, "DID")] + [("routing.schedule", s.pk, "CONDITION") for s in schedules]
    targets = [("CONDITION", s.pk) for s in schedules] + [("EXT", extension.pk)]
    Destination.objects.bulk_create(
        Destination(
            tenant=tenant,
            owner_type=owner_type,
            owner_id=owner_id,
            slot=slot,
            position=0,
            target_type=code,
            target_id=target_id,
        )
        for (owner_type, owner_id, slot), (code, target_id) in zip(owners, targets, strict=True)
    )
    return did


def lookup_queries(key):
    """{chain length: queries of one DID lookup}, counted in-process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tenants.models import Tenant

    tenant = Tenant.objects.order_by("id").first()
    client = Client(HTTP_X_API_KEY=key)
    counts = {}
    for length in (1, 3, 10):
        did = chain_of_schedules(tenant, length)
        url = (
            f"/api/switch/did/?number={did.number.replace('+', '%2B')}&caller=%2B15557654321&source=127.0.0.1"
        )
        client.get(url)  # warm up: the key's last_used_at, the trunk's address
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        answer = response.json()
        assert response.status_code == 200 and answer["action"] == "extension", f"bench: {url} -> {answer}"
        counts[length] = len(captured)
    return counts


def did_lookup_rounds(env, key):
    """The DID lookup from pbx and from the floor, alternating; and pbx alone, longer."""
    seconds = max(3, SECONDS // 2)
    lua_env = {**env, "TENANTS": str(TENANTS), "DIDS": str(DIDS)}
    with (
        run.gunicorn("pbx.wsgi", env) as api,
        run.gunicorn("floor:application", {**env, "PYTHONPATH": str(HERE)}) as floor,
    ):

        def lookup(base, server):
            prefix = "/api/switch/did/" if server == "first" else "/did/"
            return load.run_wrk(
                base, key=key, seconds=seconds, script="did.lua", env={**lua_env, "PATH_PREFIX": prefix}
            )

        figures, medians = run.alternating_rounds(api, floor, {"did": lookup})
        seed.log("load: DID lookup, pbx alone: throughput, then latency")
        busy = load.run_wrk(api, key=key, seconds=SECONDS, script="did.lua", env=lua_env)
        # Latency: one lookup at a time is what a call's setup waits for while pbx is not
        # saturated; two at a time fill both workers (and, on this machine, both cores,
        # which PostgreSQL and wrk share). Eight connections queue, as busy's p50 shows.
        alone = load.run_wrk(
            api, key=key, seconds=SECONDS, script="did.lua", env=lua_env, connections=1, threads=1
        )
        pair = load.run_wrk(api, key=key, seconds=SECONDS, script="did.lua", env=lua_env, connections=2)
    return {
        "rps": busy["rps"],
        "p50_ms": alone["p50_ms"],
        "p99_ms": alone["p99_ms"],
        "errors": busy["errors"] + alone["errors"] + pair["errors"],
        "under_1_connection": alone,
        "under_2_connections": pair,
        "under_8_connections": busy,
        "vs_floor": {
            "ratio": medians["did"],
            "rounds_rps": {"api": figures["did"]["first"], "floor": figures["did"]["second"]},
            "errors": figures["did"]["errors"],
        },
    }


@contextlib.contextmanager
def kamailio(env, pbx_url, key, folder):
    """pbx's Kamailio as shipped (manage.py kamailio_config), on a loopback port, with
    the workers of its configuration: its port."""
    from tests.switch.sip.harness import Kamailio, free_port

    port = free_port()
    subprocess.run(
        [
            *(sys.executable, "manage.py", "kamailio_config", "--out", str(folder), "--pbx-url", pbx_url),
            *("--api-key", key, "--listen", f"udp:127.0.0.1:{port}", "--database-url", env["DATABASE_URL"]),
        ],
        cwd=HERE.parent,
        env=env,
        check=True,
        capture_output=True,
    )
    server = Kamailio(folder, port)
    server.start(workers=None, memory_mb=256)
    try:
        yield port
    finally:
        server.stop()


def write_injection(path, rows):
    """A sipp injection file: rows read in order, one per call."""
    with open(path, "w", newline="") as handle:
        handle.write("SEQUENTIAL\n")
        csv.writer(handle, delimiter=";", lineterminator="\n").writerows(rows)
    return path


def credentials(number):
    """The digest of seeded extension `number` (bench/seed.py's password), as sipp takes
    per-call credentials from an injection file: the whole keyword."""
    return f"[authentication username={number} password=bench-secret-{number}]"


def sipp(port, scenario, injection, rate, total, folder, *extra):
    """One sipp run at `rate` calls/s for `total` calls: (succeeded, failed, seconds)."""
    from tests.switch.sip.harness import free_port

    screen = Path(folder) / f"{scenario}-{rate}.screen"
    command = ["sipp", f"127.0.0.1:{port}", "-sf", str(HERE / "scenarios" / f"{scenario}.xml")]
    command += ["-inf", str(injection), "-r", str(rate), "-m", str(total), "-l", str(rate * 10)]
    command += ["-i", "127.0.0.1", "-p", str(free_port()), "-nostdin", "-timeout", "120s"]
    command += ["-recv_timeout", "5000", "-trace_screen", "-screen_file", str(screen), *extra]
    started = time.monotonic()
    subprocess.run(command, cwd=folder, capture_output=True, check=False)
    seconds = time.monotonic() - started
    text = screen.read_text(errors="replace") if screen.exists() else ""

    def last(label):
        found = re.findall(rf"{label}\s*\|\s*\d+\s*\|\s*(\d+)", text)
        return int(found[-1]) if found else 0

    return last("Successful call"), last("Failed call"), round(seconds, 2)


def rising(port, scenario, injection, rates, folder, *extra):
    """Each rate for STEP_SECONDS, until the first run with a failure."""
    steps = []
    for rate in rates:
        total = rate * STEP_SECONDS
        seed.log(f"sipp: {scenario} at {rate}/s ({total})")
        ok, failed, seconds = sipp(port, scenario, injection, rate, total, folder, *extra)
        steps.append(
            {
                "offered_per_s": rate,
                "succeeded": ok,
                "failed": failed,
                "seconds": seconds,
                "achieved_per_s": round(ok / seconds, 1),
            }
        )
        if failed or ok < total:
            break
    # A run without a failure counts for what it achieved: sipp holds back when the
    # answers come late, so a step can end later than offered and clean.
    clean = [
        step
        for step in steps
        if not step["failed"] and step["succeeded"] == step["offered_per_s"] * STEP_SECONDS
    ]
    best = max((step["achieved_per_s"] for step in clean), default=0)
    return {"steps": steps, "highest_rate_without_failure": best}


def sip_load(env, key):
    """REGISTERs and calls per second through Kamailio, pbx serving its answers."""
    from tests.switch.sip.harness import free_port

    tenants = [(i, f"t{i:04d}.bench.test") for i in range(1, TENANTS + 1)]
    with (
        tempfile.TemporaryDirectory(prefix="pbx-bench-sip-") as folder,
        run.gunicorn("pbx.wsgi", env) as api,
        kamailio(env, api, key, Path(folder)) as port,
    ):
        phone_port = free_port()
        users = [
            (str(1000 + n), domain, credentials(1000 + n), phone_port)
            for _, domain in tenants
            for n in range(EXTENSIONS)
        ]
        registers = rising(
            port, "register", write_injection(Path(folder) / "users.csv", users), REGISTER_RATES, folder
        )
        # The callees' contacts must be one answering sipp: register them last, there.
        callees = [row for row in users if int(row[0]) < 1000 + CALLEES]
        seed.log(f"registering {len(callees)} callees on a sipp that answers")
        sipp(
            port,
            "register",
            write_injection(Path(folder) / "callees.csv", callees),
            500,
            len(callees),
            folder,
        )
        # The SIP tests' answering phone: it echoes Record-Route, so the BYE passes
        # Kamailio (sipp's built-in uas does not).
        phones = subprocess.Popen(
            ["sipp", "-sf", str(PHONE_SCENARIO), "-i", "127.0.0.1", "-p", str(phone_port), "-nostdin"],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            callers = [
                (str(1000 + n), domain, credentials(1000 + n), str(1000 + n % CALLEES))
                for _, domain in tenants
                for n in range(CALLEES, EXTENSIONS)
            ]
            calls = rising(
                port,
                "call",
                write_injection(Path(folder) / "callers.csv", callers),
                CALL_RATES,
                folder,
                "-d",
                "200",
            )
        finally:
            phones.terminate()
            phones.wait(timeout=10)
    return registers, calls


def main():
    url = bench_database_url()
    load.ensure_wrk()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "pbx.settings",
        "PBX_THROTTLE_RATE": "off",
        "PBX_DEBUG": "false",
        "PBX_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "PBX_LOG_LEVEL": "ERROR",
    }
    seed.log(f"recreating {url.rsplit('/', 1)[-1]}")
    seed.recreate_database(url)
    seed.migrate(env)
    started = time.monotonic()
    switch_seed.seed_switch(url, TENANTS, EXTENSIONS, DIDS)
    seed_seconds = round(time.monotonic() - started, 1)
    run.django_setup(env)
    key = make_switch_key()
    queries = lookup_queries(key)
    lookup = did_lookup_rounds(env, key)
    registers, calls = sip_load(env, key)
    report = {
        "environment": run.environment(SECONDS),
        "dataset": {
            "tenants": TENANTS,
            "extensions": TENANTS * EXTENSIONS,
            "dids": TENANTS * DIDS,
            "seed_seconds": seed_seconds,
        },
        "did_lookup": {
            **lookup,
            "queries_by_chain_length": queries,
            "budget_p50_ms": 5,
            "met": lookup["p50_ms"] <= 5 and lookup["errors"] == 0 and len(set(queries.values())) == 1,
        },
        "registers_through_kamailio": {
            **registers,
            "step_seconds": STEP_SECONDS,
            "budget_per_s": 1000,
            "met": registers["highest_rate_without_failure"] >= 1000,
        },
        "calls_through_kamailio": {**calls, "step_seconds": STEP_SECONDS, "hold_ms": 200},
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "switch.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
