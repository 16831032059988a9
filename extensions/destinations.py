"""How extensions take part in destinations (DESIGN.md section 5): `EXT-<id>` as a
target, and the slots an extension sends calls to when it is busy, does not answer or
is not registered. Registered from ExtensionsConfig.ready()."""

from pbx import changelog, destinations

EXTENSION_SLOTS = ["EXT-BUSY", "EXT-NOANSWER", "EXT-UNAVAILABLE"]
# Seed 001's `onbusy`; the other two follow its pattern.
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
    from extensions.models import Extension

    destinations.register_target("EXT", Extension, label=lambda extension: extension.dialplan_label())
    destinations.register_slots(
        Extension,
        EXTENSION_SLOTS,
        shorthands=SHORTHANDS,
        macros={"SAMENUMBERVM": same_number_voicemail},
    )
