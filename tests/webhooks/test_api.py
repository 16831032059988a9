"""/api/webhooks/ and /api/webhook-deliveries/: the catalogue, URL checks (SSRF), secrets,
ping, redelivery, filters and who sees which deliveries."""

import time

import pytest

from pbx import changelog
from tests.api.support import assert_error
from tests.factories import DeliveryFactory, ExtensionFactory, WebhookFactory
from webhooks.models import Delivery, Webhook

pytestmark = pytest.mark.django_db


def create(client, **body):
    body = {"target_url": "http://127.0.0.1:9/hook", "events": ["extension.*"], **body}
    return client.post("/api/webhooks/", body, format="json")


def test_the_catalogue_lists_change_events_of_every_resource_and_call_completed(api, acme_key):
    response = api(acme_key).get("/api/webhooks/events/")
    assert response.status_code == 200
    names = {item["event"] for item in response.json()}
    assert {"extension.created", "extension.updated", "extension.deleted"} <= names
    assert {"did.created", "webhook.updated", "call.completed", "webhook.disabled"} <= names
    assert "callrecord.created" not in names  # CDRs are announced as call.completed


def test_a_secret_is_generated_when_not_given(api, admin_key, acme):
    response = create(api(admin_key), tenant="ACME")
    assert response.status_code == 201, response.content
    assert response.json()["secret"].startswith("whsec_")
    assert Webhook.objects.get().secret == response.json()["secret"]


def test_the_secret_is_shown_only_to_a_platform_admins_full_key(api, acme_key, acme):
    response = create(api(acme_key), secret="a-secret-of-my-own-choosing")
    assert response.status_code == 201, response.content
    assert "secret" not in response.json()
    assert Webhook.objects.get().secret == "a-secret-of-my-own-choosing"
    assert "secret" not in api(acme_key).get(response.json()["url"]).json()


def test_the_change_log_redacts_the_secret(api, acme_key, acme):
    create(api(acme_key), secret="a-secret-of-my-own-choosing")
    row = changelog.ChangeLog.objects.get(object_type="webhook")
    assert row.after["secret"] == changelog.REDACTED


def test_events_must_name_catalogue_events(api, acme_key, acme):
    response = create(api(acme_key), events=["extension.exploded"])
    assert_error(response, 400, "validation_error")
    assert "names no event" in response.json()["error"]["fields"]["events"][0]
    assert_error(create(api(acme_key), events="extension.*"), 400, "validation_error")
    assert_error(create(api(acme_key), events=[]), 400, "validation_error")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8080/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(api, acme_key, acme, settings, url):
    settings.PBX_WEBHOOKS_ALLOW_PRIVATE = False
    response = create(api(acme_key), target_url=url)
    assert_error(response, 400, "validation_error")
    assert "public addresses" in response.json()["error"]["fields"]["target_url"][0]
    assert Webhook.objects.count() == 0


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "file:///etc/passwd", "gopher://x/", "not a url"])
def test_only_http_and_https_urls_are_accepted(api, acme_key, acme, url):
    assert_error(create(api(acme_key), target_url=url), 400, "validation_error")


def test_an_unresolvable_host_answers_400_quickly(api, acme_key, acme):
    started = time.monotonic()
    response = create(api(acme_key), target_url="http://no-such-host.invalid/hook")
    assert_error(response, 400, "validation_error")
    assert "resolve" in response.json()["error"]["fields"]["target_url"][0]
    assert time.monotonic() - started < 5


