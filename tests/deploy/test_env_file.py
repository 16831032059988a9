"""deploy/lib/env.sh, which pbx-manage and the backup scripts read /etc/pbx/pbx.env
with: the file is data, as systemd's EnvironmentFile= takes it, never shell."""

import subprocess

from tests.deploy.deployfiles import DEPLOY


def read(env_file, *names):
    """The values bash has after pbx_read_env, one per line, and the exit status."""
    script = f'. {DEPLOY}/lib/env.sh && pbx_read_env "$1" && printf "%s\\n" ' + " ".join(
        f'"${n}"' for n in names
    )
    result = subprocess.run(["bash", "-c", script, "bash", str(env_file)], capture_output=True, text=True)
    return result.returncode, result.stdout.splitlines(), result.stderr


def test_values_are_taken_as_written_and_never_run(tmp_path):
    witness = tmp_path / "ran"
    env_file = tmp_path / "pbx.env"
    env_file.write_text(
        "# a comment\n\n"
        f"PBX_SECRET_KEY=$(touch {witness})\n"
        "DATABASE_URL='postgres://pbx:p@ss w0rd@db/pbx'\n"
        'PBX_ALLOWED_HOSTS="pbx.example.com,127.0.0.1"\n'
        "export PBX_TIME_ZONE=Europe/London\n"
    )
    status, values, _ = read(env_file, "PBX_SECRET_KEY", "DATABASE_URL", "PBX_ALLOWED_HOSTS", "PBX_TIME_ZONE")
    assert status == 0
    assert values == [
        f"$(touch {witness})",
        "postgres://pbx:p@ss w0rd@db/pbx",
        "pbx.example.com,127.0.0.1",
        "Europe/London",
    ]
    assert not witness.exists()


def test_a_line_that_is_not_name_equals_value_is_refused_with_its_number(tmp_path):
    env_file = tmp_path / "pbx.env"
    env_file.write_text("PBX_DEBUG=false\nrm -rf /srv\n")
    status, _values, error = read(env_file, "PBX_DEBUG")
    assert status != 0
    assert "line 2 is not NAME=value" in error


def test_a_missing_file_is_named(tmp_path):
    status, _values, error = read(tmp_path / "nowhere.env", "PBX_DEBUG")
    assert status != 0
    assert "nowhere.env" in error and "PBX_ENV_FILE" in error


def test_a_database_url_becomes_libpq_variables_and_leaves_the_command_line(tmp_path):
    """pg_dump, pg_restore and psql get the password from PGPASSWORD, where `ps` does not show it."""
    url = "postgres://pbx%40acme:s3cr%20t@db.example.com:6432/pbx?sslmode=require"
    script = f'. {DEPLOY}/lib/env.sh && pbx_pg_environment "$1" && env'
    result = subprocess.run(["bash", "-c", script, "bash", url], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    variables = dict(line.split("=", 1) for line in result.stdout.splitlines() if line.startswith("PG"))
    assert variables == {
        "PGHOST": "db.example.com",
        "PGPORT": "6432",
        "PGUSER": "pbx@acme",
        "PGPASSWORD": "s3cr t",
        "PGDATABASE": "pbx",
        "PGSSLMODE": "require",
    }
