"""Serializers of the platform objects: tenants and resellers."""

from rest_framework import serializers

from pbx.api.serializers import PbxModelSerializer
from tenants.models import Reseller, Tenant


class ResellerSerializer(PbxModelSerializer):
    """A reseller, with the number of tenants it sells."""

    class Meta:
        model = Reseller
        fields = ["id", "name", "contact_email", "enabled", "created_at", "updated_at"]


class TenantSerializer(PbxModelSerializer):
    """A tenant. `code` is upper-cased on the way in; `reseller` is a reseller id."""

    code = serializers.CharField(max_length=32)
    reseller = serializers.PrimaryKeyRelatedField(
        queryset=Reseller.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Tenant
        fields = [
            "id",
            "code",
            "name",
            "sip_domain",
            "enabled",
            "reseller",
            "created_at",
            "updated_at",
        ]
        aliases = {"tenantname": "name", "te_name": "name", "tenantcode": "code", "te_code": "code"}

    def validate_code(self, value):
        value = value.strip().upper()
        Tenant._meta.get_field("code").run_validators(value)
        taken = Tenant.objects.filter(code=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(f"Tenant code {value} is already taken.")
        return value

    def validate_sip_domain(self, value):
        value = value.strip().lower()
        taken = Tenant.objects.filter(sip_domain=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(f"SIP domain {value} belongs to another tenant.")
        return value