def test_ping_sends_a_test_event_now(api, acme_key, acme, receiver):
    hook = WebhookFactory(tenant=acme, url=receiver.url)
    response = api(acme_key).post(f"/api/webhooks/{hook.pk}/ping/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["event"] == "webhook.ping" and body["status"] == "delivered"
    assert body["attempts"][0]["status_code"] == 200
    assert receiver.events() == ["webhook.ping"]


def test_a_failed_ping_is_reported_not_an_error(api, acme_key, acme, make_receiver):
    hook = WebhookFactory(tenant=acme, url=make_receiver(up=False).url)
    response = api(acme_key).post(f"/api/webhooks/{hook.pk}/ping/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "dead" and "Could not connect" in body["attempts"][0]["error"]
    hook.refresh_from_db()
    assert hook.dead_in_a_row == 0  # a ping does not count towards disabling


def test_a_ping_to_a_refused_address_is_a_failed_attempt(api, acme_key, acme, settings):
    hook = WebhookFactory(tenant=acme, url="http://127.0.0.1:9/hook")
    settings.PBX_WEBHOOKS_ALLOW_PRIVATE = False
    response = api(acme_key).post(f"/api/webhooks/{hook.pk}/ping/")
    assert response.status_code == 200
    assert response.json()["last_error"].startswith("Refused")


def test_redeliver_queues_a_dead_delivery_again(api, acme_key, acme):
    dead = DeliveryFactory(tenant=acme, status="dead", tries=10)
    response = api(acme_key).post(f"/api/webhook-deliveries/{dead.pk}/redeliver/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending" and response.json()["tries"] == 0


def test_reenabling_a_disabled_webhook_starts_its_count_again(api, acme_key, acme):
    hook = WebhookFactory(tenant=acme, enabled=False, dead_in_a_row=20, disabled_reason="20 died.")
    response = api(acme_key).patch(f"/api/webhooks/{hook.pk}/", {"enabled": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["enabled"] and response.json()["dead_in_a_row"] == 0
    assert response.json()["disabled_reason"] == ""


def test_deliveries_list_their_attempts_and_filter_by_webhook_event_and_status(api, acme_key, acme):
    hook = WebhookFactory(tenant=acme, events=["*"])
    other = WebhookFactory(tenant=acme, events=["*.deleted"])
    extension = ExtensionFactory(tenant=acme)
    changelog.record(extension, changelog.CREATE)
    changelog.record(extension, changelog.DELETE, changelog.snapshot(extension))
    client = api(acme_key)
    assert client.get(f"/api/webhook-deliveries/?webhook={hook.pk}").json()["count"] == 2
    assert client.get(f"/api/webhook-deliveries/?webhook={other.pk}").json()["count"] == 1
    listed = client.get("/api/webhook-deliveries/?event=extension.created&status=pending").json()
    assert listed["count"] == 1 and listed["results"][0]["attempts"] == []
    assert client.get("/api/webhook-deliveries/?status=delivered").json()["count"] == 0
    assert client.get("/api/webhook-deliveries/?created_at__gte=2000-01-01T00:00:00Z").json()["count"] == 3


def test_a_global_webhooks_deliveries_are_not_shown_to_a_tenant(api, acme_key, admin_key, acme):
    WebhookFactory(tenant=None, events=["*"])
    changelog.record(ExtensionFactory(tenant=acme), changelog.CREATE)
    assert Delivery.objects.count() == 1
    assert api(acme_key).get("/api/webhook-deliveries/").json()["count"] == 0
    assert api(admin_key).get("/api/webhook-deliveries/").json()["count"] == 1


def test_a_tenant_cannot_create_a_global_webhook(api, acme_key, acme):
    response = api(acme_key).post(
        "/api/webhooks/?global=yes", {"target_url": "http://127.0.0.1:9/", "events": ["*"]}, format="json"
    )
    assert_error(response, 403, "permission_denied")


def test_deliveries_cannot_be_created_changed_or_deleted(api, admin_key, acme):
    mine = DeliveryFactory(tenant=acme)
    client = api(admin_key)
    assert client.post("/api/webhook-deliveries/", {}, format="json").status_code == 405
    assert client.patch(f"/api/webhook-deliveries/{mine.pk}/", {}, format="json").status_code == 405
    assert client.delete(f"/api/webhook-deliveries/{mine.pk}/").status_code == 405


def test_a_tenant_does_not_see_global_webhooks(api, acme_key, admin_key, acme):
    hidden = WebhookFactory(tenant=None, events=["*"])
    assert api(acme_key).get("/api/webhooks/").json()["count"] == 0
    assert api(acme_key).get(f"/api/webhooks/{hidden.pk}/").status_code == 404
    assert api(admin_key).get("/api/webhooks/?global=yes").json()["count"] == 1
