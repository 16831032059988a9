"""Outbound calling campaigns: the campaign (its trunk, caller ID, calling window and
retry policy), the numbers it calls, the tenant's do-not-call list, and cron jobs, the
scheduled tasks that start, pause and finish campaigns or switch flows."""

import contextlib
import datetime
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from pbx.models import GlobalOrTenantModel, TenantOwnedModel, unique_in_tenant_and_globally
from routing.models import normalize_e164
from routing.models.inbound import e164_validator
from routing.models.schedules import time_zone_validator
from routing.models.services import dialed_number_validator

MAX_CONCURRENT_CALLS = 500


class Campaign(TenantOwnedModel):
    """An outbound calling campaign: it dials its numbers over `trunk` with its caller ID,
    at most `concurrent_calls` at a time, inside the daily calling window (read in
    `time_zone`), trying each number up to `max_attempts` times `retry_minutes` apart.
    An answered call goes to the `CAMPAIGN-ONCONNECT` slot. It moves through its states
    only by `TRANSITIONS`."""

    class State(models.TextChoices):
        DRAFT = "draft"
        RUNNING = "running"
        PAUSED = "paused"
        FINISHED = "finished"

    # The legal moves; a finished campaign is over (copy it to call again).
    TRANSITIONS = {
        State.DRAFT: (State.RUNNING, State.FINISHED),
        State.RUNNING: (State.PAUSED, State.FINISHED),
        State.PAUSED: (State.RUNNING, State.FINISHED),
        State.FINISHED: (),
    }

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.DRAFT)
    state_changed_at = models.DateTimeField(default=timezone.now)
    trunk = models.ForeignKey(
        "routing.Trunk",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="campaigns",
        help_text="A trunk assigned to the tenant; needed before the campaign runs.",
    )
    caller_id_name = models.CharField(max_length=64, blank=True)
    caller_id_number = models.CharField(max_length=33, blank=True, validators=[dialed_number_validator])
    concurrent_calls = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_CONCURRENT_CALLS)]
    )
    window_start = models.TimeField(default=datetime.time(9, 0), help_text="Calls start at (local time).")
    window_end = models.TimeField(
        default=datetime.time(18, 0), help_text="Calls stop at (local time); before start for overnight."
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[time_zone_validator])
    max_attempts = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    retry_minutes = models.PositiveIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)],
        help_text="Minutes between two attempts at one number.",
    )

    class Meta:
        ordering = ["tenant_id", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="campaign_unique_name")]

    def __str__(self):
        return self.name

    @classmethod
    def from_db(cls, db, field_names, values):
        campaign = super().from_db(db, field_names, values)
        campaign._loaded_state = campaign.__dict__.get("state")
        return campaign

    def clean(self):
        super().clean()
        # The admin's state select offers every state: the legal moves hold there too.
        current = getattr(self, "_loaded_state", None) or self.State.DRAFT
        if self._state.adding and self.state != self.State.DRAFT:
            raise ValidationError({"state": f"A new campaign starts as draft, not {self.state}."})
        if self.state != current and self.state not in self.TRANSITIONS[self.State(current)]:
            allowed = ", ".join(self.TRANSITIONS[self.State(current)]) or "nothing"
            raise ValidationError(
                {"state": f"A {current} campaign cannot become {self.state}; it may become: {allowed}."}
            )
        if self.state == self.State.RUNNING and not self.trunk_id:
            raise ValidationError({"trunk": "A campaign needs a trunk before it runs."})
        if self.window_start is not None and self.window_start == self.window_end:
            raise ValidationError({"window_end": "Give an end time other than the start time."})
        if self.trunk_id and self.tenant_id and not self.trunk.tenants.filter(pk=self.tenant_id).exists():
            raise ValidationError({"trunk": "Choose a trunk assigned to the campaign's tenant."})

    def allowed_states(self):
        """The states the campaign may move to from its current one."""
        return [str(state) for state in self.TRANSITIONS[self.State(self.state)]]

    def in_window(self, moment):
        """Whether an aware datetime falls in the calling window, in the campaign's zone."""
        clock = moment.astimezone(zoneinfo.ZoneInfo(self.time_zone)).time()
        if self.window_start < self.window_end:
            return self.window_start <= clock < self.window_end
        return clock >= self.window_start or clock < self.window_end  # overnight


def fax_file_path(instance, filename):
    return f"campaigns/{instance.campaign.tenant_id}/{instance.campaign_id}/{filename}"


