"""Filters of API keys and users."""

import django_filters
from django.contrib.auth import get_user_model

from apikeys import roles
from apikeys.models import ApiKey
from pbx.api.filters import STRING_LOOKUPS, TIME_LOOKUPS, PbxFilterSet


class ApiKeyFilterSet(PbxFilterSet):
    owner = django_filters.CharFilter(field_name="owner__username")
    revoked = django_filters.BooleanFilter(field_name="revoked_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = ApiKey
        fields = {
            "name": STRING_LOOKUPS,
            "prefix": ["exact"],
            "read_only": ["exact"],
            "is_login_token": ["exact"],
            "created_at": TIME_LOOKUPS,
            "expires_at": TIME_LOOKUPS,
            "last_used_at": TIME_LOOKUPS,
        }


class UserFilterSet(PbxFilterSet):
    role = django_filters.ChoiceFilter(choices=roles.ROLE_CHOICES, field_name="role_name")

    class Meta:
        model = get_user_model()
        fields = {
            "username": STRING_LOOKUPS,
            "email": STRING_LOOKUPS,
            "is_active": ["exact"],
            "is_staff": ["exact"],
            "date_joined": TIME_LOOKUPS,
        }
