"""deploy/'s systemd units pass `systemd-analyze verify`: every key known, every value
parsed, every command executable. The units name the checkout as installed (/opt/pbx):
the copies verified here name this checkout instead, and nothing else changes."""

import shutil
import subprocess

import pytest

from tests.deploy.deployfiles import INSTALLED, ROOT, UNITS

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
pytestmark = pytest.mark.skipif(
    SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed (Debian's systemd package)"
)


@pytest.mark.parametrize("path", UNITS, ids=lambda path: path.name)
def test_the_unit_passes_systemd_analyze_verify(path, tmp_path):
    copy = tmp_path / path.name
    copy.write_text(path.read_text().replace(INSTALLED, str(ROOT)))
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--man=no", str(copy)], capture_output=True, text=True, timeout=60
    )
    # verify exits 0 on unknown keys and unparsable values, only saying so: any word
    # from it is a mistake.
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), (
        result.stdout + result.stderr
    )


def test_a_mistake_in_a_unit_is_reported(tmp_path):
    """The check above sees mistakes: a misspelt key and a bad value are reported."""
    copy = tmp_path / "pbx-web.service"
    text = (ROOT / "deploy" / "systemd" / "pbx-web.service").read_text().replace(INSTALLED, str(ROOT))
    copy.write_text(text.replace("ProtectSystem=strict", "ProtectSystem=strictly").replace("Type=", "Typ="))
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--man=no", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert "Unknown key 'Typ'" in result.stderr and "protect system value" in result.stderr
