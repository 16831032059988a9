"""Cron jobs: a tenant's start, pause or finish its campaigns and switch its flows on a
schedule; global ones do the platform's maintenance. `{"run": "yes"}` runs one now."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns import cron
from campaigns.models import Campaign, CronJob
from pbx.api.filters import STRING_LOOKUPS, TIME_LOOKUPS, TIMESTAMP_FIELDS, PbxFilterSet
from pbx.api.global_objects import GlobalObjectsMixin, GlobalTenantField
from pbx.api.references import ObjectIdField, check_ids
from pbx.api.serializers import DetailUrlField, PbxModelSerializer
from pbx.api.viewsets import PbxViewSet
from routing.models import Flow

RUN_YES = ("yes", "true", "1", "on", "y")
RUN_NO = ("no", "false", "0", "off", "n", "")


@extend_schema_field({"type": "string", "enum": ["yes", "no"], "writeOnly": True})
class RunField(serializers.Field):
    """`"yes"` (or true, 1): run the job now, after saving the rest of the request."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", 'Send "yes" to run the job now (MiRTA PBX cr_run).')
        super().__init__(write_only=True, required=False, **kwargs)

    def to_internal_value(self, data):
        text = str(data).strip().lower() if not isinstance(data, bool) else ("yes" if data else "no")
        if text in RUN_YES:
            return True
        if text in RUN_NO:
            return False
        raise serializers.ValidationError("Use yes or no.")


class CronJobSerializer(PbxModelSerializer):
    """A cron job: `schedule` (5-field cron, read in `time_zone`), the `task` it runs and
    that task's target (`campaign`, `flow` or `keep_days`); `next_run_at` follows."""

    url = DetailUrlField(view_name="cronjob-detail")
    tenant = GlobalTenantField()
    campaign = ObjectIdField(
        source="campaign_id",
        required=False,
        allow_null=True,
        help_text="campaign.* tasks: a campaign of the tenant.",
    )
    flow = ObjectIdField(
        source="flow_id", required=False, allow_null=True, help_text="flow.* tasks: a flow of the tenant."
    )
    run = RunField()

    class Meta:
        model = CronJob
        fields = [
            "id",
            "url",
            "tenant",
            "name",
            "description",
            "schedule",
            "time_zone",
            "task",
            "campaign",
            "flow",
            "keep_days",
            "enabled",
            "run",
            "next_run_at",
            "last_run_at",
            "last_result",
            "last_message",
            "run_count",
            "created_at",
            "updated_at",
        ]
        validators = []
        unique_per_tenant = ["name"]
        aliases = {
            "cr_name": "name",
            "cr_run": "run",
            "cron": "schedule",
            "expression": "schedule",
            "timezone": "time_zone",
            "tz": "time_zone",
            "campaign_id": "campaign",
            "flow_id": "flow",
        }

    def validate_schedule(self, value):
        try:
            cron.check_schedule(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None
        return value.strip()

    def validate(self, attrs):
        run = attrs.pop("run", False)
        attrs = super().validate(attrs)
        tenant = attrs.get("tenant", getattr(self.instance, "tenant", None))
        task = attrs.get("task", getattr(self.instance, "task", None))
        self._check_target(attrs, tenant, task)
        self._run_now = run
        return attrs

    def _check_target(self, attrs, tenant, task):
        """The task's target exists in the job's tenant; a target the task does not use
        is cleared, so that a job never points at what it does not act on."""
        current = {name: getattr(self.instance, f"{name}_id", None) for name in ("campaign", "flow")}
        targets = {name: attrs.get(f"{name}_id", current[name]) for name in current}
        if task in CronJob.GLOBAL_TASKS:
            if tenant is not None:
                raise serializers.ValidationError(
                    {"task": [f"{task} is a platform task: only a global cron job (no tenant) runs it."]}
                )
        elif tenant is None:
            raise serializers.ValidationError(
                {"task": [f"{task} acts on a tenant's objects: give the job a tenant."]}
            )
        uses = (
            "campaign" if task in CronJob.CAMPAIGN_TASKS else "flow" if task in CronJob.FLOW_TASKS else None
        )
        for name, model in (("campaign", Campaign), ("flow", Flow)):
            if name != uses:
                if targets[name] is not None and f"{name}_id" in attrs:
                    raise serializers.ValidationError({name: [f"{task} takes no {name}."]})
                attrs[f"{name}_id"] = None
                continue
            if targets[name] is None:
                raise serializers.ValidationError({name: [f"{task} needs a {name}: give its id."]})
            if f"{name}_id" in attrs or "task" in attrs:
                check_ids(model, [targets[name]], tenant, name, allow_global=False)

    def save(self, **kwargs):
        job = super().save(**kwargs)
        if getattr(self, "_run_now", False):
            cron.execute(job)
        return job


class CronJobFilterSet(PbxFilterSet):
    class Meta:
        model = CronJob
        fields = {
            "name": STRING_LOOKUPS,
            "task": ["exact"],
            "campaign": ["exact"],
            "flow": ["exact"],
            "enabled": ["exact"],
            "last_result": ["exact"],
            "next_run_at": TIME_LOOKUPS,
            "last_run_at": TIME_LOOKUPS,
            **TIMESTAMP_FIELDS,
        }


class CronJobViewSet(GlobalObjectsMixin, PbxViewSet):
    """Cron jobs, global (the platform's maintenance) and per tenant."""

    queryset = CronJob.objects.all()
    serializer_class = CronJobSerializer
    filterset_class = CronJobFilterSet
    search_fields = ["name", "description"]
    ordering_fields = ["name", "task", "next_run_at", "last_run_at", "created_at", "updated_at", "id"]
