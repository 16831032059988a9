"""Serializers of API keys, users and the login token."""

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import serializers

from apikeys import roles
from apikeys.models import ApiKey, validate_cidrs
from pbx.api.serializers import PbxModelSerializer, TenantField
from tenants.models import Membership, Tenant, UserProfile, UserProfileAssignment

User = get_user_model()


class ApiKeySerializer(PbxModelSerializer):
    """An API key as lists show it: the prefix, never the key.

    Only `name` and `allowed_ips` change after creation; reach (tenant, read-only,
    expiry) is fixed, so a leaked key cannot be widened by whoever holds it.
    """

    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.all(),
        required=False,
        help_text="Owner's username (admin_api only); defaults to the caller.",
    )
    tenant = TenantField(allow_null=True, help_text="Tenant code; empty for a global key.")
    allowed_ips = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        validators=[validate_cidrs],
        help_text="CIDR networks the key may be used from; empty allows any.",
    )
    display = serializers.SerializerMethodField()

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "prefix",
            "display",
            "owner",
            "tenant",
            "read_only",
            "expires_at",
            "allowed_ips",
            "is_login_token",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]
        read_only_fields = ["prefix", "is_login_token", "created_at", "last_used_at", "revoked_at"]

    def get_display(self, api_key) -> str:
        return f"pbx_{api_key.prefix}_…"

    def validate_allowed_ips(self, value):
        try:
            validate_cidrs(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return value

    def validate_expires_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("Give a time in the future.")
        return value

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is not None:
            for name in ("tenant", "read_only", "expires_at", "owner"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError(
                        {name: ["Fixed at creation: revoke this key and create another."]}
                    )
        return attrs

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if getattr(instance, "issued_key", None):
            data["key"] = instance.issued_key  # the one and only time it is shown
        return data


class ApiKeyCreatedSerializer(ApiKeySerializer):
    """The answer to a key's creation: as a list shows it, plus the whole `key`, once."""

    key = serializers.CharField(read_only=True, help_text="The whole key. Shown only now.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]


class UserSerializer(PbxModelSerializer):
    """A platform user: role, tenants and (write-only) password."""

    password = serializers.CharField(
        write_only=True,
        required=False,
        style={"input_type": "password"},
        trim_whitespace=False,
        help_text="Write-only. Omit to create a user who can only use API keys.",
    )
    role = serializers.ChoiceField(choices=roles.ROLE_CHOICES, required=False, allow_null=True)
    tenants = serializers.ListField(
        child=serializers.CharField(max_length=32),
        required=False,
        help_text="Codes of the tenants the user belongs to.",
    )
    profile = serializers.PrimaryKeyRelatedField(
        queryset=UserProfile.objects.all(),
        required=False,
        allow_null=True,
        source="profile.profile",
        help_text="Id of the user's main user profile (MiRTA PBX profile_id).",
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "password",
            "role",
            "tenants",
            "profile",
            "is_active",
            "is_staff",
            "last_login",
            "date_joined",
        ]
        read_only_fields = ["last_login", "date_joined"]
        aliases = {
            "us_username": "username",
            "us_password": "password",
            "profile_id": "profile",
            "us_up_id": "profile",
            "userprofile_id": "profile",
        }

    def to_representation(self, user):
        data = super().to_representation(user)
        if "role" in self.fields:
            data["role"] = roles.ADMIN if user.is_superuser else getattr(user, "role_name", None)
        if "tenants" in self.fields:
            data["tenants"] = sorted(m.tenant.code for m in user.memberships.all())
        return data

    def validate_tenants(self, codes):
        codes = sorted({code.strip().upper() for code in codes})
        tenants = list(Tenant.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {t.code for t in tenants})
        if unknown:
            raise serializers.ValidationError(f"Unknown tenant codes: {', '.join(unknown)}.")
        return tenants

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "role" in attrs and "is_staff" not in attrs:
            # A platform or tenant administrator works in the admin too: it logs in as
            # created, unless the caller says otherwise.
            attrs["is_staff"] = attrs["role"] in roles.STAFF_ROLES
        password = attrs.get("password")
        if password is not None:
            candidate = self.instance or User(
                username=attrs.get("username", ""), email=attrs.get("email", "")
            )
            try:
                password_validation.validate_password(password, candidate)
            except DjangoValidationError as error:
                raise serializers.ValidationError({"password": error.messages}) from None
        return attrs

    def _apply(self, user, role, tenants, password, profile=serializers.empty):
        if profile is not serializers.empty:
            UserProfileAssignment.objects.filter(user=user).delete()
            # The user read before the write may hold the old assignment in its cache, and
            # the answer would then show a profile that is gone.
            user._state.fields_cache.pop("profile", None)
            if profile is not None:
                UserProfileAssignment.objects.create(user=user, profile=profile)
        if password is not None:
            user.set_password(password)
            user.save(update_fields=["password"])
        if role is not serializers.empty:
            user.groups.remove(*Group.objects.filter(name__in=roles.ROLES))
            if role:
                user.groups.add(Group.objects.get_or_create(name=role)[0])
            user.role_name = role
        if tenants is not None:
            Membership.objects.filter(user=user).exclude(tenant__in=tenants).delete()
            have = set(Membership.objects.filter(user=user).values_list("tenant_id", flat=True))
            Membership.objects.bulk_create(
                [Membership(user=user, tenant=t) for t in tenants if t.pk not in have]
            )
        return user

    def create(self, validated_data):
        role = validated_data.pop("role", None)
        tenants = validated_data.pop("tenants", [])
        password = validated_data.pop("password", None)
        profile = validated_data.pop("profile", {}).get("profile")
        user = User(**validated_data)
        user.set_unusable_password()
        user.save()
        return self._apply(user, role, tenants, password, profile)

    def update(self, user, validated_data):
        role = validated_data.pop("role", serializers.empty)
        tenants = validated_data.pop("tenants", None)
        password = validated_data.pop("password", None)
        profile = validated_data.pop("profile", {"profile": serializers.empty})["profile"]
        user = super().update(user, validated_data)
        if not self.partial:
            # PUT without a role or profile clears it, as PUT does for every field.
            role = None if role is serializers.empty else role
            profile = None if profile is serializers.empty else profile
        tenants = tenants if tenants is not None or self.partial else []
        return self._apply(user, role, tenants, password, profile)


class LoginSerializer(serializers.Serializer):
    """Credentials for POST /api-auth/login/."""

    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class LoginTokenSerializer(serializers.Serializer):
    """A login token: an API key bound to the user, with its expiry."""

    key = serializers.CharField()
    expires_at = serializers.DateTimeField()