class CampaignFaxFile(models.Model):
    """A document a fax campaign sends (MiRTA PBX's `binary_files`): kept in the media
    storage, never in the database or in JSON answers."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="fax_files")
    name = models.CharField(max_length=100)
    file = models.FileField(upload_to=fax_file_path, max_length=255)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign_id", "id"]

    def __str__(self):
        return self.name


@receiver(post_delete, sender=CampaignFaxFile)
def _remove_stored_file(sender, instance, **kwargs):
    """The stored file goes once the row's deletion is committed (not before: a rolled
    back deletion must still find its file)."""
    if instance.file:
        name, storage = instance.file.name, instance.file.storage
        transaction.on_commit(lambda: storage.delete(name))


class CampaignNumber(TenantOwnedModel):
    """A number a campaign calls (E.164), with where it stands: its state, the
    disposition of its last attempt, how many attempts were made and when the last was.
    The tenant is the campaign's, kept on the row so that scoping needs no join."""

    class State(models.TextChoices):
        PENDING = "pending"
        CALLING = "calling"
        DONE = "done"

    class Disposition(models.TextChoices):
        NONE = "", "Not called yet"
        ANSWERED = "ANSWERED"
        NO_ANSWER = "NO ANSWER"
        BUSY = "BUSY"
        FAILED = "FAILED"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="numbers")
    number = models.CharField(max_length=16, validators=[e164_validator], help_text="E.164.")
    description = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=7, choices=State.choices, default=State.PENDING)
    disposition = models.CharField(max_length=9, choices=Disposition.choices, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["campaign_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="campaignnumber_unique_number")
        ]
        indexes = [models.Index(fields=["campaign", "disposition"], name="campaignnumber_disposition")]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        with contextlib.suppress(ValueError):  # full_clean() and the serializer report it
            self.number = normalize_e164(self.number)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.campaign_id and self.tenant_id and self.campaign.tenant_id != self.tenant_id:
            raise ValidationError({"campaign": "Choose a campaign of the number's tenant."})


class DoNotCall(TenantOwnedModel):
    """A number of the tenant's do-not-call list: no campaign of the tenant takes it."""

    number = models.CharField(max_length=16, validators=[e164_validator], help_text="E.164.")
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = "do-not-call number"
        verbose_name_plural = "do-not-call list"
        ordering = ["tenant_id", "number"]
        constraints = [models.UniqueConstraint(fields=["tenant", "number"], name="donotcall_unique_number")]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        with contextlib.suppress(ValueError):
            self.number = normalize_e164(self.number)
        super().save(*args, **kwargs)


class CronJob(GlobalOrTenantModel):
    """A task run on a cron schedule (`0 8 * * 1-5`, read in `time_zone`): a tenant's
    job starts, pauses or finishes one of its campaigns, or switches one of its flows; a
    global job does the platform's maintenance. `next_run_at` is computed whenever the
    schedule changes; `manage.py run_cronjobs` runs what is due, each job once."""

    class Task(models.TextChoices):
        CAMPAIGN_START = "campaign.start", "Start (or resume) a campaign"
        CAMPAIGN_PAUSE = "campaign.pause", "Pause a campaign"
        CAMPAIGN_FINISH = "campaign.finish", "Finish a campaign"
        FLOW_DAY = "flow.day", "Switch a flow to day"
        FLOW_NIGHT = "flow.night", "Switch a flow to night"
        PURGE_CHANGES = "changes.purge", "Purge the change log (global jobs only)"

    CAMPAIGN_TASKS = (Task.CAMPAIGN_START, Task.CAMPAIGN_PAUSE, Task.CAMPAIGN_FINISH)
    FLOW_TASKS = (Task.FLOW_DAY, Task.FLOW_NIGHT)
    GLOBAL_TASKS = (Task.PURGE_CHANGES,)

    class Result(models.TextChoices):
        NONE = "", "Never run"
        OK = "ok"
        ERROR = "error"

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True)
    schedule = models.CharField(max_length=100, help_text="A cron expression, such as 0 8 * * 1-5.")
    time_zone = models.CharField(max_length=64, default="UTC", validators=[time_zone_validator])
    task = models.CharField(max_length=20, choices=Task.choices)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="cron_jobs"
    )
    flow = models.ForeignKey(
        "routing.Flow", null=True, blank=True, on_delete=models.SET_NULL, related_name="cron_jobs"
    )
    keep_days = models.PositiveIntegerField(
        default=365,
        validators=[MinValueValidator(1)],
        help_text="changes.purge: keep this many days of the change log.",
    )
    enabled = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)
    last_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_result = models.CharField(max_length=5, choices=Result.choices, blank=True, editable=False)
    last_message = models.CharField(max_length=255, blank=True, editable=False)
    run_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            *unique_in_tenant_and_globally("name", "cronjob_unique_name", "cronjob_unique_global"),
        ]

    def __str__(self):
        return self.name

    def compute_next_run(self, after=None):
        """The first moment after `after` (now) that the schedule names, in UTC; None
        when the job is disabled."""
        from campaigns.cron import next_run

        if not self.enabled:
            return None
        return next_run(self.schedule, self.time_zone, after or timezone.now())

    @classmethod
    def from_db(cls, db, field_names, values):
        job = super().from_db(db, field_names, values)
        job._loaded_timing = job._timing()
        return job

    def _timing(self):
        return (self.schedule, self.time_zone, self.enabled)

    def save(self, *args, **kwargs):
        # Stored so that the runner finds due jobs with an indexed query; recomputed only
        # when the timing changed, so that editing a due job's name does not skip its run.
        if self.pk is None or getattr(self, "_loaded_timing", None) != self._timing():
            with contextlib.suppress(ValueError):  # a bad schedule is reported by clean()
                self.next_run_at = self.compute_next_run()
        super().save(*args, **kwargs)
        self._loaded_timing = self._timing()

    def clean(self):
        super().clean()
        from campaigns.cron import check_schedule

        try:
            check_schedule(self.schedule)
        except ValueError as error:
            raise ValidationError({"schedule": str(error)}) from None
        # The admin's raw id fields take any id: the target must be the job's tenant's.
        if self.task in self.GLOBAL_TASKS and self.tenant_id is not None:
            raise ValidationError({"task": "A platform task: only a global job (no tenant) runs it."})
        if self.task not in self.GLOBAL_TASKS and self.tenant_id is None:
            raise ValidationError({"tenant": "This task acts on a tenant's objects: choose the tenant."})
        for name, tasks in (("campaign", self.CAMPAIGN_TASKS), ("flow", self.FLOW_TASKS)):
            target = getattr(self, name) if getattr(self, f"{name}_id") else None
            if self.task in tasks and (target is None or target.tenant_id != self.tenant_id):
                raise ValidationError({name: f"Choose a {name} of the job's tenant."})
