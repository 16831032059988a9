"""Filters of tenants and resellers."""

import django_filters

from pbx.api.filters import STRING_LOOKUPS, TIMESTAMP_FIELDS, PbxFilterSet
from tenants.models import Reseller, Tenant


class ResellerFilterSet(PbxFilterSet):
    class Meta:
        model = Reseller
        fields = {"name": STRING_LOOKUPS, "enabled": ["exact"], **TIMESTAMP_FIELDS}


class TenantFilterSet(PbxFilterSet):
    reseller = django_filters.NumberFilter(field_name="reseller_id")

    class Meta:
        model = Tenant
        fields = {
            "code": STRING_LOOKUPS,
            "name": STRING_LOOKUPS,
            "sip_domain": STRING_LOOKUPS,
            "enabled": ["exact"],
            **TIMESTAMP_FIELDS,
        }
