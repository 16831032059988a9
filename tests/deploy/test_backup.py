"""deploy/backup/pbx-backup and pbx-restore, run as docs/deployment.md runs them: a
backup of the test database (with tenants, calls and a media file) and its media root,
restored into a fresh database and an empty media folder, gives back every row and
every file; the restore refuses a database that has tables and a backup that does not
match its checksums."""

import os
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from cdrs.models import CallRecord
from tests.deploy.deployfiles import DEPLOY
from tests.factories import CallRecordFactory, ExtensionFactory, MediaFileFactory, TenantFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump and pg_restore need PostgreSQL"),
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("pg_dump", "pg_restore", "psql")),
        reason="pg_dump, pg_restore and psql are not installed (Debian's postgresql-client)",
    ),
    pytest.mark.django_db,  # so that pytest-django makes the test database; the data is `backup`'s
]
BACKUP = DEPLOY / "backup" / "pbx-backup"
RESTORE = DEPLOY / "backup" / "pbx-restore"
SECRET_KEY = "backup-test-secret-key"


def database_url(name):
    """The database `name` on PostgreSQL itself: when the suite runs through pgbouncer
    (scripts/with-pgbouncer), backups and restores go around it, as deployment.md says."""
    if direct := os.environ.get("PBX_TEST_POSTGRESQL_URL"):
        return direct.rsplit("/", 1)[0] + f"/{name}"
    db = settings.DATABASES["default"]
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


# What the scripts must take from their environment file alone, not from the suite's own
# environment (which, through pgbouncer, has PBX_DB_POOLING and a pgbouncer's address).
SUITE_ONLY = ("DATABASE_URL", "DATABASE_REPLICA_URL", "PBX_DB_POOLING")


def run(*argv):
    env = {name: value for name, value in os.environ.items() if name not in SUITE_ONLY}
    return subprocess.run([str(arg) for arg in argv], capture_output=True, text=True, timeout=300, env=env)


def administer(statement):
    """A statement on the server's `postgres` database (CREATE and DROP DATABASE)."""
    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        admin.execute(statement)


