"""changelog.deferred(): a bulk write's log rows kept until the block ends, then written
together and told to the listeners once (a CSV import of 10,000 rows would otherwise pay
two round trips per object for its log and its webhooks)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from pbx import changelog
from pbx.models import ChangeLog
from tests.factories import ExtensionFactory, WebhookFactory
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db


def test_rows_recorded_inside_are_written_when_the_block_ends_in_their_order(acme):
    extensions = [ExtensionFactory(tenant=acme, number=str(n)) for n in (101, 102, 103)]
    with changelog.deferred():
        for extension in extensions:
            changelog.record(extension, changelog.CREATE)
        assert ChangeLog.objects.count() == 0
    rows = ChangeLog.objects.order_by("id")
    assert [(row.object_id, row.action, row.tenant_code) for row in rows] == [
        (extension.pk, "create", "ACME") for extension in extensions
    ]
    assert rows[0].after["number"] == "101"


def test_the_rows_are_those_record_writes_alone(acme):
    extension = ExtensionFactory(tenant=acme)
    changelog.record(extension, changelog.CREATE)
    with changelog.deferred():
        changelog.record(extension, changelog.CREATE)
    alone, deferred = ChangeLog.objects.order_by("id")
    columns = ("object_type", "object_id", "object_label", "action", "before", "after", "changed_fields")
    assert [getattr(deferred, c) for c in columns] == [getattr(alone, c) for c in columns]


def test_the_webhooks_are_read_once_for_the_whole_block(acme):
    WebhookFactory(tenant=acme, events=["extension.*"])
    extensions = [ExtensionFactory(tenant=acme, number=str(100 + n)) for n in range(20)]
    with CaptureQueriesContext(connection) as captured, changelog.deferred():
        for extension in extensions:
            changelog.record(extension, changelog.CREATE)
    reads = [q for q in captured.captured_queries if 'FROM "webhooks_webhook"' in q["sql"]]
    assert len(reads) == 1
    assert Delivery.objects.filter(event="extension.created").count() == 20


def test_a_discarded_block_writes_nothing(acme):
    WebhookFactory(tenant=acme, events=["*"])
    with changelog.deferred() as log:
        changelog.record(ExtensionFactory(tenant=acme), changelog.CREATE)
        log.discard()
        changelog.record(ExtensionFactory(tenant=acme, number="102"), changelog.CREATE)
    assert ChangeLog.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_a_block_that_raises_writes_nothing(acme):
    with pytest.raises(RuntimeError), transaction.atomic(), changelog.deferred():
        changelog.record(ExtensionFactory(tenant=acme), changelog.CREATE)
        raise RuntimeError("the import fails")
    assert ChangeLog.objects.count() == 0


def test_record_writes_at_once_again_after_the_block(acme):
    with changelog.deferred():
        pass
    changelog.record(ExtensionFactory(tenant=acme), changelog.CREATE)
    assert ChangeLog.objects.count() == 1
