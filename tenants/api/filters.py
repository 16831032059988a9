"""Filters of the tenants app's resources."""

import django_filters

from pbx.api.filters import STRING_LOOKUPS, TIMESTAMP_FIELDS, PbxFilterSet
from tenants.models import (
    Department,
    Location,
    Reseller,
    Server,
    Setting,
    Tag,
    Tenant,
    TenantVariable,
    UserProfile,
)


class ResellerFilterSet(PbxFilterSet):
    class Meta:
        model = Reseller
        fields = {"name": STRING_LOOKUPS, "enabled": ["exact"], **TIMESTAMP_FIELDS}


class TenantFilterSet(PbxFilterSet):
    reseller = django_filters.NumberFilter(field_name="reseller_id")
    server = django_filters.NumberFilter(field_name="server_id")

    class Meta:
        model = Tenant
        fields = {
            "code": STRING_LOOKUPS,
            "name": STRING_LOOKUPS,
            "sip_domain": STRING_LOOKUPS,
            "enabled": ["exact"],
            "payment_type": ["exact"],
            **TIMESTAMP_FIELDS,
        }


class ServerFilterSet(PbxFilterSet):
    class Meta:
        model = Server
        fields = {
            "name": STRING_LOOKUPS,
            "address": STRING_LOOKUPS,
            "sip_port": ["exact"],
            "role": ["exact"],
            "enabled": ["exact"],
            **TIMESTAMP_FIELDS,
        }


class SettingFilterSet(PbxFilterSet):
    class Meta:
        model = Setting
        fields = {"code": STRING_LOOKUPS, "value": STRING_LOOKUPS, **TIMESTAMP_FIELDS}


class TenantVariableFilterSet(PbxFilterSet):
    class Meta:
        model = TenantVariable
        fields = {"name": STRING_LOOKUPS, "value": STRING_LOOKUPS, **TIMESTAMP_FIELDS}


class DepartmentFilterSet(PbxFilterSet):
    class Meta:
        model = Department
        fields = {"name": STRING_LOOKUPS, **TIMESTAMP_FIELDS}


class LocationFilterSet(PbxFilterSet):
    class Meta:
        model = Location
        fields = {
            "name": STRING_LOOKUPS,
            "city": STRING_LOOKUPS,
            "postal_code": STRING_LOOKUPS,
            "country": ["exact"],
            "emergency_caller_id": STRING_LOOKUPS,
            **TIMESTAMP_FIELDS,
        }


class UserProfileFilterSet(PbxFilterSet):
    privilege = django_filters.CharFilter(method="filter_privilege", label="profiles granting this privilege")

    class Meta:
        model = UserProfile
        fields = {"name": STRING_LOOKUPS, "reserved": ["exact"], **TIMESTAMP_FIELDS}

    def filter_privilege(self, queryset, name, value):
        # A JSON list; portable across PostgreSQL and SQLite without JSON containment.
        ids = [profile.pk for profile in queryset if value in profile.privileges]
        return queryset.filter(pk__in=ids)


class TagFilterSet(PbxFilterSet):
    class Meta:
        model = Tag
        fields = {"name": STRING_LOOKUPS, "color": ["exact"], **TIMESTAMP_FIELDS}
