"""Kernel models: the bases every app's models build on, and the per-tenant dial plan.

The kernel names apps' models only by string ("tenants.Tenant") so that it never
imports an app; apps import the kernel.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.signals import post_delete


class TimestampedModel(models.Model):
    """created_at and updated_at."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def stable_uuid_field():
    """A UUID given at creation and never changed: FusionPBX and DjangoPBX name tenants,
    extensions, trunks and routes by UUID, and their scripts keep those names. The API
    takes it wherever it takes the object's id (docs/migrating.md)."""
    return models.UUIDField(
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text="Stable UUID, accepted wherever the id is (FusionPBX and DjangoPBX scripts).",
    )


class TenantOwnedModel(TimestampedModel):
    """An object that belongs to exactly one tenant and is reached only through it."""

    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="%(app_label)s_%(class)s_set"
    )

    class Meta:
        abstract = True


class GlobalOrTenantModel(TimestampedModel):
    """An object of one tenant, or a global one (no tenant) that every tenant reads and
    only the platform writes (docs/api.md; pbx.api.global_objects)."""

    tenant = models.ForeignKey(
        "tenants.Tenant",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="%(app_label)s_%(class)s_set",
        help_text="Empty for a global object.",
    )

    class Meta:
        abstract = True


def unique_in_tenant_and_globally(field, name, global_name):
    """Constraints making `field` unique among a tenant's objects and among the global
    ones. Two are needed: SQL never finds two NULL tenants equal, so (tenant, field)
    alone would let two global objects share a value."""
    return [
        models.UniqueConstraint(fields=["tenant", field], name=name),
        models.UniqueConstraint(fields=[field], condition=models.Q(tenant__isnull=True), name=global_name),
    ]


class NumberInUseError(Exception):
    """A dial-plan number is already held by another object of the same tenant."""

    def __init__(self, number, holder):
        self.number, self.holder = number, holder
        super().__init__(f"Number {number} is already used by {holder.label}.")


class DialplanNumber(models.Model):
    """The one number space of a tenant (docs/api.md).

    Extensions, hunt lists, queues, conference rooms ... each keep one row here for their
    number. The unique constraint on (tenant, number) is what makes two of them unable
    to share a number, whatever path wrote them and however concurrently.
    """

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    number = models.CharField(max_length=32)
    holder_type = models.CharField(max_length=100, help_text="app_label.model of the holder")
    holder_id = models.BigIntegerField()
    holder_label = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="dialplan_unique_number"),
            models.UniqueConstraint(fields=["holder_type", "holder_id"], name="dialplan_one_per_holder"),
        ]

    def __str__(self):
        return f"{self.number} -> {self.holder_label}"

    @property
    def label(self):
        return self.holder_label

    def as_holder(self):
        """The holder as the API names it in a 409 number_in_use."""
        return {
            "type": self.holder_type.split(".")[-1],
            "id": self.holder_id,
            "label": self.holder_label,
        }

    @classmethod
    def holder_of(cls, tenant_id, number, exclude=None):
        """The registry row holding `number` in the tenant, other than `exclude`'s own."""
        rows = cls.objects.filter(tenant_id=tenant_id, number=number)
        if exclude is not None and exclude.pk is not None:
            rows = rows.exclude(holder_type=exclude._meta.label_lower, holder_id=exclude.pk)
        return rows.first()


