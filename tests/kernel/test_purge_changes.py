"""manage.py purge_changes --older-than AGE"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from pbx.models import ChangeLog
from tests.factories import ChangeLogFactory


def age(row, days):
    ChangeLog.objects.filter(pk=row.pk).update(time=timezone.now() - timedelta(days=days))


def test_it_deletes_only_rows_older_than_the_age(acme):
    old, recent = ChangeLogFactory(tenant=acme), ChangeLogFactory(tenant=acme)
    age(old, 400)
    age(recent, 10)
    out = StringIO()
    call_command("purge_changes", "--older-than", "365d", stdout=out, stderr=StringIO())
    assert list(ChangeLog.objects.values_list("pk", flat=True)) == [recent.pk]
    assert "Deleted 1 change log rows" in out.getvalue()


def test_a_dry_run_deletes_nothing(acme):
    age(ChangeLogFactory(tenant=acme), 400)
    out = StringIO()
    call_command("purge_changes", "--older-than", "365d", "--dry-run", stdout=out)
    assert ChangeLog.objects.count() == 1
    assert out.getvalue().startswith("1 change log rows")


@pytest.mark.parametrize("bad", ["365", "d", "0d", "5x", "1y"])
def test_a_bad_age_is_one_clear_error(db, bad):
    with pytest.raises(CommandError, match="365d"):
        call_command("purge_changes", "--older-than", bad)


def test_commands_record_their_changes_as_theirs(platform_admin):
    call_command("createapikey", "--user", "platform", stdout=StringIO(), stderr=StringIO())
    row = ChangeLog.objects.get(object_type="apikey")
    assert (row.action, row.source, row.actor_name) == ("create", "command:createapikey", "")
