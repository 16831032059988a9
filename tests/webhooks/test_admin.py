"""The admin: a webhook's URL is checked like the API's, and deliveries can be requeued."""

import pytest

from tests.factories import DeliveryFactory, UserFactory
from webhooks.models import Webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def test_the_redeliver_action_queues_dead_deliveries_again(root, acme):
    dead = DeliveryFactory(tenant=acme, status="dead", tries=10)
    response = root.post(
        "/admin/webhooks/delivery/", {"action": "redeliver", "_selected_action": [dead.pk]}, follow=True
    )
    assert response.status_code == 200
    dead.refresh_from_db()
    assert dead.status == "pending" and dead.tries == 0


def test_the_admin_refuses_a_private_address(root, acme, settings):
    settings.PBX_WEBHOOKS_ALLOW_PRIVATE = False
    response = root.post(
        "/admin/webhooks/webhook/add/",
        {"tenant": acme.pk, "url": "http://10.0.0.1/hook", "events": '["*"]', "enabled": "on"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert "public addresses" in response.content.decode()
    assert not Webhook.objects.exists()
