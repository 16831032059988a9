"""The extensions app's models, by concept; import them from here."""

from extensions.models.devices import Device, DeviceLine, normalize_mac
from extensions.models.directory import Contact, FollowMe, FollowMeEntry, WebCallWidget
from extensions.models.extension import (
    CODECS,
    Extension,
    dial_string_validator,
    extension_number_validator,
    generate_sip_password,
)
from extensions.models.groups import (
    ConferenceRoom,
    PagingGroup,
    PagingGroupMember,
    PickupGroup,
    PickupGroupMember,
)
from extensions.models.voicemail import Voicemail

__all__ = [
    "CODECS",
    "ConferenceRoom",
    "Contact",
    "Device",
    "DeviceLine",
    "Extension",
    "FollowMe",
    "FollowMeEntry",
    "PagingGroup",
    "PagingGroupMember",
    "PickupGroup",
    "PickupGroupMember",
    "Voicemail",
    "WebCallWidget",
    "dial_string_validator",
    "extension_number_validator",
    "generate_sip_password",
    "normalize_mac",
]
