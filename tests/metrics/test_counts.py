"""What the apps count: webhook deliveries by outcome and the queue's age, call records
stored by the way they came in, cron runs by task and outcome. Each is counted once its
transaction commits (`django_capture_on_commit_callbacks` runs the commit's callbacks in
these tests' transactions)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from campaigns.models import CronJob
from pbx import changelog
from tests.cdrs.test_api import CALL
from tests.cdrs.test_commands import BASE
from tests.factories import ExtensionFactory, FlowFactory, WebhookFactory
from tests.metrics.conftest import delta
from tests.switch.test_calls_ingest import START
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db


def deliver(settings, acme, url, *, max_attempts=10):
    settings.PBX_WEBHOOKS_MAX_ATTEMPTS = max_attempts
    WebhookFactory(tenant=acme, url=url, events=["extension.created"])
    changelog.record(ExtensionFactory(tenant=acme), changelog.CREATE)
    call_command("run_webhooks", "--once", stdout=io.StringIO(), stderr=io.StringIO())


def test_a_delivered_webhook_counts_as_delivered(
    scrape, settings, acme, receiver, django_capture_on_commit_callbacks
):
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        deliver(settings, acme, receiver.url)
    after = scrape()
    assert len(receiver.received) == 1
    assert delta(before, after, "pbx_webhook_deliveries_total", outcome="delivered") == 1
    assert delta(before, after, "pbx_webhook_deliveries_total", outcome="retried") == 0
    assert delta(before, after, "pbx_webhook_attempt_duration_seconds_count") == 1


def test_a_failed_attempt_with_tries_left_counts_as_retried(
    scrape, settings, acme, make_receiver, django_capture_on_commit_callbacks
):
    failing = make_receiver(statuses=(500,))
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        deliver(settings, acme, failing.url)
    after = scrape()
    assert delta(before, after, "pbx_webhook_deliveries_total", outcome="retried") == 1
    assert Delivery.objects.get().status == "pending"


def test_a_failed_last_attempt_counts_as_dead(
    scrape, settings, acme, make_receiver, django_capture_on_commit_callbacks
):
    failing = make_receiver(statuses=(500,))
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        deliver(settings, acme, failing.url, max_attempts=1)
    after = scrape()
    assert delta(before, after, "pbx_webhook_deliveries_total", outcome="dead") == 1
    assert Delivery.objects.get().status == "dead"


def test_the_queue_age_is_how_long_the_longest_due_delivery_has_waited(scrape, acme, receiver):
    WebhookFactory(tenant=acme, url=receiver.url, events=["extension.created"])
    changelog.record(ExtensionFactory(tenant=acme), changelog.CREATE)
    changelog.record(ExtensionFactory(tenant=acme), changelog.CREATE)
    first, second = Delivery.objects.order_by("pk")
    now = timezone.now()
    Delivery.objects.filter(pk=first.pk).update(next_attempt_at=now - datetime.timedelta(minutes=5))
    Delivery.objects.filter(pk=second.pk).update(next_attempt_at=now - datetime.timedelta(minutes=1))
    age = scrape().value("pbx_webhook_queue_age_seconds")
    assert 300 <= age < 330


def test_the_queue_age_leaves_out_a_disabled_webhooks_deliveries(scrape, acme, receiver):
    hook = WebhookFactory(tenant=acme, url=receiver.url, events=["extension.created"])
    changelog.record(ExtensionFactory(tenant=acme), changelog.CREATE)
    Delivery.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(hours=3))
    assert scrape().value("pbx_webhook_queue_age_seconds") >= 3 * 3600
    hook.enabled = False
    hook.save()
    assert scrape().value("pbx_webhook_queue_age_seconds") == 0


def test_the_queue_age_is_zero_when_nothing_is_due(scrape, acme, receiver):
    WebhookFactory(tenant=acme, url=receiver.url, events=["extension.created"])
    changelog.record(ExtensionFactory(tenant=acme), changelog.CREATE)
    Delivery.objects.update(next_attempt_at=timezone.now() + datetime.timedelta(minutes=10))
    assert scrape().value("pbx_webhook_queue_age_seconds") == 0


def test_cdrs_posted_to_the_api_count_as_api(scrape, api, acme_key, django_capture_on_commit_callbacks):
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        api(acme_key).post("/api/cdrs/", [CALL, {**CALL, "call_id": "second"}], format="json")
        api(acme_key).post("/api/cdrs/", [CALL], format="json")  # already stored: a duplicate
    after = scrape()
    assert delta(before, after, "pbx_cdrs_ingested_total", source="api") == 2
    assert delta(before, after, "pbx_cdrs_duplicates_total", source="api") == 1


def test_a_call_from_the_switch_counts_as_switch(
    scrape, api, switch_key, acme, django_capture_on_commit_callbacks
):
    call = {
        "call_id": "a84b4c76e66710@198.51.100.1",
        "tenant": "ACME",
        "direction": "outbound",
        "caller_number": "100",
        "destination_number": "+15551234567",
        "start": START,
        "answer": START + 5,
        "end": START + 65,
        "code": 200,
        "reason": "OK",
    }
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(switch_key).post("/api/switch/calls/", call, format="json")
    assert response.status_code == 201, response.json()
    after = scrape()
    assert delta(before, after, "pbx_cdrs_ingested_total", source="switch") == 1
    assert delta(before, after, "pbx_cdrs_ingested_total", source="api") == 0


def test_an_imported_file_counts_as_import(scrape, acme, tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "Master.csv"
    path.write_text("\n".join(BASE + f',"1773129600.{n}"' for n in range(3)) + "\n")
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "import_cdrs", "--format", "asterisk-csv", "--tenant", "ACME", str(path), stdout=io.StringIO()
        )
    after = scrape()
    assert delta(before, after, "pbx_cdrs_ingested_total", source="import") == 3


def test_a_cron_run_counts_by_task_and_outcome(scrape, acme, django_capture_on_commit_callbacks):
    flow = FlowFactory(tenant=acme, state="day")
    for name, state in (("Night", "night"), ("Again", "night")):
        CronJob.objects.create(tenant=acme, name=name, schedule="0 20 * * *", task=f"flow.{state}", flow=flow)
    CronJob.objects.update(next_run_at=timezone.now() - datetime.timedelta(minutes=1))
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_cronjobs", stdout=io.StringIO(), stderr=io.StringIO())
    after = scrape()
    assert delta(before, after, "pbx_cron_runs_total", task="flow.night", outcome="ok") == 2
    assert delta(before, after, "pbx_cron_run_duration_seconds_count", task="flow.night") == 2
    assert "Night" not in after.text and "ACME" not in after.text  # a job's name and tenant are no labels


def test_a_cron_task_that_refuses_counts_as_failed(scrape, acme, django_capture_on_commit_callbacks):
    flow = FlowFactory(tenant=acme, state="day")
    job = CronJob.objects.create(
        tenant=acme, name="Gone", schedule="0 20 * * *", task="flow.night", flow=flow
    )
    CronJob.objects.update(next_run_at=timezone.now() - datetime.timedelta(minutes=1))
    flow.delete()  # the task finds no flow to switch
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception, match="failed"):
        call_command("run_cronjobs", stdout=io.StringIO(), stderr=io.StringIO())
    after = scrape()
    assert delta(before, after, "pbx_cron_runs_total", task="flow.night", outcome="failed") == 1
    job.refresh_from_db()
    assert job.last_result == "error"