class DialplanNumberHolder(models.Model):
    """Mixin for tenant-owned models whose `number` lives in the tenant's dial plan."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # One savepoint for the row and its registry entry: whichever unique constraint
        # trips (the model's own (tenant, number) or the registry's), both are undone and
        # the caller hears which object holds the number. A bulk import saves thousands
        # of holders in one transaction, and each savepoint is a round trip.
        try:
            with transaction.atomic():
                super().save(*args, **kwargs)
                self._claim_number()
        except IntegrityError:
            self._raise_if_number_held()
            raise

    def clean(self):
        super().clean()
        if self.tenant_id and self.number:
            holder = DialplanNumber.holder_of(self.tenant_id, self.number, exclude=self)
            if holder is not None:
                raise ValidationError({"number": f"Number {self.number} is already used by {holder.label}."})

    def dialplan_label(self):
        return f"{self._meta.verbose_name} {self.number}"

    def _claim_number(self):
        """Write the holder's registry row, created or brought up to date in one statement
        (a clash with another holder's number raises IntegrityError: save() reports it)."""
        DialplanNumber.objects.bulk_create(
            [
                DialplanNumber(
                    tenant_id=self.tenant_id,
                    number=self.number,
                    holder_type=self._meta.label_lower,
                    holder_id=self.pk,
                    holder_label=self.dialplan_label(),
                )
            ],
            update_conflicts=True,
            unique_fields=["holder_type", "holder_id"],
            update_fields=["tenant", "number", "holder_label"],
        )

    def _raise_if_number_held(self):
        holder = DialplanNumber.holder_of(self.tenant_id, self.number, exclude=self)
        if holder is not None:
            raise NumberInUseError(self.number, holder)


def _release_number(sender, instance, **kwargs):
    DialplanNumber.objects.filter(holder_type=sender._meta.label_lower, holder_id=instance.pk).delete()


def register_dialplan_holder(model):
    """Called from an app's ready(): frees a holder's number however it is deleted
    (one by one, in bulk, or by cascade from its tenant)."""
    post_delete.connect(_release_number, sender=model, dispatch_uid=f"dialplan-{model._meta.label_lower}")


class Destination(models.Model):
    """One target in one slot of one owner (docs/api.md): the DID's `DID` slot
    sends calls to `EXT-101`. Apps register owners and target types with
    `pbx.destinations`; this table knows them only by name."""

    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    owner_type = models.CharField(max_length=100, help_text="The owner model, e.g. extensions.extension.")
    owner_id = models.BigIntegerField()
    slot = models.CharField(max_length=64)
    position = models.PositiveSmallIntegerField()
    target_type = models.CharField(max_length=32, help_text="EXT, VOICEMAIL, HANGUP ...")
    target_id = models.BigIntegerField(null=True, blank=True, help_text="Empty for HANGUP and the like.")

    class Meta:
        ordering = ["owner_type", "owner_id", "slot", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner_type", "owner_id", "slot", "position"], name="destination_unique_position"
            )
        ]
        indexes = [models.Index(fields=["target_type", "target_id"], name="destination_target")]

    def __str__(self):
        target = self.target_type if self.target_id is None else f"{self.target_type}-{self.target_id}"
        return f"{self.owner_type}:{self.owner_id} {self.slot}[{self.position}] -> {target}"


class ChangeLog(models.Model):
    """One create, update or delete of one object, written in the same transaction as the
    change (docs/api.md), whichever door it came through: API, admin or command."""

    class Action(models.TextChoices):
        CREATE = "create"
        UPDATE = "update"
        DELETE = "delete"

    # Written on every change of every object, so kept cheap to insert: no foreign key
    # constraints (each would lock the tenant's or user's row at commit; the rows keep
    # the code and name anyway, and Django still nulls the ids when those are deleted),
    # and no index that another one already covers.
    time = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        "auth.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(max_length=150, blank=True, help_text="Kept if the user is deleted.")
    api_key_prefix = models.CharField(max_length=16, blank=True)
    # The key's name as it was: an admin's several tenant keys share one owner.
    api_key_name = models.CharField(max_length=100, blank=True)
    tenant = models.ForeignKey(
        "tenants.Tenant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,  # changelog_tenant_time covers it
    )
    tenant_code = models.CharField(max_length=32, blank=True, help_text="Kept if the tenant is deleted.")
    object_type = models.CharField(max_length=100)
    object_id = models.BigIntegerField()
    object_label = models.CharField(max_length=200)
    action = models.CharField(max_length=6, choices=Action.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    changed_fields = models.JSONField(default=list, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    source = models.CharField(max_length=100, blank=True, help_text="api, admin, or command:<name>")

    class Meta:
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-time"], name="changelog_object"),
            models.Index(fields=["tenant", "-time"], name="changelog_tenant_time"),
            # Exact match only: db_index=True would add a second, LIKE-able index on PostgreSQL.
            models.Index(fields=["request_id"], name="changelog_request"),
        ]

    def __str__(self):
        return f"{self.action} {self.object_type} {self.object_label}"


class IdempotencyKey(models.Model):
    """The first answer to a POST sent with an Idempotency-Key, replayed to retries.

    Kept per credential (`owner`: an API key's prefix or a user), so two clients cannot
    collide, and for PBX_IDEMPOTENCY_HOURS.
    """

    owner = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="idempotency_unique_key")]

    def __str__(self):
        return f"{self.owner}:{self.key}"
