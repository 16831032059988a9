"""Time and state: schedules (MiRTA PBX's conditions, FusionPBX's time conditions) and flows (office
modes, day or night)."""

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from pbx.models import TenantOwnedModel

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def time_zone_validator(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a time zone: use an IANA name such as Europe/Rome.")


class Schedule(TenantOwnedModel):
    """Weekly time ranges in a time zone, with dated exceptions (holidays, special
    openings). A call reaching `CONDITION-<id>` takes the `CONDITION` slot while the
    schedule is open and `NOTCONDITION` while it is closed; a range or exception with a
    `branch` N sends matching calls to `CONDITION<N>` when that slot is set."""

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[time_zone_validator])

    class Meta:
        ordering = ["tenant_id", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="schedule_unique_name")]

    def __str__(self):
        return self.name

    def evaluate(self, moment):
        """(open?, branch or None, why) at an aware datetime, read in the schedule's zone.
        Uses the prefetched ranges and exceptions when there are any."""
        local = moment.astimezone(zoneinfo.ZoneInfo(self.time_zone))
        day, clock = local.date(), local.time().replace(tzinfo=None)
        where = f"{local.strftime('%a %Y-%m-%d %H:%M')} {self.time_zone}"
        for exception in self.exceptions.all():
            if exception.covers(day, clock):
                state = "open" if exception.open else "closed"
                return exception.open, exception.branch, f"{state} at {where}: exception {exception}"
        for weekly in self.ranges.all():
            if weekly.covers(local.weekday(), clock) or weekly.covers_overnight(local.weekday(), clock):
                return True, weekly.branch, f"open at {where}: {weekly}"
        return False, None, f"closed at {where}: outside every weekly range"


branch_validators = [MinValueValidator(1), MaxValueValidator(20)]


class ScheduleRange(models.Model):
    """A weekly opening: days of the week and a time of day. An end before the start
    runs past midnight into the next day; an end of 00:00 means midnight."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="ranges")
    days = models.JSONField(default=list, help_text="Days of the week: mon tue wed thu fri sat sun.")
    start = models.TimeField()
    end = models.TimeField()
    branch = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=branch_validators, help_text="Send matches to CONDITION<branch>."
    )

    class Meta:
        ordering = ["schedule_id", "id"]

    def __str__(self):
        return f"{','.join(self.days)} {self.start:%H:%M}-{self.end:%H:%M}"

    def clean(self):
        super().clean()
        if not isinstance(self.days, list) or not self.days or any(day not in WEEKDAYS for day in self.days):
            raise ValidationError({"days": f"Choose days among {' '.join(WEEKDAYS)}."})
        if self.start == self.end:
            raise ValidationError({"end": "Give an end different from the start."})

    def _spans_midnight(self):
        return self.end <= self.start

    def covers(self, weekday, clock):
        if WEEKDAYS[weekday] not in self.days:
            return False
        if self._spans_midnight():
            return clock >= self.start
        return self.start <= clock < self.end

    def covers_overnight(self, weekday, clock):
        """The early-morning part of a range that started the day before."""
        return self._spans_midnight() and WEEKDAYS[weekday - 1] in self.days and clock < self.end


class ScheduleException(models.Model):
    """A date or dates when the weekly ranges do not apply: closed (a holiday) or open
    (a special opening), all day or within a time of day."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="exceptions")
    name = models.CharField(max_length=100, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Empty for one day.")
    start = models.TimeField(null=True, blank=True, help_text="Empty for the whole day.")
    end = models.TimeField(null=True, blank=True)
    open = models.BooleanField(default=False, help_text="Open on these dates (closed when false).")
    branch = models.PositiveSmallIntegerField(null=True, blank=True, validators=branch_validators)

    class Meta:
        ordering = ["schedule_id", "start_date", "id"]

    def __str__(self):
        dates = f"{self.start_date}" + (f"..{self.end_date}" if self.end_date else "")
        hours = f" {self.start:%H:%M}-{self.end:%H:%M}" if self.start and self.end else ""
        return f"{self.name or 'exception'} {dates}{hours}"

    def clean(self):
        super().clean()
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "Give an end date on or after the start date."})
        if (self.start is None) != (self.end is None):
            raise ValidationError({"end": "Give both start and end times, or neither for the whole day."})
        if self.start is not None and self.end <= self.start:
            raise ValidationError({"end": "Give an end time after the start time."})

    def covers(self, day, clock):
        if not (self.start_date <= day <= (self.end_date or self.start_date)):
            return False
        return self.start is None or self.start <= clock < self.end


class Flow(TenantOwnedModel):
    """An office mode: a day/night switch that an operator flips (PATCH `state`). In
    night mode calls take the `FLOW` slot; in day mode `FLOW-DAY`, or when that is
    empty, whatever follows the flow in the list that led to it."""

    class State(models.TextChoices):
        DAY = "day"
        NIGHT = "night"

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True)
    variable_name = models.CharField(
        max_length=64, blank=True, help_text="Dial-plan variable holding the state."
    )
    state = models.CharField(max_length=5, choices=State.choices, default=State.DAY)
    state_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["tenant_id", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="flow_unique_name")]

    def __str__(self):
        return self.name
