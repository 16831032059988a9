"""The numbers a campaign calls, their CSV import, and the tenant's do-not-call list."""

import django_filters
from rest_framework import serializers

from campaigns.models import Campaign, CampaignNumber, DoNotCall
from pbx.api.filters import NUMBER_LOOKUPS, STRING_LOOKUPS, TIME_LOOKUPS, TIMESTAMP_FIELDS, PbxFilterSet
from pbx.api.references import ObjectIdField, check_ids
from pbx.api.serializers import DetailUrlField, PbxModelSerializer, TenantField
from pbx.api.viewsets import PbxViewSet
from routing.api.inbound import E164Field

MAX_IMPORT_ROWS = 100_000
IN_CHUNK = 2000  # values per IN (...) query: under SQLite's and PostgreSQL's parameter limits
MAX_REPORTED = 1000  # bad rows listed in one answer (the message counts them all)


def on_dnc_list(tenant, numbers):
    """The numbers among `numbers` that are on the tenant's do-not-call list."""
    numbers, found = list(numbers), set()
    for start in range(0, len(numbers), IN_CHUNK):
        chunk = numbers[start : start + IN_CHUNK]
        found.update(
            DoNotCall.objects.filter(tenant=tenant, number__in=chunk).values_list("number", flat=True)
        )
    return found


class CampaignNumberSerializer(PbxModelSerializer):
    """A number of a campaign, in E.164; not one of the tenant's do-not-call list."""

    url = DetailUrlField(view_name="campaignnumber-detail")
    tenant = TenantField()
    campaign = ObjectIdField(source="campaign_id", help_text="Id of a campaign of the tenant.")
    number = E164Field(max_length=24, help_text="Any notation; stored in E.164 (+390212345678).")

    class Meta:
        model = CampaignNumber
        fields = [
            "id",
            "url",
            "tenant",
            "campaign",
            "number",
            "description",
            "state",
            "disposition",
            "attempts",
            "last_attempt_at",
            "created_at",
            "updated_at",
        ]
        validators = []
        aliases = {
            "campaign_id": "campaign",
            "cn_ca_id": "campaign",
            "caid": "campaign",
            "cn_number": "number",
            "cn_description": "description",
            "phone": "number",  # dialer lists' usual column name
        }

    def validate(self, attrs):
        attrs = super().validate(attrs)
        tenant = attrs.get("tenant") or self.instance.tenant
        campaign_id = attrs.get("campaign_id", getattr(self.instance, "campaign_id", None))
        if "campaign_id" in attrs:
            check_ids(Campaign, [campaign_id], tenant, "campaign", allow_global=False)
        number = attrs.get("number", getattr(self.instance, "number", None))
        if "number" in attrs or "campaign_id" in attrs:
            taken = CampaignNumber.objects.filter(campaign_id=campaign_id, number=number)
            if self.instance is not None:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                raise serializers.ValidationError(
                    {"number": [f"{number} is already in campaign {campaign_id}."]}
                )
            if on_dnc_list(tenant, [number]):
                raise serializers.ValidationError(
                    {"number": [f"{number} is on tenant {tenant.code}'s do-not-call list."]}
                )
        return attrs


class CampaignNumberFilterSet(PbxFilterSet):
    # MiRTA PBX limits the list to one campaign with campaign_id= or caid=.
    campaign_id = django_filters.NumberFilter(field_name="campaign_id", label="campaign id (MiRTA PBX)")
    caid = django_filters.NumberFilter(field_name="campaign_id", label="campaign id (MiRTA PBX)")

    class Meta:
        model = CampaignNumber
        fields = {
            "campaign": ["exact"],
            "number": STRING_LOOKUPS,
            "state": ["exact"],
            "disposition": ["exact"],
            "attempts": NUMBER_LOOKUPS,
            "last_attempt_at": TIME_LOOKUPS,
            **TIMESTAMP_FIELDS,
        }


class CampaignNumberViewSet(PbxViewSet):
    """Numbers of the caller's tenants' campaigns; `import/` takes thousands from a CSV."""

    queryset = CampaignNumber.objects.all()
    serializer_class = CampaignNumberSerializer
    filterset_class = CampaignNumberFilterSet
    search_fields = ["number", "description"]
    ordering_fields = ["number", "state", "disposition", "attempts", "last_attempt_at", "created_at", "id"]

    # `?campaign=5` names the campaign of every row of an import (MiRTA PBX also says
    # campaign_id= and caid=), so that one campaign's CSV can be imported into another.
    import_query_fields = {"campaign": "campaign", "campaign_id": "campaign", "caid": "campaign"}


class DoNotCallSerializer(PbxModelSerializer):
    """A number of the tenant's do-not-call list, in E.164."""

    url = DetailUrlField(view_name="donotcall-detail")
    tenant = TenantField()
    number = E164Field(max_length=24, help_text="Any notation; stored in E.164 (+390212345678).")

    class Meta:
        model = DoNotCall
        fields = ["id", "url", "tenant", "number", "description", "created_at", "updated_at"]
        validators = []
        unique_per_tenant = ["number"]


class DoNotCallFilterSet(PbxFilterSet):
    class Meta:
        model = DoNotCall
        fields = {"number": STRING_LOOKUPS, **TIMESTAMP_FIELDS}


class DoNotCallViewSet(PbxViewSet):
    """The do-not-call lists of the caller's tenants."""

    queryset = DoNotCall.objects.all()
    serializer_class = DoNotCallSerializer
    filterset_class = DoNotCallFilterSet
    search_fields = ["number", "description"]
    ordering_fields = ["number", "created_at", "updated_at", "id"]
