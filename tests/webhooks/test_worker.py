"""The worker against real receivers on loopback: signed POSTs, retries with backoff,
dead deliveries, automatic disabling, redelivery and ping."""

import datetime
import hashlib
import hmac
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from pbx import changelog
from pbx.models import ChangeLog
from tests.factories import ExtensionFactory, WebhookFactory
from webhooks import delivery as sending
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db


def run_worker(*args):
    out = io.StringIO()
    call_command("run_webhooks", "--once", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def make_due():
    Delivery.objects.filter(status="pending").update(next_attempt_at=timezone.now())


def queue_extension_created(tenant, hook):
    changelog.record(ExtensionFactory(tenant=tenant), changelog.CREATE)
    return Delivery.objects.get(webhook=hook)


def test_the_signature_verifies_with_the_webhooks_secret(acme, receiver):
    hook = WebhookFactory(tenant=acme, url=receiver.url, secret="whsec_a_secret_for_the_test")
    queued = queue_extension_created(acme, hook)
    run_worker()
    [(headers, body)] = receiver.received
    expected = hmac.new(
        b"whsec_a_secret_for_the_test", headers["x-pbx-timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["x-pbx-signature"] == f"sha256={expected}"
    assert headers["x-pbx-event"] == "extension.created"
    assert headers["x-pbx-delivery"] == str(queued.pk)
    assert headers["content-type"] == "application/json"
    assert abs(int(headers["x-pbx-timestamp"]) - timezone.now().timestamp()) < 60
    assert json.loads(body)["id"] == queued.event_id


def test_a_delivered_event_records_its_attempt(acme, receiver):
    hook = WebhookFactory(tenant=acme, url=receiver.url)
    queued = queue_extension_created(acme, hook)
    run_worker()
    queued.refresh_from_db()
    assert queued.status == "delivered" and queued.tries == 1 and queued.delivered_at is not None
    [attempt] = queued.attempts.all()
    assert attempt.status_code == 200 and attempt.response_ms is not None and attempt.error == ""


def test_a_receiver_that_is_down_then_up_gets_the_event_after_retries(acme, make_receiver):
    server = make_receiver(up=False)
    hook = WebhookFactory(tenant=acme, url=server.url)
    queued = queue_extension_created(acme, hook)
    run_worker()  # down: refused
    queued.refresh_from_db()
    assert queued.status == "pending" and queued.tries == 1
    assert queued.next_attempt_at > timezone.now()  # backed off
    assert "Could not connect" in queued.attempts.get().error
    server.start()
    make_due()
    run_worker()
    queued.refresh_from_db()
    assert queued.status == "delivered" and queued.tries == 2
    assert [a.status_code for a in queued.attempts.all()] == [None, 200]
    assert server.events() == ["extension.created"]


def test_a_5xx_answer_is_retried(acme, make_receiver):
    server = make_receiver(statuses=[503, 200])
    hook = WebhookFactory(tenant=acme, url=server.url)
    queued = queue_extension_created(acme, hook)
    run_worker()
    make_due()
    run_worker()
    queued.refresh_from_db()
    assert queued.status == "delivered"
    assert [a.status_code for a in queued.attempts.all()] == [503, 200]


def test_the_backoff_grows_exponentially_with_jitter(settings):
    settings.PBX_WEBHOOKS_BACKOFF_SECONDS = 10
    settings.PBX_WEBHOOKS_BACKOFF_MAX_SECONDS = 100
    assert 10 <= sending.backoff(1) <= 12.5
    assert 40 <= sending.backoff(3) <= 50
    assert 100 <= sending.backoff(9) <= 125  # capped, then jittered


def test_a_delivery_dies_after_the_maximum_attempts(acme, make_receiver, settings):
    settings.PBX_WEBHOOKS_MAX_ATTEMPTS = 3
    server = make_receiver(statuses=[500])
    hook = WebhookFactory(tenant=acme, url=server.url)
    queued = queue_extension_created(acme, hook)
    for _ in range(3):
        run_worker()
        make_due()
    queued.refresh_from_db()
    assert queued.status == "dead" and queued.tries == 3
    assert queued.attempts.count() == 3
    run_worker()
    assert len(server.received) == 3  # a dead delivery is not sent again


def test_a_webhook_is_disabled_after_n_dead_deliveries_in_a_row(acme, make_receiver, receiver, settings):
    settings.PBX_WEBHOOKS_MAX_ATTEMPTS = 1
    settings.PBX_WEBHOOKS_DISABLE_AFTER = 2
    failing = WebhookFactory(tenant=acme, url=make_receiver(statuses=[500]).url, events=["extension.*"])
    watcher = WebhookFactory(tenant=acme, url=receiver.url, events=["webhook.*"])
    for _ in range(2):
        changelog.record(ExtensionFactory(tenant=acme), changelog.CREATE)
    run_worker()
    failing.refresh_from_db()
    assert not failing.enabled and failing.dead_in_a_row == 2
    assert "2 deliveries in a row died" in failing.disabled_reason
    log = ChangeLog.objects.get(object_type="webhook", object_id=failing.pk, action="update")
    assert log.changed_fields == ["disabled_reason", "enabled"]
    assert log.source == "command:run_webhooks"
    make_due()
    run_worker()
    assert sorted(receiver.events()) == ["webhook.disabled", "webhook.updated"]
    assert (
        Delivery.objects.get(webhook=watcher, event="webhook.disabled").payload["object"]["id"] == failing.pk
    )


def test_a_delivered_event_resets_the_count_of_dead_in_a_row(acme, receiver):
    hook = WebhookFactory(tenant=acme, url=receiver.url, dead_in_a_row=5)
    queue_extension_created(acme, hook)
    run_worker()
    hook.refresh_from_db()
    assert hook.dead_in_a_row == 0


def test_a_disabled_webhooks_pending_deliveries_wait_until_it_is_enabled(acme, receiver):
    hook = WebhookFactory(tenant=acme, url=receiver.url)
    queue_extension_created(acme, hook)
    hook.enabled = False
    hook.save()
    run_worker()
    assert receiver.received == []
    hook.enabled = True
    hook.save()
    run_worker()
    assert receiver.events() == ["extension.created"]


def test_a_refused_address_at_send_time_is_a_failed_attempt(acme, receiver, settings):
    hook = WebhookFactory(tenant=acme, url=receiver.url)
    queued = queue_extension_created(acme, hook)
    settings.PBX_WEBHOOKS_ALLOW_PRIVATE = False  # the name now points inside: DNS rebinding
    run_worker()
    queued.refresh_from_db()
    assert queued.status == "pending" and "Refused" in queued.last_error
    assert receiver.received == []


def test_a_slow_receiver_times_out(acme, make_receiver, settings):
    settings.PBX_WEBHOOKS_TIMEOUT = 1
    server = make_receiver(delay=2)
    hook = WebhookFactory(tenant=acme, url=server.url)
    queued = queue_extension_created(acme, hook)
    run_worker()
    queued.refresh_from_db()
    assert queued.status == "pending" and queued.last_error == "Timed out after 1 s."


def test_an_expired_claim_is_due_again(acme, receiver):
    """A worker that died after claiming: when the lease ends, another sends the delivery."""
    hook = WebhookFactory(tenant=acme, url=receiver.url)
    queued = queue_extension_created(acme, hook)
    _token, ids = sending.claim(10)
    assert ids == [queued.pk]
    assert sending.claim(10)[1] == []  # claimed: not due
    Delivery.objects.filter(pk=queued.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    run_worker()
    queued.refresh_from_db()
    assert queued.status == "delivered" and receiver.events() == ["extension.created"]


def test_tenant_a_events_never_reach_tenant_b_receiver(api, acme_key, acme, globex, make_receiver):
    acme_receiver, globex_receiver = make_receiver(), make_receiver()
    WebhookFactory(tenant=acme, url=acme_receiver.url, events=["*"])
    WebhookFactory(tenant=globex, url=globex_receiver.url, events=["*"])
    response = api(acme_key).post("/api/extensions/", {"number": "901", "name": "Sales"}, format="json")
    assert response.status_code == 201, response.content
    run_worker()
    assert acme_receiver.events() == ["extension.created"]
    assert json.loads(acme_receiver.received[0][1])["tenant"] == "ACME"
    assert globex_receiver.received == []


def test_a_bulk_create_rolled_back_at_its_second_object_sends_nothing(api, acme_key, acme, receiver):
    """The first extension is saved (and its event queued) before the second one's number
    clashes with it: the whole batch rolls back, its event with it."""
    WebhookFactory(tenant=acme, url=receiver.url, events=["*"])
    body = [{"number": "902", "name": "First"}, {"number": "902", "name": "Second"}]
    response = api(acme_key).post("/api/extensions/", body, format="json")
    assert response.status_code == 409, response.content
    run_worker()
    assert Delivery.objects.count() == 0 and receiver.received == []


def test_the_post_goes_to_the_address_that_was_checked_not_to_a_fresh_lookup(acme, receiver, monkeypatch):
    # A name whose first answer passes the check must not be looked up again to connect:
    # a rebinding DNS server would answer an internal address the second time. Here the
    # name exists only in the check's answer, so a second lookup could not connect at all.
    monkeypatch.setattr(
        "webhooks.addresses._resolve", lambda host, port: ["127.0.0.1"] if host == "hooks.example" else []
    )
    hook = WebhookFactory(tenant=acme, url=f"http://hooks.example:{receiver.port}/hook?source=pbx")
    queue_extension_created(acme, hook)
    run_worker()
    assert Delivery.objects.get().status == "delivered"
    [(headers, _body)] = receiver.received
    assert headers["host"] == f"hooks.example:{receiver.port}"
