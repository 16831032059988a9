"""Filters of extensions: `?number__startswith=1`, `?tech=PJSIP`, `?user=7` ..."""

import django_filters

from extensions.models import Extension
from pbx.api.filters import STRING_LOOKUPS, TIMESTAMP_FIELDS, PbxFilterSet


class ExtensionFilterSet(PbxFilterSet):
    user = django_filters.NumberFilter(field_name="user_id")

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
