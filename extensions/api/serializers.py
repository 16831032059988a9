"""The extension as the API reads and writes it."""

import re

from django.conf import settings
from rest_framework import serializers

from extensions.api.owners import may_own
from extensions.api.registrations import RegisteredField, RegistrationsField
from extensions.models import CODECS, Extension
from pbx.api.references import ObjectIdField, check_ids
from pbx.api.scope import scope_of
from pbx.api.serializers import DetailUrlField, NumberedSerializer, TenantField

FORWARDS = ("all", "busy", "no_answer", "unavailable")


class CodecListField(serializers.ListField):
    """Codecs as a list (`["opus", "alaw"]`) or as Asterisk writes them (`"alaw:20;ulaw:20"`)."""

    child = serializers.ChoiceField(choices=CODECS)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = [part for part in re.split("[,;]", data) if part.strip()]
        if isinstance(data, list):  # `alaw:20` as Asterisk writes it, in a list or a string
            data = [item.split(":")[0].strip().lower() if isinstance(item, str) else item for item in data]
        codecs = super().to_internal_value(data)
        return list(dict.fromkeys(codecs))  # drop repeats, keep the order of preference


class ExtensionSerializer(NumberedSerializer):
    """An extension. `password` is a secret: written by any full key, read by platform admins only."""

    url = DetailUrlField(view_name="extension-detail")
    tenant = TenantField()
    password = serializers.CharField(
        required=False,
        max_length=128,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="SIP password; generated when omitted for SIP and PJSIP. Shown to platform admins only.",
    )
    codecs = CodecListField(required=False, help_text=f"Any of {', '.join(CODECS)}, in order of preference.")
    routing_profile = ObjectIdField(
        source="routing_profile_id",
        required=False,
        allow_null=True,
        help_text="Id of a routing profile; overrides the tenant's.",
    )
    user = serializers.IntegerField(
        source="user_id",
        required=False,
        allow_null=True,
        min_value=1,
        help_text="Id of the user the extension belongs to; the user must belong to the tenant.",
    )
    # Read from Kamailio's location table (docs/api.md).
    registered = RegisteredField()
    registrations = RegistrationsField()

    class Meta:
        model = Extension
        fields = [
            "id",
            "url",
            "tenant",
            "number",
            "name",
            "tech",
            "password",
            "sip_username",
            "caller_id_name",
            "caller_id_number",
            "outbound_caller_id_name",
            "outbound_caller_id_number",
            "enabled",
            "do_not_disturb",
            "forward_all_enabled",
            "forward_all_destination",
            "forward_busy_enabled",
            "forward_busy_destination",
            "forward_no_answer_enabled",
            "forward_no_answer_destination",
            "forward_unavailable_enabled",
            "forward_unavailable_destination",
            "ring_timeout",
            "call_limit",
            "max_contacts",
            "codecs",
            "routing_profile",
            "mailbox",
            "toll_allow",
            "account_code",
            "description",
            "user",
            "registered",
            "registrations",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        secret_fields = ["password"]
        # A list would read the contacts once per row: it shows `registered` alone.
        detail_only_fields = ["registrations"]
        validators = []  # uniqueness is checked in validate(), with the API's own error codes
        # Field names of the systems our users come from (MiRTA PBX, FusionPBX, DjangoPBX).
        aliases = {
            "ex_number": "number",
            "extension": "number",
            "ex_name": "name",
            "ex_tech": "tech",
            "username": "sip_username",
            "sipusername": "sip_username",
            "ex_mailbox": "mailbox",
            "routing_profile_id": "routing_profile",
            "ps_auths.password": "password",
            "sipfriends.secret": "password",
            "ps_endpoints.allow": "codecs",
            "ps_aors.max_contacts": "max_contacts",
            "effective_caller_id_name": "caller_id_name",
            "effective_caller_id_number": "caller_id_number",
            "limit_max": "call_limit",
            "call_timeout": "ring_timeout",
            "forward_user_not_registered_enabled": "forward_unavailable_enabled",
            "forward_user_not_registered_destination": "forward_unavailable_destination",
        }

    def validate(self, attrs):
        attrs = super().validate(attrs)
        extension = self.instance
        current = {name: getattr(extension, name) for name in self.Meta.fields if hasattr(extension, name)}
        merged = {**current, **attrs}
        errors = {}

        if extension is not None and "tech" in attrs and attrs["tech"] != extension.tech:
            errors["tech"] = ["The technology of an extension cannot change: delete and recreate it."]

        registering = merged.get("tech", Extension.Tech.PJSIP) in Extension.REGISTERING
        password = attrs.get("password")
        if password:
            if not registering:
                errors["password"] = [f"{merged['tech']} extensions have no SIP password."]
            else:
                errors.update(self._password_errors(password, merged))

        for kind in FORWARDS:
            if merged.get(f"forward_{kind}_enabled") and not merged.get(f"forward_{kind}_destination"):
                errors[f"forward_{kind}_destination"] = [f"Give a destination to enable forward_{kind}."]

        tenant = merged["tenant"]
        # A username that was the number follows the number.
        follows_number = extension is None or extension.sip_username == extension.number
        if "sip_username" not in attrs and "number" in attrs and follows_number:
            attrs["sip_username"] = attrs["number"]
        username = attrs.get("sip_username")
        if username:
            taken = Extension.objects.filter(tenant=tenant, sip_username=username)
            if extension is not None:
                taken = taken.exclude(pk=extension.pk)
            if holder := taken.first():
                # A twin creating the same number may have committed since the number was
                # checked: then the clash is the number's (409), whatever the timing.
                self.check_number_free(attrs)
                errors["sip_username"] = [f"SIP username {username} is used by extension {holder.number}."]

        if attrs.get("routing_profile_id") is not None:
            try:
                profiles = Extension._meta.get_field("routing_profile").related_model  # routing is above us
                check_ids(profiles, [attrs["routing_profile_id"]], tenant, "routing_profile")
            except serializers.ValidationError as error:
                errors.update(error.detail)

        user_id = attrs.get("user_id")
        if user_id and not may_own(user_id, tenant, scope_of(self.context["request"])):
            errors["user"] = [f"User {user_id} does not belong to tenant {tenant.code}."]

        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def _password_errors(self, password, merged):
        minimum = settings.PBX_MIN_SIP_PASSWORD_LENGTH
        if len(password) < minimum:
            return {"password": [f"Use at least {minimum} characters: short SIP passwords get guessed."]}
        if password in (merged.get("number"), merged.get("sip_username")):
            return {"password": ["The password must not be the extension's number or username."]}
        return {}
