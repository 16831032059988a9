"""How the extensions app takes part in destinations (docs/api.md): its target
types (`EXT`, `VOICEMAIL`, `CONFERENCE`, `PAGING`), the slots of extensions, voicemail
boxes and web call widgets, and the member rows (group members, device lines, follow-me
entries) that keep an extension in use.
Registered from ExtensionsConfig.ready()."""

from pbx import changelog, destinations

EXTENSION_SLOTS = ["EXT-BUSY", "EXT-NOANSWER", "EXT-UNAVAILABLE"]
VOICEMAIL_SLOTS = ["VOICEMAIL-OPERATOR", "VOICEMAIL-FOLLOW", "VOICEMAIL-BROADCAST"]
# MiRTA PBX's `onbusy`; the other two follow its pattern.
SHORTHANDS = {"onbusy": "EXT-BUSY", "onnoanswer": "EXT-NOANSWER", "onunavailable": "EXT-UNAVAILABLE"}


def same_number_voicemail(extension):
    """SAMENUMBERVM: the voicemail box numbered like the extension, created (and logged)
    when the tenant has none yet."""
    from extensions.models import Voicemail

    voicemail = Voicemail.objects.filter(tenant_id=extension.tenant_id, mailbox=extension.number).first()
    if voicemail is None:
        voicemail = Voicemail.objects.create(
            tenant_id=extension.tenant_id,
            mailbox=extension.number,
            name=extension.name or extension.number,
            extension=extension,
        )
        changelog.record(voicemail, changelog.CREATE)
    return voicemail


def register():
    from extensions import models

    destinations.register_target("EXT", models.Extension, label=lambda extension: extension.dialplan_label())
    destinations.register_target("VOICEMAIL", models.Voicemail, label=lambda box: f"voicemail {box}")
    destinations.register_target(
        "CONFERENCE", models.ConferenceRoom, label=lambda room: room.dialplan_label()
    )
    destinations.register_target("PAGING", models.PagingGroup, label=lambda group: group.dialplan_label())
    destinations.register_slots(
        models.Extension,
        EXTENSION_SLOTS,
        shorthands=SHORTHANDS,
        macros={"SAMENUMBERVM": same_number_voicemail},
    )
    destinations.register_slots(models.Voicemail, VOICEMAIL_SLOTS)
    destinations.register_slots(models.WebCallWidget, ["WEBCALL"])
    destinations.register_reference(models.PickupGroupMember, "extension", "group")
    destinations.register_reference(models.PagingGroupMember, "extension", "group")
    destinations.register_reference(models.DeviceLine, "extension", "device")
    destinations.register_reference(models.FollowMeEntry, "extension", "follow_me")
