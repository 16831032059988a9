"""Filters of extensions: `?number__startswith=1`, `?tech=PJSIP`, `?user=7`, `?registered=true` ..."""

import django_filters

from extensions.api.registrations import registered_now
from extensions.models import Extension
from pbx.api.filters import STRING_LOOKUPS, TIMESTAMP_FIELDS, PbxFilterSet, StrictBooleanFilter


class ExtensionFilterSet(PbxFilterSet):
    user = django_filters.NumberFilter(field_name="user_id")
    registered = StrictBooleanFilter(
        method="filter_registered", label="registered now (a contact in Kamailio's location table)"
    )

    def filter_registered(self, queryset, name, value):
        return queryset.filter(registered_now()) if value else queryset.exclude(registered_now())

    class Meta:
        model = Extension
        fields = {
            "number": STRING_LOOKUPS,
            "name": STRING_LOOKUPS,
            "tech": ["exact"],
            "sip_username": ["exact"],
            "enabled": ["exact"],
            "do_not_disturb": ["exact"],
            "forward_all_enabled": ["exact"],
            "mailbox": ["exact"],
            "account_code": ["exact"],
            "caller_id_number": STRING_LOOKUPS,
            **TIMESTAMP_FIELDS,
        }
