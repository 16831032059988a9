"""Cron jobs at work: their schedules (croniter), their tasks, and the runner that
`manage.py run_cronjobs` and `{"run": "yes"}` call.

Exactly once: a due job is claimed inside a transaction by `SELECT ... FOR UPDATE SKIP
LOCKED` (PostgreSQL: a second runner passes over the locked row instead of waiting for
it) and then by a conditional UPDATE of its `next_run_at` that only matches the value
the claimer read. Whichever runner's UPDATE matches runs the job; the other finds no
row (on PostgreSQL it waits for the first to commit and re-reads; on SQLite the write
lock taken at BEGIN IMMEDIATE serializes the runners). The job's next run is moved
forward in the same transaction as its task's changes, so a crash runs it again rather
than never.
"""

import datetime
import time
import zoneinfo

from croniter import CroniterBadCronError, CroniterBadDateError, CroniterNotAlphaError, croniter
from django.db import transaction
from django.utils import timezone

from pbx import changelog, metrics

CRON_ERRORS = (CroniterBadCronError, CroniterBadDateError, CroniterNotAlphaError, ValueError, KeyError)


def check_schedule(expression):
    """Raise ValueError with a clear message unless `expression` is a 5-field cron
    expression (minute hour day-of-month month day-of-week)."""
    text = (expression or "").strip()
    if len(text.split()) != 5:
        raise ValueError(
            f"{expression!r} is not a cron expression: give 5 fields, minute hour day-of-month "
            "month day-of-week, such as 0 8 * * 1-5."
        )
    try:
        croniter(text)
    except CRON_ERRORS as error:
        raise ValueError(f"{expression!r} is not a valid cron expression: {error}.") from None
    try:  # valid, yet maybe never due: 0 0 31 2 * (the 31st of February)
        croniter(text, datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)).get_next(datetime.datetime)
    except CRON_ERRORS:
        raise ValueError(f"{expression!r} never comes: no such date (such as 31 February).") from None


def next_run(expression, time_zone, after):
    """The first moment strictly after `after` that the schedule names, read in
    `time_zone` (so `0 8 * * *` is 08:00 local, summer and winter), returned in UTC."""
    check_schedule(expression)
    local = after.astimezone(zoneinfo.ZoneInfo(time_zone))
    moment = croniter(expression.strip(), local).get_next(datetime.datetime)
    return moment.astimezone(datetime.UTC)


class TaskFailed(Exception):
    """A task could not do its work; the message says why, in one line."""


def _move_campaign(job, state):
    from campaigns.models import Campaign

    campaign = Campaign.objects.select_for_update().filter(pk=job.campaign_id).first()
    if campaign is None:
        raise TaskFailed("The job's campaign no longer exists.")
    allowed = ", ".join(campaign.allowed_states()) or "none"
    if campaign.state == state:
        # Staying put is no move of the state machine: a job that finishes a finished
        # campaign points at the wrong campaign or runs at the wrong time.
        raise TaskFailed(f"Campaign {campaign} is already {state} (allowed: {allowed}).")
    if state not in campaign.allowed_states():
        raise TaskFailed(
            f"Campaign {campaign} cannot move from {campaign.state} to {state} (allowed: {allowed})."
        )
    if state == Campaign.State.RUNNING and campaign.trunk_id is None:
        raise TaskFailed(f"Campaign {campaign} has no trunk: it cannot run.")
    before = changelog.snapshot(campaign)
    campaign.state, campaign.state_changed_at = state, timezone.now()
    campaign.save(update_fields=["state", "state_changed_at", "updated_at"])
    changelog.record(campaign, changelog.UPDATE, before)
    return f"Campaign {campaign} is now {state}."


def _switch_flow(job, state):
    from routing.models import Flow

    flow = Flow.objects.select_for_update().filter(pk=job.flow_id).first()
    if flow is None:
        raise TaskFailed("The job's flow no longer exists.")
    if flow.state == state:
        return f"Flow {flow} is already {state}."
    before = changelog.snapshot(flow)
    flow.state, flow.state_changed_at = state, timezone.now()
    flow.save(update_fields=["state", "state_changed_at", "updated_at"])
    changelog.record(flow, changelog.UPDATE, before)
    return f"Flow {flow} is now {state}."


def _purge_changes(job):
    from pbx.models import ChangeLog

    cutoff = timezone.now() - datetime.timedelta(days=job.keep_days)
    deleted = ChangeLog.objects.filter(time__lt=cutoff).delete()[0]
    return f"Deleted {deleted} change log rows older than {job.keep_days} days."


TASKS = {
    "campaign.start": lambda job: _move_campaign(job, "running"),
    "campaign.pause": lambda job: _move_campaign(job, "paused"),
    "campaign.finish": lambda job: _move_campaign(job, "finished"),
    "flow.day": lambda job: _switch_flow(job, "day"),
    "flow.night": lambda job: _switch_flow(job, "night"),
    "changes.purge": _purge_changes,
}


def execute(job):
    """Run the job's task now, in the caller's transaction (a savepoint, so that a
    failing task leaves nothing half done). Records the result on the job; returns
    (ok, message)."""
    from campaigns.models import CronJob

    clock = time.perf_counter()
    try:
        with transaction.atomic():
            message = TASKS[job.task](job)
        ok = True
    except TaskFailed as error:
        ok, message = False, str(error)
    except Exception:
        metrics.cron_run(job.task, "error", time.perf_counter() - clock)
        raise
    metrics.cron_run(job.task, "ok" if ok else "failed", time.perf_counter() - clock)
    job.last_run_at = timezone.now()
    job.last_result = CronJob.Result.OK if ok else CronJob.Result.ERROR
    job.last_message = message[:255]
    job.run_count += 1
    CronJob.objects.filter(pk=job.pk).update(
        last_run_at=job.last_run_at,
        last_result=job.last_result,
        last_message=job.last_message,
        run_count=job.run_count,
    )
    return ok, message


def due_jobs(now=None):
    """Ids of the enabled jobs whose next run has come, oldest first."""
    from campaigns.models import CronJob

    now = now or timezone.now()
    return list(
        CronJob.objects.filter(enabled=True, next_run_at__lte=now)
        .order_by("next_run_at", "pk")
        .values_list("pk", flat=True)
    )


def claim_and_run(pk, now=None):
    """Run job `pk` if it is still due and no other runner has it: (job, ok, message),
    or None when it was not ours to run."""
    from campaigns.models import CronJob

    now = now or timezone.now()
    with transaction.atomic():
        job = (
            CronJob.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=pk, enabled=True, next_run_at__lte=now)
            .select_related("tenant")
            .first()
        )
        if job is None:
            return None  # run, disabled or locked by another runner meanwhile
        following = next_run(job.schedule, job.time_zone, now)
        claimed = CronJob.objects.filter(pk=pk, next_run_at=job.next_run_at).update(next_run_at=following)
        if not claimed:
            return None
        job.next_run_at = following
        with changelog.change_context(source=f"cron:{job.name}"[:100]):
            ok, message = execute(job)
        return job, ok, message
