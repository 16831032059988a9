"""createapikey and revokeapikey."""

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apikeys.models import ApiKey, digest


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_createapikey_prints_the_key_alone_on_the_last_line(platform_admin):
    out, _err = run("createapikey", "--user", "platform", "--name", "ci")
    key = out.strip().splitlines()[-1]
    assert key.startswith("pbx_") and " " not in key
    assert ApiKey.objects.get(name="ci").key_hash == digest(key)


def test_createapikey_makes_a_read_only_tenant_key_that_expires(acme_admin, acme):
    run("createapikey", "--user", "acme-admin", "--tenant", "acme", "--read-only", "--expires-days", "7")
    api_key = ApiKey.objects.get(owner=acme_admin)
    assert (api_key.tenant, api_key.read_only) == (acme, True)
    assert api_key.expires_at is not None


def test_createapikey_refuses_a_tenant_the_user_does_not_belong_to(acme_admin, globex):
    with pytest.raises(CommandError, match="does not belong"):
        run("createapikey", "--user", "acme-admin", "--tenant", "GLOBEX")


def test_createapikey_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="No user"):
        run("createapikey", "--user", "ghost")


def test_revokeapikey_revokes_by_prefix(admin_key):
    out, _err = run("revokeapikey", admin_key.prefix)
    assert "Revoked" in out
    assert ApiKey.objects.get(pk=admin_key.pk).revoked_at is not None


def test_revokeapikey_accepts_the_whole_key(admin_key):
    run("revokeapikey", admin_key.key)
    assert ApiKey.objects.get(pk=admin_key.pk).revoked_at is not None


def test_revokeapikey_says_so_for_an_unknown_prefix(db):
    with pytest.raises(CommandError, match="No API key"):
        run("revokeapikey", "nosuchkey1")


def test_a_database_failure_is_one_line_and_a_non_zero_exit(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "manage.py", "revokeapikey", "nosuchkey1"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("CommandError: Database error: no such table")
