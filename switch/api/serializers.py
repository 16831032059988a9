"""What the switch's endpoints read and answer: their query parameters, the call record
Kamailio posts, and the answers (documentation of their shape for the OpenAPI schema)."""

import ipaddress
import math
import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pbx.api.filters import MAX_ID
from pbx.api.references import ObjectIdField

# What a phone may dial: digits, * and #, a leading +, or a SIP username.
DIALED = re.compile(r"^\+?[0-9A-Za-z*#._~-]{1,64}$")
# Unix seconds a call may be at: after 1970, before the year 3000.
LATEST = 32_503_680_000


class SwitchDialQuerySerializer(serializers.Serializer):
    domain = serializers.CharField(max_length=253, help_text="The caller's SIP domain: names the tenant.")
    caller = serializers.CharField(
        max_length=64, help_text="The caller's SIP username (Kamailio checked it)."
    )
    number = serializers.RegexField(
        DIALED,
        help_text="The number dialed (or an extension's SIP username).",
        error_messages={"invalid": "Use up to 64 digits, * or #, after an optional +, or a SIP username."},
    )


@extend_schema_field({"type": "string", "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]})
class IPAddressField(serializers.CharField):
    """An IPv4 or IPv6 address, written as Python writes it (`2001:db8::10`)."""

    def to_internal_value(self, data):
        try:
            return str(ipaddress.ip_address(super().to_internal_value(data).strip()))
        except ValueError:
            raise serializers.ValidationError("Give the IP address the call came from.") from None


class SwitchDIDQuerySerializer(serializers.Serializer):
    number = serializers.CharField(max_length=64, help_text="The number called, in any notation.")
    caller = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="The calling number (the blacklist's)."
    )
    source = IPAddressField(max_length=64, help_text="The source IP address of the call's packets.")


class Seconds(serializers.FloatField):
    """Unix seconds, decimals allowed."""

    def __init__(self, **kwargs):
        super().__init__(min_value=0, max_value=LATEST, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            raise serializers.ValidationError("Give Unix seconds.")
        return value


def _link(noun):
    return ObjectIdField(
        max_value=MAX_ID,
        allow_null=True,
        required=False,
        default=None,
        help_text=f"Id of the {noun} pbx named in its answer; null when none.",
    )


class SwitchCallSerializer(serializers.Serializer):
    """A finished call, as Kamailio posts it."""

    call_id = serializers.CharField(max_length=128, help_text="The SIP Call-ID: unique per tenant.")
    tenant = serializers.CharField(max_length=32, help_text="The tenant's code, from pbx's answer.")
    direction = serializers.ChoiceField(["internal", "inbound", "outbound"])
    caller_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    caller_name = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    destination_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    extension = _link("extension")
    did = _link("DID")
    trunk = _link("trunk")
    start = Seconds(help_text="When the INVITE came, in Unix seconds.")
    answer = Seconds(required=False, default=0, help_text="When it was answered; 0 if never.")
    end = Seconds(help_text="When it ended.")
    code = serializers.IntegerField(min_value=100, max_value=699, help_text="The final SIP answer's code.")
    reason = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs["answer"] and not attrs["start"] <= attrs["answer"] <= attrs["end"]:
            raise serializers.ValidationError({"answer": ["Must be between start and end, or 0."]})
        return attrs


class SwitchCallStoredSerializer(serializers.Serializer):
    """What became of a posted call."""

    id = serializers.IntegerField(help_text="The call record's id.")
    call_id = serializers.CharField()
    tenant = serializers.CharField()
    stored = serializers.IntegerField(help_text="1 when stored now, 0 when it was already.")
    skipped = serializers.IntegerField(help_text="1 when the call was already stored.")


# --- the answers ----------------------------------------------------------------------


class SwitchTrunkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    uri = serializers.CharField(help_text="sip:<number>@<host>:<port>;transport=<transport>")
    username = serializers.CharField(help_text="For the carrier's digest challenge.")
    password = serializers.CharField()
    from_user = serializers.CharField()
    from_domain = serializers.CharField()


class SwitchDecisionSerializer(serializers.Serializer):
    """Where the call goes: every field present, empty when unused."""

    action = serializers.ChoiceField(["extension", "media", "trunks", "reject"])
    code = serializers.IntegerField(help_text="The SIP code of a reject; 0 otherwise.")
    reason = serializers.CharField(help_text="Its reason phrase (Not Found, Busy Here ...).")
    message = serializers.CharField(help_text="A sentence for the logs.")
    uri = serializers.CharField(help_text="media: sip:<number>@<media server>:<sip_port>.")
    aor = serializers.CharField(help_text="extension: sip:<sip_username>@<sip_domain>, to look up.")
    destination = serializers.CharField(help_text="media: what the media server plays (VOICEMAIL-12 ...).")
    number = serializers.CharField(help_text="trunks: the number sent, after strip and prepend.")
    trunks = SwitchTrunkSerializer(many=True, help_text="trunks: in failover order.")
    caller_id_name = serializers.CharField(help_text="trunks: the name presented to the carrier.")
    caller_id_number = serializers.CharField(help_text="trunks: the number presented to the carrier.")


class SwitchAnswerSerializer(SwitchDecisionSerializer):
    """A routing decision for Kamailio (docs/switches.md)."""

    tenant = serializers.CharField(help_text="The tenant's code; empty when none is known.")
    direction = serializers.ChoiceField(["internal", "inbound", "outbound"])
    extension = serializers.IntegerField(allow_null=True, help_text="dial: the caller; did: the one reached.")
    did = serializers.IntegerField(allow_null=True)
    ttl = serializers.IntegerField(help_text="Seconds the switch may keep this answer (did); 0: do not.")
    ring_timeout = serializers.IntegerField(help_text="extension: seconds to ring.")
    busy = SwitchDecisionSerializer(allow_null=True, help_text="extension: when the callee is busy.")
    noanswer = SwitchDecisionSerializer(allow_null=True, help_text="extension: when no one answers in time.")
    unavailable = SwitchDecisionSerializer(
        allow_null=True, help_text="extension: when nothing is registered."
    )


class FreeSwitchLookupSerializer(serializers.Serializer):
    """What pbx reads of a mod_xml_curl request; FreeSWITCH sends many more fields
    (every channel variable as `variable_<name>`), which are accepted and not read."""

    section = serializers.CharField(help_text="directory, dialplan, configuration, languages, chatplan ...")
    tag_name = serializers.CharField(required=False, allow_blank=True)
    key_name = serializers.CharField(required=False, allow_blank=True)
    key_value = serializers.CharField(required=False, allow_blank=True)
    hostname = serializers.CharField(required=False, allow_blank=True, help_text="The FreeSWITCH asking.")
    action = serializers.CharField(
        required=False, allow_blank=True, help_text="directory: sip_auth, user_call, message-count ..."
    )
    user = serializers.CharField(required=False, allow_blank=True, help_text="directory: the user's name.")
    domain = serializers.CharField(required=False, allow_blank=True, help_text="directory: the SIP domain.")
    sip_auth_username = serializers.CharField(required=False, allow_blank=True)
    sip_auth_realm = serializers.CharField(required=False, allow_blank=True)
