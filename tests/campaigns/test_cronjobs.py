"""Cron jobs: a validated cron schedule, a next run computed and stored, tasks that act
only within the job's tenant, `{"run": "yes"}` running one now, and `run_cronjobs`
running what is due exactly once."""

import datetime
import io
import zoneinfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from campaigns.models import Campaign, CronJob
from pbx.models import ChangeLog
from tests.api.support import assert_error
from tests.factories import CampaignFactory, ChangeLogFactory, CronJobFactory, FlowFactory, TrunkFactory


def run_cronjobs():
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("run_cronjobs", stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue() + str(error)
    return out.getvalue(), err.getvalue()


def make_due(job):
    CronJob.objects.filter(pk=job.pk).update(next_run_at=timezone.now() - datetime.timedelta(minutes=1))


@pytest.fixture
def running_campaign(acme):
    trunk = TrunkFactory()
    trunk.tenants.add(acme)
    return CampaignFactory(tenant=acme, trunk=trunk, state="running")


# --- through the API ----------------------------------------------------------------------


def test_a_cron_job_gets_its_next_run_from_its_schedule_in_its_time_zone(api, acme_key, running_campaign):
    response = api(acme_key).post(
        "/api/cron-jobs/",
        {
            "name": "Evening pause",
            "schedule": "0 18 * * *",
            "time_zone": "Europe/Rome",
            "task": "campaign.pause",
            "campaign": running_campaign.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    job = CronJob.objects.get()
    local = job.next_run_at.astimezone(zoneinfo.ZoneInfo("Europe/Rome"))
    assert (local.hour, local.minute) == (18, 0)
    assert timezone.now() < job.next_run_at <= timezone.now() + datetime.timedelta(days=1)
    assert response.json()["next_run_at"] is not None


def test_changing_the_schedule_recomputes_the_next_run(api, acme_key, acme):
    job = CronJobFactory(tenant=acme, schedule="0 18 * * *")
    response = api(acme_key).patch(f"/api/cron-jobs/{job.pk}/", {"schedule": "30 6 * * *"}, format="json")
    assert response.status_code == 200, response.json()
    job.refresh_from_db()
    assert (job.next_run_at.hour, job.next_run_at.minute) == (6, 30)


def test_a_disabled_job_has_no_next_run(api, acme_key, acme):
    job = CronJobFactory(tenant=acme)
    api(acme_key).patch(f"/api/cron-jobs/{job.pk}/", {"enabled": False}, format="json")
    job.refresh_from_db()
    assert job.next_run_at is None


@pytest.mark.parametrize(
    "schedule", ["every day", "61 * * * *", "* * *", "0 8 * * mon-xyz", "*/0 * * * *", "0 0 31 2 *", ""]
)
def test_a_bad_cron_expression_is_400_with_a_clear_message(api, acme_key, acme, schedule):
    campaign = CampaignFactory(tenant=acme)
    body = {"name": "Bad", "schedule": schedule, "task": "campaign.start", "campaign": campaign.pk}
    response = api(acme_key).post("/api/cron-jobs/", body, format="json")
    assert_error(response, 400, "validation_error")
    message = response.json()["error"]["fields"]["schedule"][0]
    assert "cron" in message or "never comes" in message or "blank" in message
    assert not CronJob.objects.exists()


def test_a_cron_job_cannot_target_another_tenants_campaign(api, acme_key, globex):
    theirs = CampaignFactory(tenant=globex)
    body = {"name": "Grab", "schedule": "0 8 * * *", "task": "campaign.start", "campaign": theirs.pk}
    response = api(acme_key).post("/api/cron-jobs/", body, format="json")
    assert_error(response, 400, "validation_error")
    assert response.json()["error"]["fields"]["campaign"] == [f"No campaign {theirs.pk} in this tenant."]


def test_a_cron_job_cannot_target_another_tenants_flow(api, acme_key, globex):
    theirs = FlowFactory(tenant=globex)
    body = {"name": "Grab", "schedule": "0 8 * * *", "task": "flow.night", "flow": theirs.pk}
    response = api(acme_key).post("/api/cron-jobs/", body, format="json")
    assert_error(response, 400, "validation_error")
    assert response.json()["error"]["fields"]["flow"] == [f"No flow {theirs.pk} in this tenant."]


def test_a_task_needs_its_target(api, acme_key):
    body = {"name": "Nothing", "schedule": "0 8 * * *", "task": "campaign.start"}
    response = api(acme_key).post("/api/cron-jobs/", body, format="json")
    assert_error(response, 400, "validation_error")
    assert "campaign" in response.json()["error"]["fields"]


def test_the_purge_task_is_for_global_jobs_only(api, acme_key, admin_key):
    body = {"name": "Purge", "schedule": "0 3 * * *", "task": "changes.purge", "keep_days": 30}
    tenant = api(acme_key).post("/api/cron-jobs/", body, format="json")
    assert_error(tenant, 400, "validation_error")
    assert "task" in tenant.json()["error"]["fields"]
    platform = api(admin_key).post("/api/cron-jobs/?global=yes", body, format="json")
    assert platform.status_code == 201, platform.json()
    assert platform.json()["tenant"] is None


def test_a_tenant_key_cannot_write_global_cron_jobs(api, acme_key):
    body = {"name": "Purge", "schedule": "0 3 * * *", "task": "changes.purge"}
    assert_error(
        api(acme_key).post("/api/cron-jobs/?global=yes", body, format="json"), 403, "permission_denied"
    )


def test_the_seed_001_run_example_runs_the_job_now(api, acme_key, acme, running_campaign):
    job = CronJobFactory(tenant=acme, campaign=running_campaign, task="campaign.pause")
    response = api(acme_key).patch(f"/api/cron-jobs/{job.pk}/?tenant=ACME", {"run": "yes"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["last_result"], body["run_count"]) == ("ok", 1)
    assert body["last_message"] == f"Campaign {running_campaign} is now paused."
    running_campaign.refresh_from_db()
    assert running_campaign.state == "paused"


def test_the_seed_cr_run_alias_runs_it_too(api, acme_key, acme):
    flow = FlowFactory(tenant=acme, state="day")
    job = CronJobFactory(tenant=acme, task="flow.night", campaign=None, flow=flow)
    response = api(acme_key).patch(f"/api/cron-jobs/{job.pk}/", {"cr_run": "yes"}, format="json")
    assert response.status_code == 200, response.json()
    flow.refresh_from_db()
    assert flow.state == "night"


def test_run_no_does_not_run(api, acme_key, acme, running_campaign):
    job = CronJobFactory(tenant=acme, campaign=running_campaign)
    api(acme_key).patch(f"/api/cron-jobs/{job.pk}/", {"run": "no"}, format="json")
    running_campaign.refresh_from_db()
    assert running_campaign.state == "running"


def test_a_failing_run_is_recorded_not_raised(api, acme_key, acme):
    finished = CampaignFactory(tenant=acme, state="finished")
    job = CronJobFactory(tenant=acme, campaign=finished, task="campaign.start")
    body = api(acme_key).patch(f"/api/cron-jobs/{job.pk}/", {"run": "yes"}, format="json").json()
    assert body["last_result"] == "error"
    assert "cannot move from finished to running" in body["last_message"]


def test_the_seed_cron_job_names_are_taken(api, acme_key, acme, running_campaign):
    body = {
        "cr_name": "Pause",
        "cron": "0 18 * * *",
        "task": "campaign.pause",
        "campaign_id": running_campaign.pk,
    }
    response = api(acme_key).post("/api/cron-jobs/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "Pause"


# --- the runner ---------------------------------------------------------------------------


def test_a_due_job_runs_once(acme, running_campaign):
    job = CronJobFactory(tenant=acme, campaign=running_campaign, task="campaign.pause")
    make_due(job)
    out, _err = run_cronjobs()
    assert "1 ok, 0 failed" in out
    job.refresh_from_db()
    assert job.run_count == 1 and job.last_result == "ok"
    assert job.next_run_at > timezone.now()
    running_campaign.refresh_from_db()
    assert running_campaign.state == "paused"
    out, _err = run_cronjobs()
    assert "No cron job is due." in out
    job.refresh_from_db()
    assert job.run_count == 1


def test_a_job_not_yet_due_does_not_run(acme, running_campaign):
    job = CronJobFactory(tenant=acme, campaign=running_campaign)
    out, _err = run_cronjobs()
    assert "No cron job is due." in out
    job.refresh_from_db()
    assert job.run_count == 0


def test_a_disabled_job_does_not_run_even_when_it_was_due(acme, running_campaign):
    job = CronJobFactory(tenant=acme, campaign=running_campaign)
    make_due(job)
    CronJob.objects.filter(pk=job.pk).update(enabled=False)
    run_cronjobs()
    job.refresh_from_db()
    assert job.run_count == 0
    running_campaign.refresh_from_db()
    assert running_campaign.state == "running"


def test_a_failed_job_is_one_line_and_a_nonzero_exit(acme):
    draft = CampaignFactory(tenant=acme)  # no trunk: it cannot run
    job = CronJobFactory(tenant=acme, campaign=draft, task="campaign.start")
    make_due(job)
    _out, err = run_cronjobs()
    assert "has no trunk" in err and "[failed]" in err
    assert "1 cron job(s) failed" in err
    assert "Traceback" not in err
    job.refresh_from_db()
    assert (job.last_result, job.run_count) == ("error", 1)
    assert job.next_run_at > timezone.now()  # not retried every minute


def test_the_runner_logs_the_change_it_made(acme, running_campaign):
    job = CronJobFactory(tenant=acme, campaign=running_campaign, task="campaign.finish")
    make_due(job)
    run_cronjobs()
    entry = ChangeLog.objects.get(object_type="campaign", action="update")
    assert entry.changed_fields == ["state", "state_changed_at"]
    assert entry.source == f"cron:{job.name}"


def test_the_global_purge_job_trims_the_change_log(db):
    old = ChangeLogFactory()
    ChangeLog.objects.filter(pk=old.pk).update(time=timezone.now() - datetime.timedelta(days=40))
    recent = ChangeLogFactory()
    job = CronJobFactory(tenant=None, task="changes.purge", keep_days=30)
    make_due(job)
    run_cronjobs()
    assert list(ChangeLog.objects.filter(pk__in=[old.pk, recent.pk]).values_list("pk", flat=True)) == [
        recent.pk
    ]


def test_the_flow_jobs_switch_a_flow(acme):
    flow = FlowFactory(tenant=acme, state="night")
    job = CronJobFactory(tenant=acme, task="flow.day", campaign=None, flow=flow)
    make_due(job)
    run_cronjobs()
    flow.refresh_from_db()
    assert flow.state == "day"


def test_deleting_a_campaign_that_a_job_runs_is_409_in_use(api, acme_key, acme):
    campaign = CampaignFactory(tenant=acme)
    CronJobFactory(tenant=acme, campaign=campaign)
    response = api(acme_key).delete(f"/api/campaigns/{campaign.pk}/")
    assert_error(response, 409, "in_use")
    assert Campaign.objects.filter(pk=campaign.pk).exists()


@pytest.mark.parametrize(
    ("state", "task"),
    [("finished", "campaign.finish"), ("running", "campaign.start"), ("paused", "campaign.pause")],
)
def test_a_job_moving_a_campaign_to_its_own_state_is_an_error(acme, state, task):
    trunk = TrunkFactory()
    trunk.tenants.add(acme)
    campaign = CampaignFactory(tenant=acme, trunk=trunk, state=state)
    job = CronJobFactory(tenant=acme, campaign=campaign, task=task)
    make_due(job)
    _out, err = run_cronjobs()
    job.refresh_from_db()
    assert (job.last_result, job.run_count) == ("error", 1)
    assert f"is already {state}" in job.last_message
    assert "[failed]" in err
    assert not ChangeLog.objects.filter(object_type="campaign").exists()


def test_a_flow_job_on_a_flow_already_in_that_state_is_ok(acme):
    flow = FlowFactory(tenant=acme, state="day")
    job = CronJobFactory(tenant=acme, task="flow.day", campaign=None, flow=flow)
    make_due(job)
    run_cronjobs()
    job.refresh_from_db()
    assert (job.last_result, job.last_message) == ("ok", f"Flow {flow} is already day.")
