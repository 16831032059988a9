"""Events enter the outbox in the transaction of their change or CDR, only for the
webhooks that want them, and never cross tenants."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pbx import changelog
from tests.factories import CallRecordFactory, ExtensionFactory, TenantFactory, WebhookFactory
from webhooks import outbox
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db


def test_creating_an_extension_through_the_api_queues_extension_created(api, acme_key, acme):
    hook = WebhookFactory(tenant=acme, events=["extension.*"])
    response = api(acme_key).post("/api/extensions/", {"number": "900", "name": "Reception"}, format="json")
    assert response.status_code == 201, response.content
    delivery = Delivery.objects.get(webhook=hook)
    assert delivery.event == "extension.created"
    assert delivery.tenant_id == acme.pk
    body = delivery.payload
    assert body["event"] == "extension.created" and body["tenant"] == "ACME"
    assert body["object"]["type"] == "extension" and body["object"]["id"] == response.json()["id"]
    assert body["data"]["number"] == "900"
    assert body["data"]["password"] in ("", changelog.REDACTED)  # secrets stay redacted
    assert body["source"] == "api"


def test_a_rolled_back_change_queues_nothing(acme):
    WebhookFactory(tenant=acme, events=["*"])
    with pytest.raises(RuntimeError), transaction.atomic():
        extension = ExtensionFactory(tenant=acme)
        changelog.record(extension, changelog.CREATE)
        assert Delivery.objects.count() == 1  # written with the change ...
        raise RuntimeError("the change fails")
    assert Delivery.objects.count() == 0  # ... and gone with it


def test_tenant_a_events_never_reach_tenant_b_webhook(acme, globex):
    theirs = WebhookFactory(tenant=globex, events=["*"])
    mine = WebhookFactory(tenant=acme, events=["*"])
    changelog.record(ExtensionFactory(tenant=acme), changelog.CREATE)
    assert list(Delivery.objects.values_list("webhook_id", flat=True)) == [mine.pk]
    assert not Delivery.objects.filter(webhook=theirs).exists()


def test_a_global_webhook_receives_every_tenants_events(acme, globex):
    everyone = WebhookFactory(tenant=None, events=["extension.created"])
    changelog.record(ExtensionFactory(tenant=acme), changelog.CREATE)
    changelog.record(ExtensionFactory(tenant=globex), changelog.CREATE)
    assert sorted(Delivery.objects.filter(webhook=everyone).values_list("payload__tenant", flat=True)) == [
        "ACME",
        "GLOBEX",
    ]
    assert Delivery.objects.filter(webhook=everyone, tenant__isnull=True).count() == 2


def test_a_webhook_hears_only_the_events_its_patterns_name(acme):
    WebhookFactory(tenant=acme, events=["*.deleted"])
    extension = ExtensionFactory(tenant=acme)
    changelog.record(extension, changelog.CREATE)
    before = changelog.snapshot(extension)
    changelog.record(extension, changelog.DELETE, before)
    assert list(Delivery.objects.values_list("event", flat=True)) == ["extension.deleted"]
    assert Delivery.objects.get().payload["data"]["number"] == extension.number  # the `before`


def test_a_disabled_webhook_gets_no_deliveries(acme):
    WebhookFactory(tenant=acme, events=["*"], enabled=False)
    changelog.record(ExtensionFactory(tenant=acme), changelog.CREATE)
    assert Delivery.objects.count() == 0


def test_record_many_queues_one_delivery_per_object(acme):
    WebhookFactory(tenant=acme, events=["extension.created"])
    extensions = ExtensionFactory.create_batch(5, tenant=acme)
    changelog.record_many(extensions, changelog.CREATE)
    assert Delivery.objects.count() == 5
    assert len(set(Delivery.objects.values_list("event_id", flat=True))) == 5


# --- call.completed -----------------------------------------------------------------------


def _calls(tenant, count):
    start = timezone.now() - datetime.timedelta(minutes=5)
    return [CallRecordFactory(tenant=tenant, start=start) for _ in range(count)]


def test_calls_completed_queues_each_call_for_its_tenants_and_the_global_webhooks(acme, globex):
    acme_hook = WebhookFactory(tenant=acme, events=["call.completed"])
    globex_hook = WebhookFactory(tenant=globex, events=["call.*"])
    global_hook = WebhookFactory(tenant=None, events=["*"])
    WebhookFactory(tenant=acme, events=["extension.*"])  # wants no calls
    calls = _calls(acme, 3) + _calls(globex, 2)
    Delivery.objects.all().delete()
    queued = outbox.calls_completed([c.pk for c in calls])
    assert queued == 3 + 2 + 5
    assert Delivery.objects.filter(webhook=acme_hook).count() == 3
    assert Delivery.objects.filter(webhook=globex_hook).count() == 2
    assert Delivery.objects.filter(webhook=global_hook).count() == 5
    one = Delivery.objects.get(webhook=acme_hook, event_id=f"call-{calls[0].pk}")
    assert one.event == "call.completed" and one.status == "pending" and one.tenant_id == acme.pk
    body = one.payload
    assert body["event"] == "call.completed" and body["tenant"] == "ACME"
    assert body["data"]["call_id"] == calls[0].call_id
    assert body["data"]["start"].startswith(calls[0].start.strftime("%Y-%m-%dT%H:%M:%S"))
    assert body["data"]["duration"] == calls[0].duration


def test_calls_completed_is_a_constant_number_of_queries(acme):
    WebhookFactory(tenant=acme, events=["call.completed"])
    WebhookFactory(tenant=None, events=["call.completed"])
    ids = [c.pk for c in _calls(acme, 20)]
    with CaptureQueriesContext(connection) as queries:
        assert outbox.calls_completed(ids) == 40
    assert len(queries) == 2  # the enabled webhooks, then one INSERT ... SELECT


def test_calls_completed_without_a_wanting_webhook_costs_one_query_and_writes_nothing(acme):
    WebhookFactory(tenant=acme, events=["extension.*"])
    ids = [c.pk for c in _calls(acme, 3)]
    with CaptureQueriesContext(connection) as queries:
        assert outbox.calls_completed(ids) == 0
    assert len(queries) == 1
    assert Delivery.objects.count() == 0


def test_calls_posted_to_the_api_queue_call_completed_once_each(api, acme_key, acme):
    hook = WebhookFactory(tenant=acme, events=["call.completed"])
    calls = [_call_json(n) for n in range(3)]
    assert api(acme_key).post("/api/cdrs/", calls, format="json").json()["stored"] == 3
    api(acme_key).post("/api/cdrs/", calls, format="json")  # duplicates: skipped, not announced
    queued = Delivery.objects.filter(webhook=hook, event="call.completed")
    assert sorted(d.payload["data"]["call_id"] for d in queued) == ["api-call-0", "api-call-1", "api-call-2"]


def test_a_call_from_asterisk_master_csv_queues_call_completed(api, acme_key, acme):
    WebhookFactory(tenant=acme, events=["call.*"])
    line = (
        '"","1001","+441234567890","from-internal","Alice <1001>","PJSIP/1001-01","","Dial","",'
        '"2026-03-10 09:00:00","2026-03-10 09:00:05","2026-03-10 09:01:05","65","60","ANSWERED",'
        '"DOCUMENTATION","1773129600.1"\n'
    )
    assert api(acme_key).post("/api/cdrs/asterisk/", line, content_type="text/csv").json()["stored"] == 1
    assert Delivery.objects.get().payload["data"]["call_id"] == "1773129600.1"


def test_an_ingest_rolled_back_queues_no_call_completed(acme):
    from cdrs import formats, ingest

    WebhookFactory(tenant=acme, events=["call.completed"])
    record = formats.read_json_record(_call_json(0))
    with pytest.raises(RuntimeError), transaction.atomic():
        ingest.store([ingest.resolve(record, acme, ingest.TenantDirectory())])
        assert Delivery.objects.count() == 1  # queued with the call, in its transaction
        raise RuntimeError("the caller's transaction fails after the store")
    assert Delivery.objects.count() == 0


def _call_json(n):
    return {
        "call_id": f"api-call-{n}",
        "caller_number": "+390212345678",
        "destination_number": "1001",
        "start": "2026-03-10T08:00:00Z",
        "duration": 5,
        "disposition": "NO ANSWER",
    }


def test_calls_completed_of_another_tenants_calls_never_reach_a_tenant_webhook(acme):
    other = TenantFactory(code="OTHER")
    WebhookFactory(tenant=acme, events=["call.completed"])
    assert outbox.calls_completed([c.pk for c in _calls(other, 2)]) == 0


def test_a_deleted_event_names_no_changed_field(api, acme_key, acme):
    hook = WebhookFactory(tenant=acme, events=["extension.deleted"])
    extension = ExtensionFactory(tenant=acme)
    assert api(acme_key).delete(f"/api/extensions/{extension.pk}/").status_code == 204
    body = Delivery.objects.get(webhook=hook).payload
    assert body["changed_fields"] == []
    assert body["data"]["number"] == extension.number  # the object as it was


def test_the_actor_names_the_api_key_so_an_admins_tenant_keys_are_told_apart(api, acme, acme_admin):
    from tests.factories import ApiKeyFactory

    crm = ApiKeyFactory(owner=acme_admin, tenant=acme, name="CRM sync")
    portal = ApiKeyFactory(owner=acme_admin, tenant=acme, name="Customer portal")
    hook = WebhookFactory(tenant=acme, events=["extension.created"])
    for key, number in ((crm, "901"), (portal, "902")):
        response = api(key).post("/api/extensions/", {"number": number}, format="json")
        assert response.status_code == 201, response.content
    actors = [d.payload["actor"] for d in Delivery.objects.filter(webhook=hook).order_by("id")]
    assert actors == [
        {"username": "acme-admin", "api_key_prefix": crm.prefix, "api_key_name": "CRM sync"},
        {"username": "acme-admin", "api_key_prefix": portal.prefix, "api_key_name": "Customer portal"},
    ]


def test_a_change_nobody_made_through_a_key_has_no_key_in_its_actor(acme):
    hook = WebhookFactory(tenant=acme, events=["*"])
    changelog.record(ExtensionFactory(tenant=acme), changelog.CREATE)
    assert Delivery.objects.get(webhook=hook).payload["actor"] is None


def test_the_change_log_keeps_the_keys_name(api, acme_key):
    api(acme_key).post("/api/extensions/", {"number": "903"}, format="json")
    row = api(acme_key).get("/api/changes/?object_type=extension").json()["results"][0]
    assert (row["api_key_prefix"], row["api_key_name"]) == (acme_key.prefix, "acme tenant key")
