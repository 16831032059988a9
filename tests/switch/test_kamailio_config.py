"""`manage.py kamailio_config` writes pbx's Kamailio configuration into a folder with its
settings filled in (the database, pbx's URL, the switch's key, the SIP socket, the
click-to-dial JSON-RPC socket and the address allowed to use it);
a mistake is one line and a non-zero exit, and writes nothing."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from apikeys import roles
from apikeys.models import ApiKey
from tests.factories import UserFactory
from tests.switch.sip.harness import KAMAILIO

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
DB = "postgres://kamailio:secret@10.0.0.5:5432/pbx"
MINIMAL = ["--pbx-url", "http://10.0.0.2:8000", "--api-key", "pbx_abcdefghij_" + "x" * 30]


def settings_of(folder):
    """{name: value} of the #!substdef lines of the written pbx-settings.cfg."""
    text = (folder / "pbx-settings.cfg").read_text()
    return {
        name: value for _, name, value in re.findall(r'^#!substdef "(.)(\w+)\1(.*)\1g"$', text, re.MULTILINE)
    }


def write(folder, *args, key=None, database_url=DB):
    options = ["--out", str(folder), "--pbx-url", "http://10.0.0.2:8000/"]
    options += ["--api-key", key] if key else ["--create-credential"]
    if database_url:
        options += ["--database-url", database_url]
    call_command("kamailio_config", *options, *args)


def test_it_writes_the_shipped_configuration_and_its_settings(tmp_path, switch_key):
    write(tmp_path, "--listen", "udp:10.0.0.9:5060", key=switch_key.key)

    for name in ("kamailio.cfg", "pbx-calls.cfg", "pbx-records.cfg"):
        assert (tmp_path / name).read_text() == (ROOT / "switch" / "kamailio" / name).read_text()
    assert settings_of(tmp_path) == {
        "PBX_DB_URL": DB,
        "PBX_HTTP_URL": "http://10.0.0.2:8000",
        "PBX_API_KEY": switch_key.key,
        "PBX_LISTEN": "udp:10.0.0.9:5060",
        "PBX_RPC_LISTEN": "tcp:127.0.0.1:5071",
        "PBX_RPC_ALLOW": "127.0.0.1",
    }


def test_the_settings_file_is_readable_by_its_owner_and_group_only(tmp_path, switch_key):
    write(tmp_path, key=switch_key.key)

    assert (tmp_path / "pbx-settings.cfg").stat().st_mode & 0o777 == 0o640


@pytest.mark.skipif(connection.vendor != "postgresql", reason="Kamailio needs pbx on PostgreSQL")
def test_the_database_defaults_to_pbxs_own(tmp_path, switch_key):
    write(tmp_path, key=switch_key.key, database_url=None)

    db = settings.DATABASES["default"]
    assert settings_of(tmp_path)["PBX_DB_URL"].endswith(
        f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def test_a_postgresql_url_is_written_in_kamailios_form(tmp_path, switch_key):
    write(tmp_path, key=switch_key.key, database_url="postgresql://kamailio:secret@db:5432/pbx")

    assert settings_of(tmp_path)["PBX_DB_URL"] == "postgres://kamailio:secret@db:5432/pbx"


def test_a_value_holding_the_usual_separator_gets_another(tmp_path, switch_key):
    write(tmp_path, key=switch_key.key, database_url="postgres://kamailio:se!cret@db:5432/pbx")

    assert settings_of(tmp_path)["PBX_DB_URL"] == "postgres://kamailio:se!cret@db:5432/pbx"


def test_create_credential_makes_a_switch_key_that_opens_the_switch_endpoints(tmp_path, api, acme):
    write(tmp_path)

    key = settings_of(tmp_path)["PBX_API_KEY"]
    owner = ApiKey.objects.get().owner
    assert (owner.username, roles.role_of(owner)) == ("kamailio", roles.SWITCH)
    answer = api(key).get("/api/switch/dial/", {"domain": "acme.pbx.test", "caller": "100", "number": "101"})
    assert answer.status_code == 200
    assert api(key).get("/api/extensions/").status_code == 403


def test_create_credential_again_adds_a_key_to_the_same_user(tmp_path):
    write(tmp_path / "one")
    write(tmp_path / "two")

    assert ApiKey.objects.count() == 2
    assert ApiKey.objects.values("owner").distinct().count() == 1
    assert settings_of(tmp_path / "one")["PBX_API_KEY"] != settings_of(tmp_path / "two")["PBX_API_KEY"]


def test_a_key_of_another_role_is_refused(tmp_path, admin_key):
    with pytest.raises(CommandError, match="not a switch_api user"):
        write(tmp_path, key=admin_key.key)
    assert not (tmp_path / "kamailio.cfg").exists()


def test_an_unknown_key_is_refused(tmp_path, switch_key):
    with pytest.raises(CommandError, match="not a key of this pbx"):
        write(tmp_path, key=switch_key.key[:-4] + "abcd")


def test_a_revoked_key_is_refused(tmp_path, switch_key):
    switch_key.revoke()
    with pytest.raises(CommandError, match="revoked or expired"):
        write(tmp_path, key=switch_key.key)


def test_create_credential_refuses_a_kamailio_user_of_another_role(tmp_path):
    UserFactory(username="kamailio", role=roles.ADMIN)
    with pytest.raises(CommandError, match="exists with the role admin_api"):
        write(tmp_path)
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--pbx-url", "10.0.0.2:8000", "--pbx-url must look like"),
        ("--listen", "0.0.0.0:5060", "--listen must look like"),
        ("--rpc-listen", "udp:127.0.0.1:5071", "--rpc-listen must look like"),
        ("--rpc-listen", "tcp:rpc.example.com:5071", "--rpc-listen must look like"),
        ("--rpc-allow", "pbx.example.com", "--rpc-allow must be an IP address"),
        ("--database-url", "mysql://k@db/pbx", "--database-url must look like"),
        ("--database-url", "postgres://k@db/pbx?sslmode=require", "cannot carry options"),
        ("--database-url", 'postgres://k:a"b@db/pbx', "cannot contain quotes"),
    ],
)
def test_a_malformed_setting_is_refused_and_nothing_is_written(tmp_path, switch_key, option, value, message):
    with pytest.raises(CommandError, match=message):
        call_command(
            "kamailio_config",
            *["--out", str(tmp_path), "--pbx-url", "http://10.0.0.2:8000", "--api-key", switch_key.key],
            *["--database-url", DB, option, value],
        )
    assert list(tmp_path.iterdir()) == []


