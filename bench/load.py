"""Load from a second process on loopback with wrk, and read its figures."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def ensure_wrk():
    """wrk from Debian's packages; installed on first use (the bench runs as root in CI)."""
    if shutil.which("wrk"):
        return
    print("installing wrk with apt-get", file=sys.stderr)
    for command in (
        ["apt-get", "install", "-y", "-qq", "wrk"],
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "wrk"],
    ):
        subprocess.run(command, check=False, capture_output=True)
        if shutil.which("wrk"):
            return
    raise SystemExit("bench: wrk is not installed and apt-get could not install it")


def _ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return round(float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit], 2)


def run_wrk(url, *, key=None, seconds=8, connections=8, threads=2, script=None, env=None):
    """{"rps", "p50_ms", "p99_ms", "requests", "errors"} for one wrk run."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if key:
        command += ["-H", f"X-API-Key: {key}"]
    if script:
        command += ["-s", str(HERE / script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True, env=env).stdout
    figures = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": _ms(re.search(r"\s50%\s+(\S+)", output).group(1)),
        "p99_ms": _ms(re.search(r"\s99%\s+(\S+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "errors": 0,
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    figures["errors"] = (int(non_2xx.group(1)) if non_2xx else 0) + (
        sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    )
    return figures
