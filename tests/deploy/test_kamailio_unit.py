"""pbx-kamailio.service's start, as systemd runs it: its ExecStartPre lines, with the
${KAMAILIO_*} settings filled in, write Kamailio's configuration through
deploy/pbx-manage (pbx's settings read from an environment file) and Kamailio accepts
it (`kamailio -c`). Here the lines run as the test's user: `runuser -u pbx` and the
`+` (root) prefix are systemd's and the installation's, and the folder is the test's
instead of /run/pbx-kamailio."""

import os
import shutil
import subprocess

import pytest
from django.conf import settings
from django.db import connection

from tests.deploy.deployfiles import DEPLOY, INSTALLED, ROOT, expand, unit_commands

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="Kamailio's configuration needs pbx on PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),  # the key is read by another process
]
UNIT = DEPLOY / "systemd" / "pbx-kamailio.service"
RUNTIME = "/run/pbx-kamailio"


def start_lines(out):
    """The unit's commands that write, check and run the configuration, runnable here."""
    lines = []
    for argv, _number in unit_commands(UNIT):
        if argv[0] in ("/bin/chown", "/bin/chmod"):
            continue  # the folder's owner and mode: the installation's
        if argv[0].endswith("runuser"):
            argv = argv[argv.index("--") + 1 :]
        lines.append([arg.replace(INSTALLED, str(ROOT)).replace(RUNTIME, str(out)) for arg in argv])
    return lines


def test_the_unit_writes_a_configuration_kamailio_accepts(switch_key, tmp_path):
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    pbx_env = tmp_path / "pbx.env"
    pbx_env.write_text(
        f"DATABASE_URL={url}\nPBX_SECRET_KEY='kamailio-unit-test'\nPBX_VAR_DIR={tmp_path / 'var'}\n"
    )
    kamailio_env = {
        "KAMAILIO_PBX_URL": "http://127.0.0.1:8000",
        "KAMAILIO_API_KEY": switch_key.key,
        "KAMAILIO_DB_URL": url,
        "KAMAILIO_LISTEN": "udp:127.0.0.1:5060",
        "KAMAILIO_RPC_LISTEN": "tcp:127.0.0.1:5071",
        "KAMAILIO_RPC_ALLOW": "127.0.0.1",
    }
    out = tmp_path / "run"
    out.mkdir()
    write, check, run = [expand(line, kamailio_env) for line in start_lines(out)]
    assert write[0].endswith("/deploy/pbx-manage") and write[1] == "kamailio_config"
    assert check[:2] == [run[0], "-c"] and check[-1] == run[run.index("-f") + 1]  # what ExecStart runs
    env = {**os.environ, "PBX_ENV_FILE": str(pbx_env), "TZ": "UTC"}
    env.pop("DATABASE_URL", None)  # pbx's settings come from the environment file alone
    written = subprocess.run(write, env=env, capture_output=True, text=True, timeout=120)
    assert written.returncode == 0, written.stderr
    assert written.stdout.strip() == str(out / "kamailio.cfg")
    assert f"PBX_API_KEY!{switch_key.key}!" in (out / "pbx-settings.cfg").read_text()
    if shutil.which(check[0]) is None:
        pytest.skip("Kamailio is not installed (Debian's kamailio): the configuration is not checked")
    checked = subprocess.run(check, env=env, capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stderr[-3000:]
