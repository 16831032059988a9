"""manage.py purge_webhook_deliveries: old finished deliveries go, pending ones stay."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.factories import DeliveryFactory
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db


def test_it_deletes_old_delivered_and_dead_deliveries_and_keeps_pending_and_recent_ones(acme):
    old = timezone.now() - datetime.timedelta(days=40)
    delivered, dead, pending = (
        DeliveryFactory(tenant=acme, status=s) for s in ("delivered", "dead", "pending")
    )
    Delivery.objects.update(created_at=old)
    recent = DeliveryFactory(tenant=acme, status="delivered")
    out = io.StringIO()
    call_command("purge_webhook_deliveries", "--older-than", "30d", stdout=out, stderr=io.StringIO())
    assert "Deleted 2 " in out.getvalue()
    assert set(Delivery.objects.values_list("pk", flat=True)) == {pending.pk, recent.pk}
    assert not Delivery.objects.filter(pk__in=[delivered.pk, dead.pk]).exists()
