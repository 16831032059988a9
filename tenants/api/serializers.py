"""Serializers of the tenants app: platform objects (tenants, resellers, servers, user
profiles) and what a tenant configures about itself (settings, variables, departments,
locations, tags)."""

from rest_framework import serializers

from pbx.api.global_objects import GlobalTenantField
from pbx.api.references import ObjectIdField, check_ids
from pbx.api.serializers import DetailUrlField, PbxModelSerializer, TenantField, UpperCaseCharField
from tenants.models import (
    PRIVILEGE_IDS,
    PRIVILEGES,
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
from tenants.models.configuration import country_validator, setting_code_validator
from tenants.models.tags import tag_name_validator
from tenants.models.tenancy import CONTROL_SCHEMES


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
    server = serializers.PrimaryKeyRelatedField(
        queryset=Server.objects.all(),
        required=False,
        allow_null=True,
        help_text="Id of the switch server the tenant is placed on.",
    )
    routing_profile = ObjectIdField(
        source="routing_profile_id",
        required=False,
        allow_null=True,
        help_text="Id of a routing profile (platform objects).",
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
            "server",
            "routing_profile",
            "payment_type",
            "created_at",
            "updated_at",
        ]
        aliases = {
            "te_payment_type": "payment_type",  # MiRTA PBX
            "tenantname": "name",
            "te_name": "name",
            "tenantcode": "code",
            "te_code": "code",
            "routing_profile_id": "routing_profile",  # MiRTA PBX's tenant PATCH
        }

    def validate_routing_profile(self, profile_id):
        if profile_id is not None:
            # The routing app sits above tenants: its model is reached through the field.
            profiles = Tenant._meta.get_field("routing_profile").related_model
            try:
                check_ids(profiles, [profile_id], self.instance, "routing_profile")
            except serializers.ValidationError as error:
                raise serializers.ValidationError(error.detail["routing_profile"]) from None
        return profile_id

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


class ServerSerializer(PbxModelSerializer):
    """A switch server (platform object)."""

    url = DetailUrlField(view_name="server-detail")

    class Meta:
        model = Server
        fields = [
            "id",
            "url",
            "name",
            "address",
            "sip_port",
            "role",
            "kind",
            "control_url",
            "enabled",
            "description",
            "created_at",
            "updated_at",
        ]
        secret_fields = ["control_url"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        kind = attrs.get("kind", getattr(self.instance, "kind", ""))
        url = attrs.get("control_url", getattr(self.instance, "control_url", ""))
        schemes = CONTROL_SCHEMES.get(kind)
        if url and schemes is None:
            raise serializers.ValidationError({"kind": ["Say which switch the control URL reaches."]})
        if url and not url.startswith(tuple(f"{scheme}://" for scheme in schemes)):
            reached = " or ".join(f"{scheme}://" for scheme in schemes)
            raise serializers.ValidationError({"control_url": [f"A {kind} server is reached by {reached}."]})
        return attrs


class SettingSerializer(PbxModelSerializer):
    """A setting: global (tenant null) or a tenant's, overriding the global one."""

    url = DetailUrlField(view_name="setting-detail")
    tenant = GlobalTenantField()
    code = UpperCaseCharField(max_length=64, validators=[setting_code_validator])

    class Meta:
        model = Setting
        fields = ["id", "url", "tenant", "code", "value", "description", "created_at", "updated_at"]
        validators = []
        unique_per_tenant = ["code"]
        aliases = {"se_code": "code", "se_value": "value", "settingcode": "code", "settingvalue": "value"}


class EffectiveSettingSerializer(serializers.Serializer):
    """One entry of a tenant's merged settings."""

    code = serializers.CharField()
    value = serializers.CharField(allow_blank=True)
    source = serializers.ChoiceField(choices=["tenant", "global"])
    setting_id = serializers.IntegerField()


class TenantVariableSerializer(PbxModelSerializer):
    """A tenant's variable (MiRTA PBX `tenantvariable`)."""

    url = DetailUrlField(view_name="tenantvariable-detail")
    tenant = TenantField()

    class Meta:
        model = TenantVariable
        fields = ["id", "url", "tenant", "name", "value", "description", "created_at", "updated_at"]
        validators = []
        unique_per_tenant = ["name"]
        aliases = {"variable_id": "name", "tv_al_id": "name", "tv_value": "value"}


class DepartmentSerializer(PbxModelSerializer):
    """A department of the tenant's company."""

    url = DetailUrlField(view_name="department-detail")
    tenant = TenantField()

    class Meta:
        model = Department
        fields = ["id", "url", "tenant", "name", "description", "created_at", "updated_at"]
        validators = []
        unique_per_tenant = ["name"]


class LocationSerializer(PbxModelSerializer):
    """An emergency location."""

    url = DetailUrlField(view_name="location-detail")
    tenant = TenantField()
    country = UpperCaseCharField(max_length=2, validators=[country_validator])

    class Meta:
        model = Location
        fields = [
            "id",
            "url",
            "tenant",
            "name",
            "address_line1",
            "address_line2",
            "city",
            "region",
            "postal_code",
            "country",
            "emergency_caller_id",
            "description",
            "created_at",
            "updated_at",
        ]
        validators = []
        unique_per_tenant = ["name"]


class PrivilegeListField(serializers.ListField):
    """Privileges by name, or by MiRTA PBX's numeric id; stored and returned as names."""

    child = serializers.JSONField()

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError("Send a list of privilege names or ids.")
        names, unknown = [], []
        for privilege in data:
            if isinstance(privilege, dict):  # MiRTA PBX: {"ug_id": 12, "param1": ...}
                privilege = privilege.get("ug_id", privilege.get("id", privilege.get("name")))
            if isinstance(privilege, int) and not isinstance(privilege, bool) and privilege in PRIVILEGES:
                names.append(PRIVILEGES[privilege])
            elif (
                isinstance(privilege, str)
                and privilege.isascii()
                and privilege.isdigit()
                and int(privilege) in PRIVILEGES
            ):
                names.append(PRIVILEGES[int(privilege)])
            elif isinstance(privilege, str) and privilege in PRIVILEGE_IDS:
                names.append(privilege)
            else:
                unknown.append(str(privilege))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown privileges: {', '.join(unknown)}. Known: {', '.join(sorted(PRIVILEGE_IDS))}."
            )
        return sorted(set(names))


class PrivilegeSerializer(serializers.Serializer):
    """One privilege of the catalogue (tenants.models.PRIVILEGES)."""

    id = serializers.IntegerField(help_text="The id MiRTA PBX's clients send.")
    name = serializers.CharField(help_text="The name this API stores and returns.")


class UserProfileSerializer(PbxModelSerializer):
    """A user profile: a named set of privileges (platform object)."""

    url = DetailUrlField(view_name="userprofile-detail")
    privileges = PrivilegeListField(required=False, help_text="Privilege names (or MiRTA PBX ids).")

    class Meta:
        model = UserProfile
        fields = ["id", "url", "name", "description", "privileges", "reserved", "created_at", "updated_at"]
        aliases = {"up_name": "name", "up_reserved": "reserved", "up_description": "description"}


class LowerCaseCharField(serializers.CharField):
    """Text lower-cased on the way in, before the model's validators see it (tag names,
    which objects' `tags` lists also lower-case, so `VIP` and `vip` are one tag)."""

    def to_internal_value(self, data):
        return super().to_internal_value(data).lower()


class TagSerializer(PbxModelSerializer):
    """A tag: a tenant's, or global."""

    url = DetailUrlField(view_name="tag-detail")
    tenant = GlobalTenantField()
    name = LowerCaseCharField(max_length=50, validators=[tag_name_validator])

    class Meta:
        model = Tag
        fields = ["id", "url", "tenant", "name", "color", "description", "created_at", "updated_at"]
        validators = []
        unique_per_tenant = ["name"]
        taggable = False  # tags on tags would only confuse
