"""Voicemail boxes. A user_api caller reads its own boxes and changes their PIN, email
and attachment setting."""

from rest_framework import serializers

from extensions.models import Extension, Voicemail
from pbx.api.filters import STRING_LOOKUPS, TIMESTAMP_FIELDS, PbxFilterSet
from pbx.api.references import ObjectIdField
from pbx.api.scope import scope_of
from pbx.api.serializers import DetailUrlField, PbxModelSerializer, TenantField
from pbx.api.viewsets import PbxViewSet


class VoicemailSerializer(PbxModelSerializer):
    """A voicemail box; `pin` is a secret."""

    url = DetailUrlField(view_name="voicemail-detail")
    tenant = TenantField()
    extension = ObjectIdField(
        model=Extension,
        source="extension_id",
        required=False,
        allow_null=True,
        help_text="Id (or UUID) of the tenant's extension the box belongs to; its user owns the box.",
    )
    user = serializers.IntegerField(source="user_id", read_only=True, allow_null=True)

    class Meta:
        model = Voicemail
        fields = [
            "id",
            "url",
            "tenant",
            "mailbox",
            "name",
            "pin",
            "email",
            "attach_audio",
            "delete_after_email",
            "enabled",
            "extension",
            "user",
            "created_at",
            "updated_at",
        ]
        validators = []
        secret_fields = ["pin"]
        unique_per_tenant = ["mailbox"]
        # MiRTA PBX and DjangoPBX create a box for an extension without naming its mailbox.
        extra_kwargs = {"mailbox": {"required": False}}
        # MiRTA PBX (`number`, `fullname`, `password`) and DjangoPBX (`mail_to`, `attach_file` ...).
        aliases = {
            "number": "mailbox",
            "vm_mailbox": "mailbox",
            "fullname": "name",
            "password": "pin",
            "mail_to": "email",
            "attach_file": "attach_audio",
            "extension_id": "extension",
        }

    def validate(self, attrs):
        if not self.partial and not attrs.get("mailbox"):
            # Before the kernel's checks, so that the mailbox taken is checked as unique.
            attrs["mailbox"] = self._number_of(attrs.get("extension_id"))
        attrs = super().validate(attrs)
        extension_id = attrs.get("extension_id")
        if extension_id is not None:
            tenant = attrs.get("tenant") or self.instance.tenant
            if not Extension.objects.filter(pk=extension_id, tenant=tenant).exists():
                raise serializers.ValidationError(
                    {"extension": [f"No extension {extension_id} in this tenant."]}
                )
        if not self.partial and not attrs.get("mailbox"):
            raise serializers.ValidationError(
                {"mailbox": ["Give the mailbox, or the extension whose number the box takes."]}
            )
        return attrs

    def _number_of(self, extension_id):
        """The number of the extension, within the caller's tenants, or None."""
        if extension_id is None:
            return None
        extensions = Extension.objects.filter(pk=extension_id)
        tenant_ids = scope_of(self.context["request"]).tenant_ids
        if tenant_ids is not None:
            extensions = extensions.filter(tenant_id__in=tenant_ids)
        return extensions.values_list("number", flat=True).first()


class VoicemailFilterSet(PbxFilterSet):
    class Meta:
        model = Voicemail
        fields = {
            "mailbox": STRING_LOOKUPS,
            "name": STRING_LOOKUPS,
            "email": ["exact", "icontains"],
            "enabled": ["exact"],
            "extension": ["exact"],
            "user": ["exact"],
            **TIMESTAMP_FIELDS,
        }


class VoicemailViewSet(PbxViewSet):
    """Voicemail boxes of the caller's tenants (a user_api caller: its own)."""

    queryset = Voicemail.objects.all()
    serializer_class = VoicemailSerializer
    filterset_class = VoicemailFilterSet
    search_fields = ["mailbox", "name", "email"]
    ordering_fields = ["mailbox", "name", "created_at", "updated_at", "id"]
    owner_field = "user"
    owner_only_reads = True
    owner_editable_fields = ("pin", "email", "attach_audio")
