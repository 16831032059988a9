"""An extension's registration state, read from the location table Kamailio writes
(`kamailio_location`, the switch app's `Registration`; docs/switches.md).

A contact belongs to the extension whose (sip_username, tenant's sip_domain) is its
(username, domain), so another tenant's rows never match, whatever their username. A
contact is registered while its `expires` is in the future. The switch app is above
this one (it reads extensions to build Kamailio's subscriber view), so its model is
found by name rather than imported.
"""

from django.apps import apps
from django.db.models import Exists, OuterRef, Subquery
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from extensions.models import Extension


def registration_model():
    return apps.get_model("switch", "Registration")


def registered_now():
    """An expression true for an extension with at least one current contact: one
    subquery per list, none per row."""
    tenants = Extension._meta.get_field("tenant").related_model
    domain = tenants.objects.filter(pk=OuterRef(OuterRef("tenant_id"))).values("sip_domain")[:1]
    return Exists(
        registration_model()
        .objects.current()
        .filter(username=OuterRef("sip_username"), domain=Subquery(domain))
    )


def current_registrations(extension):
    """The extension's current contacts, oldest first (one query, kept on the instance
    for the serializer's two fields)."""
    cached = extension.__dict__.get("_registrations_now")
    if cached is None:
        tenants = Extension._meta.get_field("tenant").related_model
        domain = tenants.objects.filter(pk=extension.tenant_id).values("sip_domain")[:1]
        cached = list(
            registration_model()
            .objects.current()
            .filter(username=extension.sip_username, domain=Subquery(domain))
            .order_by("last_modified", "id")
        )
        extension.__dict__["_registrations_now"] = cached
    return cached


class RegistrationSerializer(serializers.Serializer):
    """One registered contact of an extension, as Kamailio's usrloc keeps it."""

    contact = serializers.CharField(read_only=True, help_text="The Contact URI the device registered.")
    received_ip = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="Address the registration came from: the source Kamailio saw behind NAT "
        "(its `received`), else the contact's host.",
    )
    received_port = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Port the registration came from (as received_ip)."
    )
    user_agent = serializers.CharField(read_only=True, help_text="The device's User-Agent.")
    expires = serializers.DateTimeField(read_only=True, help_text="When the registration lapses.")

    def to_representation(self, registration):
        ip, port = registration.source
        return {
            "contact": registration.contact,
            "received_ip": ip,
            "received_port": port,
            "user_agent": registration.user_agent,
            "expires": self.fields["expires"].to_representation(registration.expires),
        }


@extend_schema_field(
    {
        "type": "boolean",
        "readOnly": True,
        "description": "Whether a device is registered now (a contact whose expiry is in the future).",
    }
)
class RegisteredField(serializers.Field):
    """`registered`: from the list's annotation (no query per row), else from the contacts."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, extension):
        annotated = extension.__dict__.get("registered_now")
        return bool(annotated) if annotated is not None else bool(current_registrations(extension))


REGISTRATION_ITEM = {
    "type": "object",
    "properties": {
        "contact": {"type": "string", "example": "sip:100@192.168.1.10:5062;transport=udp"},
        "received_ip": {"type": "string", "nullable": True, "example": "203.0.113.7"},
        "received_port": {"type": "integer", "nullable": True, "example": 40312},
        "user_agent": {"type": "string", "example": "Yealink SIP-T46U 108.86.0.45"},
        "expires": {"type": "string", "format": "date-time"},
    },
    "required": ["contact", "received_ip", "received_port", "user_agent", "expires"],
}


@extend_schema_field(
    {
        "type": "array",
        "readOnly": True,
        "description": (
            "The devices registered now, one per contact: the Contact URI, the address and port the "
            "registration came from (Kamailio's `received` behind NAT, else the contact's), the "
            "User-Agent and when it lapses. Details only; a list shows `registered`."
        ),
        "items": REGISTRATION_ITEM,
    }
)
class RegistrationsField(serializers.Field):
    """`registrations`: the current contacts (details only, like destinations)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, extension):
        return RegistrationSerializer(current_registrations(extension), many=True).data
