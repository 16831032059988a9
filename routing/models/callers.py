"""Where callers are answered in turn: IVRs (voice menus), hunt lists (ring groups),
queues and the agents who log into them."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from extensions.models import Extension, extension_number_validator
from pbx.models import DialplanNumberHolder, TenantOwnedModel, stable_uuid_field

external_number_validator = RegexValidator(
    r"^\+?[0-9*#]{1,32}$", "Use up to 32 digits, * or #, optionally starting with +."
)
sound_validator = RegexValidator(
    r"^[A-Za-z0-9_\-./]{1,200}$", "Use a sound file name: letters, digits, _ - . / only."
)


class IVR(TenantOwnedModel):
    """A voice menu: it plays a greeting and sends the caller on by the key pressed
    (`IVR_0`..`IVR_9`, `IVR_STAR`, `IVR_SHARP`), by a wrong key (`IVR_WRONG`), or after
    `retries` silent waits of `timeout` seconds (`IVR_TIMEOUT`). With direct dialing
    the caller may dial any extension number."""

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True)
    greeting = models.CharField(max_length=200, blank=True, validators=[sound_validator])
    timeout = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(300)]
    )
    retries = models.PositiveSmallIntegerField(default=3, validators=[MaxValueValidator(20)])
    direct_dial = models.BooleanField(default=False, help_text="Callers may dial extension numbers directly.")
    enabled = models.BooleanField(default=True)

    class Meta:
        verbose_name = "IVR"
        ordering = ["tenant_id", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="ivr_unique_name")]

    def __str__(self):
        return self.name


class HuntList(DialplanNumberHolder, TenantOwnedModel):
    """A ring group: its number rings its members by `strategy`; when nobody answers
    within `ring_time`, the call takes the `HUNTLIST-TIMEOUT` slot."""

    class Strategy(models.TextChoices):
        SIMULTANEOUS = "simultaneous", "Ring all at once"
        SEQUENCE = "sequence", "One after another, in order"
        RANDOM = "random", "One at a time, at random"
        ROLLOVER = "rollover", "Next idle member, in order"
        ENTERPRISE = "enterprise", "All at once, each in its own call"

    uuid = stable_uuid_field()  # FusionPBX's ring_group_uuid
    number = models.CharField(max_length=15, validators=[extension_number_validator])
    name = models.CharField(max_length=100, blank=True)
    strategy = models.CharField(max_length=12, choices=Strategy.choices, default=Strategy.SIMULTANEOUS)
    ring_time = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text="Seconds before timeout.",
    )
    caller_id_prefix = models.CharField(max_length=20, blank=True)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["tenant_id", "number"]
        constraints = [models.UniqueConstraint(fields=["tenant", "number"], name="huntlist_unique_number")]

    def __str__(self):
        return f"{self.number} {self.name}".strip()

    def dialplan_label(self):
        return f"hunt list {self.number}" + (f" ({self.name})" if self.name else "")


class HuntListMember(models.Model):
    """One member of a hunt list: an extension of the tenant or an outside number,
    rung after `delay` seconds for `ring_time` seconds."""

    hunt_list = models.ForeignKey(HuntList, on_delete=models.CASCADE, related_name="memberships")
    position = models.PositiveSmallIntegerField(default=0)
    extension = models.ForeignKey(
        Extension, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    number = models.CharField(max_length=33, blank=True, validators=[external_number_validator])
    delay = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(600)])
    ring_time = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )

    class Meta:
        ordering = ["hunt_list_id", "position"]

    def __str__(self):
        return f"{self.extension or self.number} in {self.hunt_list}"

    def clean(self):
        super().clean()
        if bool(self.extension_id) == bool(self.number):
            raise ValidationError("Give either an extension or an outside number.")
        if self.extension_id and self.hunt_list_id and self.extension.tenant_id != self.hunt_list.tenant_id:
            raise ValidationError({"extension": "Choose an extension of the hunt list's tenant."})


class Agent(TenantOwnedModel):
    """A person who logs into queues with a number and PIN, from any phone."""

    SECRET_FIELDS = ("pin",)

    number = models.CharField(max_length=15, validators=[extension_number_validator], help_text="Login id.")
    name = models.CharField(max_length=100)
    pin = models.CharField(
        max_length=16, blank=True, validators=[RegexValidator(r"^[0-9]{4,16}$", "Use 4 to 16 digits.")]
    )
    extension = models.ForeignKey(
        Extension,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Usual phone.",
    )
    wrapup_time = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(3600)])
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["tenant_id", "number"]
        constraints = [models.UniqueConstraint(fields=["tenant", "number"], name="agent_unique_number")]

    def __str__(self):
        return f"{self.number} {self.name}".strip()


class Queue(DialplanNumberHolder, TenantOwnedModel):
    """A call queue: callers wait, hearing announcements, until a member answers; the
    `QUEUE-*` slots say where calls go when it is full, times out, has nobody ..."""

    class Strategy(models.TextChoices):
        RINGALL = "ringall"
        LEASTRECENT = "leastrecent"
        FEWESTCALLS = "fewestcalls"
        RANDOM = "random"
        RRMEMORY = "rrmemory"
        LINEAR = "linear"
        WRANDOM = "wrandom"

    number = models.CharField(max_length=15, validators=[extension_number_validator])
    name = models.CharField(max_length=100)
    strategy = models.CharField(max_length=11, choices=Strategy.choices, default=Strategy.RINGALL)
    timeout = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text="Seconds a member rings.",
    )
    retry = models.PositiveSmallIntegerField(default=5, validators=[MaxValueValidator(600)])
    max_wait_time = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(86400)], help_text="Seconds a caller waits; 0 for no limit."
    )
    max_callers = models.PositiveSmallIntegerField(
        default=0, help_text="Callers waiting at once; 0 for no limit."
    )
    wrapup_time = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(3600)])
    weight = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    join_empty = models.BooleanField(default=True, help_text="Callers may join with no member logged in.")
    leave_when_empty = models.BooleanField(default=False)
    music_on_hold = models.CharField(max_length=100, blank=True)
    announce_position = models.BooleanField(default=False)
    announce_hold_time = models.BooleanField(default=False)
    announce_frequency = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(3600)],
        help_text="Seconds between announcements; 0 for none.",
    )
    periodic_announce_frequency = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(3600)]
    )
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["tenant_id", "number"]
        constraints = [models.UniqueConstraint(fields=["tenant", "number"], name="queue_unique_number")]

    def __str__(self):
        return f"{self.number} {self.name}".strip()

    def dialplan_label(self):
        return f"queue {self.number} ({self.name})"


class QueueMember(models.Model):
    """Who answers a queue: an extension, an agent, or an Asterisk interface, with a
    penalty (higher rings later) and a paused state."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="memberships")
    position = models.PositiveSmallIntegerField(default=0)
    extension = models.ForeignKey(
        Extension, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.CASCADE, related_name="queue_memberships"
    )
    name = models.CharField(max_length=100, blank=True, help_text="membername")
    interface = models.CharField(max_length=200, blank=True)
    state_interface = models.CharField(max_length=200, blank=True)
    penalty = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(1000)])
    paused = models.BooleanField(default=False)

    class Meta:
        ordering = ["queue_id", "position"]

    def __str__(self):
        return f"{self.agent or self.extension or self.interface} in {self.queue}"

    def clean(self):
        super().clean()
        if not (self.extension_id or self.agent_id or self.interface):
            raise ValidationError("Give an extension, an agent or an interface.")
        for name in ("extension", "agent"):
            related = getattr(self, name) if getattr(self, f"{name}_id") else None
            if related is not None and self.queue_id and related.tenant_id != self.queue.tenant_id:
                raise ValidationError({name: f"Choose an {name} of the queue's tenant."})