@pytest.fixture(scope="module")
def backup(django_db_setup, django_db_blocker, tmp_path_factory):
    """pbx-backup of the test database with two tenants' rows and a media file; the
    fresh database (named after the worker's) that the restore tests restore into."""
    from django.core.management import call_command

    folder = tmp_path_factory.mktemp("backup")
    media = folder / "media"
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        acme = TenantFactory(code="ACME")
        ExtensionFactory(tenant=acme, number="100", name="Reception")
        CallRecord.objects.bulk_create(CallRecordFactory.build_batch(25, tenant=acme))
        prompt = MediaFileFactory(tenant=acme, name="Welcome")
        TenantFactory(code="GLOBEX")
        env_file = folder / "pbx.env"
        env_file.write_text(
            f"# as /etc/pbx/pbx.env\nDATABASE_URL={database_url(settings.DATABASES['default']['NAME'])}\n"
            f"PBX_SECRET_KEY='{SECRET_KEY}'\nPBX_MEDIA_ROOT={media}\nPBX_VAR_DIR={folder / 'var'}\n"
        )
        fresh = f"{settings.DATABASES['default']['NAME']}_restored"
        administer(f'DROP DATABASE IF EXISTS "{fresh}"')
        administer(f'CREATE DATABASE "{fresh}"')
        try:
            made = run(BACKUP, "--out", folder / "backups", "--env-file", env_file)
            assert made.returncode == 0, made.stderr
            yield SimpleNamespace(
                path=Path(made.stdout.strip().splitlines()[-1]),
                media_file=Path(prompt.file.path),
                media_name=prompt.file.name,
                fresh=fresh,
                folder=folder,
            )
        finally:
            administer(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
            call_command("flush", interactive=False, verbosity=0)


def test_a_backup_restored_into_a_fresh_database_gives_back_every_row_and_file(backup):
    assert sorted(path.name for path in backup.path.iterdir()) == [
        "SHA256SUMS",
        "media.tar",
        "pbx.dump",
        "pbx.env",
    ]
    assert oct(backup.path.stat().st_mode & 0o777) == "0o700"  # it holds the secret key
    media_root = backup.folder / "restored-media"
    new_env = backup.folder / "restored.env"
    restored = run(
        RESTORE, backup.path, "--database-url", database_url(backup.fresh),
        "--media-root", media_root, "--env-file", new_env,
    )  # fmt: skip
    assert restored.returncode == 0, restored.stderr
    with psycopg.connect(database_url(backup.fresh)) as db:
        tenants = db.execute("select code from tenants_tenant order by code").fetchall()
        extensions = db.execute("select number, name from extensions_extension").fetchall()
        calls = db.execute("select count(*) from cdrs_callrecord").fetchone()[0]
        (media_name,) = db.execute("select file from media_mediafile where name = 'Welcome'").fetchone()
        applied = db.execute("select count(*) from django_migrations").fetchone()[0]
    assert tenants == [("ACME",), ("GLOBEX",)]
    assert extensions == [("100", "Reception")]
    assert calls == 25
    assert media_name == backup.media_name
    assert (media_root / media_name).read_bytes() == backup.media_file.read_bytes()
    assert applied > 0  # the dump carried the migration history, which migrate then found complete
    restored_env = new_env.read_text()
    assert f"PBX_SECRET_KEY={SECRET_KEY}\n" in restored_env
    assert f"DATABASE_URL={database_url(backup.fresh)}\n" in restored_env
    assert f"PBX_MEDIA_ROOT={media_root}\n" in restored_env
    assert "manage.py check" in restored.stderr and "System check identified no issues" in restored.stdout


def checksummed_folder(folder):
    """A folder that passes pbx-restore's first check (its SHA256SUMS), and no more: the
    refusals below come before anything is restored from it."""
    folder.mkdir()
    for name in ("pbx.dump", "media.tar", "pbx.env"):
        (folder / name).write_text(f"not a real {name}\n")
    sums = subprocess.run(
        ["sha256sum", "pbx.dump", "media.tar", "pbx.env"], cwd=folder, capture_output=True, text=True
    )
    (folder / "SHA256SUMS").write_text(sums.stdout)
    return folder


def test_the_restore_refuses_a_database_that_has_tables(tmp_path):
    """The test database itself: restoring over live data is never what was meant."""
    refused = run(
        RESTORE, checksummed_folder(tmp_path / "pbx-20261130T010000Z"),
        "--database-url", database_url(settings.DATABASES["default"]["NAME"]), "--media-root", tmp_path / "media",
    )  # fmt: skip
    assert refused.returncode != 0
    assert "restore into a fresh one" in refused.stderr
    assert not (tmp_path / "media").exists()


def test_the_restore_refuses_a_backup_that_does_not_match_its_checksums(tmp_path):
    damaged = checksummed_folder(tmp_path / "pbx-20261130T010000Z")
    (damaged / "media.tar").write_text("not a real media.tar, changed\n")
    refused = run(RESTORE, damaged, "--database-url", database_url("nowhere"), "--media-root", tmp_path / "m")
    assert refused.returncode != 0
    assert "does not match its SHA256SUMS" in refused.stderr


def test_the_backup_refuses_a_media_root_that_does_not_exist(tmp_path):
    env_file = tmp_path / "pbx.env"
    env_file.write_text(
        f"DATABASE_URL={database_url(settings.DATABASES['default']['NAME'])}\n"
        f"PBX_SECRET_KEY=x\nPBX_MEDIA_ROOT={tmp_path / 'missing'}\n"
    )
    refused = run(BACKUP, "--out", tmp_path / "backups", "--env-file", env_file)
    assert refused.returncode != 0
    assert "does not exist" in refused.stderr
    assert not (tmp_path / "backups").exists()  # refused before writing anything


def test_the_backup_refuses_to_dump_through_a_pgbouncer_without_postgresqls_own_address(tmp_path):
    (tmp_path / "media").mkdir()
    env_file = tmp_path / "pbx.env"
    env_file.write_text(
        f"DATABASE_URL={database_url(settings.DATABASES['default']['NAME'])}\nPBX_DB_POOLING=transaction\n"
        f"PBX_SECRET_KEY=x\nPBX_MEDIA_ROOT={tmp_path / 'media'}\n"
    )
    refused = run(BACKUP, "--out", tmp_path / "backups", "--env-file", env_file)
    assert refused.returncode != 0
    assert "give --database-url of PostgreSQL itself" in refused.stderr
    assert not (tmp_path / "backups").exists()
