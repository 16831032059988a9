"""make bench drops and recreates its databases: never one the service itself uses."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["pbx", "production", "bench"])
def test_the_extensions_bench_refuses_a_database_not_named_for_benchmarks(name):
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:1/{name}"}
    result = subprocess.run(
        [sys.executable, "bench/run.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert f"refusing to drop database '{name}'" in result.stderr