def test_listen_takes_an_advertised_address(tmp_path, switch_key):
    write(tmp_path, "--listen", "udp:10.0.0.9:5060 advertise 203.0.113.5:5060", key=switch_key.key)

    assert settings_of(tmp_path)["PBX_LISTEN"] == "udp:10.0.0.9:5060 advertise 203.0.113.5:5060"


def test_the_rpc_socket_and_pbxs_address_are_options(tmp_path, switch_key):
    write(tmp_path, "--rpc-listen", "tcp:10.0.0.9:5071", "--rpc-allow", "10.0.0.2", key=switch_key.key)

    written = settings_of(tmp_path)
    assert (written["PBX_RPC_LISTEN"], written["PBX_RPC_ALLOW"]) == ("tcp:10.0.0.9:5071", "10.0.0.2")


@pytest.mark.skipif(KAMAILIO is None, reason="kamailio not installed (apt-get install kamailio)")
def test_kamailio_accepts_the_written_configuration(tmp_path, switch_key):
    write(tmp_path, "--listen", "udp:127.0.0.1:5999", key=switch_key.key)

    checked = subprocess.run(
        [KAMAILIO, "-c", "-f", str(tmp_path / "kamailio.cfg")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr[-3000:]
    assert "udp: 127.0.0.1 [127.0.0.1]:5999" in checked.stdout + checked.stderr
    assert "tcp: 127.0.0.1 [127.0.0.1]:5071 name rpc" in checked.stdout + checked.stderr


def test_a_mistake_is_one_line_on_stderr_and_a_non_zero_exit(tmp_path):
    """pbx on SQLite, no --database-url: said in one line, before anything is written."""
    result = subprocess.run(
        [sys.executable, "manage.py", "kamailio_config", "--out", str(tmp_path / "out"), *MINIMAL],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/pbx.sqlite3", "PBX_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "not PostgreSQL" in result.stderr
    assert not (tmp_path / "out").exists()


def test_progress_goes_to_stderr_and_the_written_file_to_stdout(tmp_path, switch_key, capsys):
    write(tmp_path, key=switch_key.key)

    out, err = capsys.readouterr()
    assert out.strip() == str(tmp_path / "kamailio.cfg")
    assert "Wrote" in err and "TZ=UTC" in err


def test_the_key_is_in_the_written_file_only(tmp_path, capsys):
    write(tmp_path)

    out, err = capsys.readouterr()
    assert settings_of(tmp_path)["PBX_API_KEY"] not in out + err


def test_a_malformed_setting_creates_no_credential(tmp_path):
    with pytest.raises(CommandError, match="cannot contain quotes"):
        write(tmp_path, database_url='postgres://k:a"b@db/pbx')

    assert not ApiKey.objects.exists()
