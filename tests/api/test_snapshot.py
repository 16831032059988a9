"""The matrices' proof that a refused request wrote nothing must see every kind of write
(and only writes)."""

from django.utils import timezone

from apikeys.models import ApiKey
from tests.api.support import snapshot
from tests.factories import ExtensionFactory


def test_a_new_row_changes_the_snapshot(acme):
    before = snapshot()
    ExtensionFactory(tenant=acme)
    assert snapshot() != before


def test_a_changed_row_changes_the_snapshot(acme):
    extension = ExtensionFactory(tenant=acme)
    before = snapshot()
    extension.name = "Renamed"
    extension.save(update_fields=["name"])
    assert snapshot() != before


def test_a_deleted_row_changes_the_snapshot(acme):
    extension = ExtensionFactory(tenant=acme)
    before = snapshot()
    extension.delete()
    assert snapshot() != before


def test_a_changed_api_key_changes_the_snapshot(acme_key):
    before = snapshot()
    ApiKey.objects.update(name="renamed")
    assert snapshot() != before


def test_an_api_key_marked_used_leaves_the_snapshot_unchanged(acme_key):
    before = snapshot()
    ApiKey.objects.update(last_used_at=timezone.now())
    assert snapshot() == before
