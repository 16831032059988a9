"""/api/changes/: the change log, read-only and scoped like everything else.

A platform admin sees every row; a tenant admin the rows of its tenants; a user_api
caller only the changes it made itself. Platform objects' rows (tenant-less) are for
platform admins.
"""

import django_filters
from rest_framework import serializers

from apikeys import roles
from pbx.api.filters import TIME_LOOKUPS, PbxFilterSet
from pbx.api.serializers import PbxModelSerializer
from pbx.api.viewsets import PbxViewSet
from pbx.models import ChangeLog


class ChangeLogSerializer(PbxModelSerializer):
    """One change: who, when, what, and the object before and after (secrets redacted)."""

    actor = serializers.CharField(source="actor_name", read_only=True)
    tenant = serializers.CharField(source="tenant_code", read_only=True)
    before = serializers.JSONField(read_only=True, allow_null=True)
    after = serializers.JSONField(read_only=True, allow_null=True)
    changed_fields = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ChangeLog
        fields = [
            "id",
            "time",
            "actor",
            "api_key_prefix",
            "api_key_name",
            "tenant",
            "object_type",
            "object_id",
            "object_label",
            "action",
            "changed_fields",
            "before",
            "after",
            "request_id",
            "client_ip",
            "source",
        ]
        read_only_fields = fields
        change_logged = False
        taggable = False


class ChangeLogFilterSet(PbxFilterSet):
    actor = django_filters.CharFilter(field_name="actor_name")
    key_prefix = django_filters.CharFilter(field_name="api_key_prefix")

    class Meta:
        model = ChangeLog
        fields = {
            "object_type": ["exact"],
            "object_id": ["exact"],
            "action": ["exact"],
            "request_id": ["exact"],
            "time": TIME_LOOKUPS,
            "source": ["exact", "startswith"],
        }


class ChangeLogViewSet(PbxViewSet):
    """The change log of the objects within the caller's reach (read-only)."""

    queryset = ChangeLog.objects.all()
    serializer_class = ChangeLogSerializer
    filterset_class = ChangeLogFilterSet
    http_method_names = ["get", "head", "options"]
    search_fields = ["object_label", "actor_name"]
    ordering_fields = ["time", "id"]
    replica_actions = ("list",)  # pbx.replicas: a long history is a large read

    def scope_queryset(self, queryset):
        queryset = super().scope_queryset(queryset)
        if self.scope.role == roles.USER:
            queryset = queryset.filter(actor=self.scope.user)
        return queryset
