"""Provisioning phones and managed devices, with their line keys."""

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from extensions.api.owners import may_own
from extensions.models import Device, DeviceLine, Extension, normalize_mac
from pbx.api.children import ItemsField
from pbx.api.filters import STRING_LOOKUPS, TIMESTAMP_FIELDS, PbxFilterSet
from pbx.api.scope import scope_of
from pbx.api.serializers import DetailUrlField, PbxModelSerializer, TenantField, _relations
from pbx.api.viewsets import PbxViewSet

BUTTON_TYPES = ["line", "speed_dial", "blf", "park", "transfer", "dtmf", "url", "none"]


class MacAddressField(serializers.CharField):
    """A MAC address in any usual notation, stored as 12 lower-case hex digits."""

    def to_internal_value(self, data):
        try:
            return normalize_mac(super().to_internal_value(data))
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class DeviceLineSerializer(serializers.Serializer):
    line = serializers.IntegerField(min_value=1, max_value=64)
    extension = serializers.IntegerField(min_value=1, source="extension_id")
    label = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class ButtonSerializer(serializers.Serializer):
    key = serializers.IntegerField(min_value=1, max_value=200)
    type = serializers.ChoiceField(choices=BUTTON_TYPES)
    value = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    label = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class PhonebookSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")


class DeviceSerializer(PbxModelSerializer):
    """A device. `provisioning_password` is a secret; `lines` are the tenant's extensions."""

    url = DetailUrlField(view_name="device-detail")
    tenant = TenantField()
    mac_address = MacAddressField(help_text="Any notation: 00:11:22:AA:BB:CC, 001122aabbcc ...")
    lines = ItemsField(DeviceLineSerializer())
    button_layout = ItemsField(ButtonSerializer())
    phonebooks = ItemsField(PhonebookSerializer())
    user = serializers.IntegerField(
        source="user_id",
        required=False,
        allow_null=True,
        min_value=1,
        help_text="Id of the user the device belongs to (a user of the tenant); that user_api user sees it.",
    )

    class Meta:
        model = Device
        fields = [
            "id",
            "url",
            "tenant",
            "name",
            "mac_address",
            "vendor",
            "model",
            "provisioning_username",
            "provisioning_password",
            "lines",
            "button_layout",
            "phonebooks",
            "enabled",
            "description",
            "user",
            "created_at",
            "updated_at",
        ]
        validators = []
        secret_fields = ["provisioning_password"]
        aliases = {"ph_name": "name", "ph_mac": "mac_address", "mac": "mac_address"}
        unique_platform_wide = {
            "mac_address": lambda mac: f"The device {':'.join(re.findall('..', mac))} is already registered."
        }

    def validate(self, attrs):
        attrs = super().validate(attrs)
        tenant = attrs.get("tenant") or self.instance.tenant
        user_id = attrs.get("user_id")
        if user_id is not None and not may_own(user_id, tenant, scope_of(self.context["request"])):
            raise serializers.ValidationError(
                {"user": [f"User {user_id} does not belong to tenant {tenant.code}."]}
            )
        lines = attrs.get("lines")
        if "lines" not in attrs and self.instance is not None and not self.partial:
            lines = attrs["lines"] = []
        if lines:
            numbers = [line["line"] for line in lines]
            if len(set(numbers)) != len(numbers):
                raise serializers.ValidationError({"lines": ["A line number appears twice."]})
            wanted = {line["extension_id"] for line in lines}
            found = set(Extension.objects.filter(tenant=tenant, pk__in=wanted).values_list("pk", flat=True))
            if wanted - found:
                missing = ", ".join(str(pk) for pk in sorted(wanted - found))
                raise serializers.ValidationError({"lines": [f"No extension {missing} in this tenant."]})
        if lines is not None and self.instance is not None:
            _relations(self.instance)["lines"] = self._lines_of(self.instance)
        for name in ("button_layout", "phonebooks"):
            if name in attrs:
                attrs[name] = [dict(item) for item in attrs[name]]
        return attrs

    @staticmethod
    def _lines_of(device):
        return [
            {"line": line.line, "extension": line.extension_id, "label": line.label}
            for line in device.lines.all()
        ]

    def save(self, **kwargs):
        lines = self._validated_data.pop("lines", None)
        device = super().save(**kwargs)
        if lines is not None:
            DeviceLine.objects.filter(device=device).delete()
            DeviceLine.objects.bulk_create([DeviceLine(device=device, **line) for line in lines])
            getattr(device, "_prefetched_objects_cache", {}).pop("lines", None)
            _relations(device)["lines"] = self._lines_of(device)
        return device


class DeviceFilterSet(PbxFilterSet):
    class Meta:
        model = Device
        fields = {
            "name": STRING_LOOKUPS,
            "mac_address": ["exact", "startswith"],
            "vendor": ["exact"],
            "model": ["exact"],
            "enabled": ["exact"],
            "user": ["exact"],
            **TIMESTAMP_FIELDS,
        }


class DeviceViewSet(PbxViewSet):
    """Devices of the caller's tenants (a user_api caller: its own, read-only)."""

    queryset = Device.objects.prefetch_related("lines")
    serializer_class = DeviceSerializer
    filterset_class = DeviceFilterSet
    search_fields = ["name", "mac_address", "vendor", "model", "description"]
    ordering_fields = ["name", "mac_address", "vendor", "created_at", "updated_at", "id"]
    owner_field = "user"
    owner_only_reads = True
