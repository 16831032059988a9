"""manage.py purge_media: recordings and voicemail messages past their tenant's
retention go, with their files; --tenant narrows, --dry-run only counts."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone

from media.models import Recording, VoicemailMessage
from pbx.models import ChangeLog
from tests.factories import RecordingFactory, SettingFactory, VoicemailMessageFactory


def days_ago(days):
    return timezone.now() - timedelta(days=days)


def purge(*args):
    out, err = StringIO(), StringIO()
    call_command("purge_media", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


@pytest.fixture
def old_and_new(acme, globex):
    """In each tenant: a recording and a message 100 days old, and one of each 10 days old."""
    made = {}
    for tenant in (acme, globex):
        made[tenant.code] = {
            "old": [
                RecordingFactory(tenant=tenant, recorded_at=days_ago(100)),
                VoicemailMessageFactory(tenant=tenant, received_at=days_ago(100)),
            ],
            "new": [
                RecordingFactory(tenant=tenant, recorded_at=days_ago(10)),
                VoicemailMessageFactory(tenant=tenant, received_at=days_ago(10)),
            ],
        }
    return made


def exists(obj):
    return type(obj).objects.filter(pk=obj.pk).exists()


def test_older_than_deletes_old_rows_and_their_files(old_and_new, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        output = purge("--older-than", "90d")
    for code in ("ACME", "GLOBEX"):
        assert not any(exists(obj) for obj in old_and_new[code]["old"])
        assert all(exists(obj) for obj in old_and_new[code]["new"])
        assert not any(default_storage.exists(obj.file.name) for obj in old_and_new[code]["old"])
        assert all(default_storage.exists(obj.file.name) for obj in old_and_new[code]["new"])
    assert "Deleted 2 recordings and 2 voicemail messages" in output


def test_tenant_narrows_the_purge(old_and_new):
    output = purge("--older-than", "90d", "--tenant", "acme")
    assert not any(exists(obj) for obj in old_and_new["ACME"]["old"])
    assert all(exists(obj) for obj in old_and_new["GLOBEX"]["old"])
    assert "1 recordings and 1 voicemail messages" in output and "tenant ACME" in output


def test_dry_run_counts_and_deletes_nothing(old_and_new):
    output = purge("--older-than", "90d", "--dry-run")
    assert Recording.objects.count() == 4 and VoicemailMessage.objects.count() == 4
    assert "Would delete 2 recordings and 2 voicemail messages" in output


def test_each_tenant_keeps_media_for_its_retention_setting(acme, globex, old_and_new):
    SettingFactory(tenant=None, code="MEDIA_RETENTION_DAYS", value="365")
    SettingFactory(tenant=acme, code="MEDIA_RETENTION_DAYS", value="30")
    purge()
    assert not any(exists(obj) for obj in old_and_new["ACME"]["old"])  # 100 days > 30
    assert all(exists(obj) for obj in old_and_new["GLOBEX"]["old"])  # 100 days < the global 365


def test_without_any_retention_nothing_is_purged(old_and_new, settings):
    settings.PBX_MEDIA_RETENTION_DAYS = 0
    output = purge()
    assert Recording.objects.count() == 4
    assert "Deleted 0 recordings and 0 voicemail messages" in output


def test_the_environment_default_applies_without_settings(old_and_new, settings):
    settings.PBX_MEDIA_RETENTION_DAYS = 50
    purge()
    assert Recording.objects.count() == 2


def test_each_deletion_is_in_the_change_log(old_and_new):
    purge("--older-than", "90d", "--tenant", "ACME")
    rows = ChangeLog.objects.filter(action="delete", source="command:purge_media")
    assert sorted(rows.values_list("object_type", flat=True)) == ["recording", "voicemailmessage"]


def test_progress_is_shown(old_and_new):
    assert "ACME: recordings: deleted 1 of 1" in purge("--older-than", "90d")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tenant", "NOPE"], "No tenant has the code 'NOPE'"),
        (["--older-than", "soon"], "Give an age such as"),
    ],
)
def test_bad_arguments_are_one_line_errors(db, args, message):
    with pytest.raises(CommandError, match=message):
        purge(*args)


def test_a_bad_retention_setting_is_a_one_line_error(acme):
    SettingFactory(tenant=acme, code="MEDIA_RETENTION_DAYS", value="forever")
    with pytest.raises(CommandError, match="MEDIA_RETENTION_DAYS of tenant ACME is 'forever'"):
        purge()
