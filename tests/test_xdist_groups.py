"""The suite relies on `--dist loadgroup` keeping an `xdist_group` on one worker: the
browser tests share one Chromium, the streaming-replica tests one primary and replica
whose state runs from test to test. pytest 9.2.0 broke that silently (its node ids lost
the group suffix pytest-xdist adds), hence this check of the pinned versions."""

import subprocess
import sys

GROUPED = """
import os

import pytest

pytestmark = pytest.mark.xdist_group("one_worker")


@pytest.mark.parametrize("n", range(6))
def test_reports_its_worker(n):
    print("worker=" + os.environ["PYTEST_XDIST_WORKER"])
"""


def test_an_xdist_group_runs_on_one_worker(tmp_path):
    (tmp_path / "test_grouped.py").write_text(GROUPED)
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:django", "-n", "2",
         "--dist", "loadgroup", "-q", "-rP", "-c", "/dev/null", "test_grouped.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    workers = {line for line in ran.stdout.splitlines() if line.startswith("worker=")}
    assert len(workers) == 1, ran.stdout
