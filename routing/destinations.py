"""How the routing app takes part in destinations (docs/api.md): its target types
(`CONDITION`, `IVR`, `HUNTLIST`, `QUEUE`, `CUSTOM`, `DISA`, `FLOW`), the slots of its
owners (the names of MiRTA PBX), and the rows that keep a trunk, a route or a routing
profile in use. Registered from RoutingConfig.ready()."""

from pbx import destinations

DID_SLOTS = ["DID", "DID-UNCONDITIONAL", "DID-SMS", "DID-FAXSUCCESS"]
SCHEDULE_SLOTS = ["CONDITION", "NOTCONDITION", *[f"CONDITION{n}" for n in range(1, 21)]]
IVR_KEYS = {**{str(n): f"IVR_{n}" for n in range(10)}, "*": "IVR_STAR", "#": "IVR_SHARP"}
IVR_SLOTS = [
    *[f"IVR_{n}" for n in [1, 2, 3, 4, 5, 6, 7, 8, 9, 0]],
    "IVR_STAR",
    "IVR_SHARP",
    "IVR_WRONG",
    "IVR_TIMEOUT",
    "IVR_HANGUP",
    "IVR_FEATURE",
    "IVR_EXTENSION",
    "IVR_MEDIAFILE",
    "IVR_OPTIONSMEDIAFILE",
]
CUSTOM_SLOTS = [
    "PRIVACY-DONTCALL",
    "PRIVACY-TORTURE",
    "CTONANSWER",
    "CALLBACK-CONNECTED",
    "CTONCALLERHANGUP",
    "SPLITCHANNELACTION-CALLER",
    "SPLITCHANNELACTION-CALLED",
    "RANDOMDESTINATION",
]
HUNTLIST_SLOTS = ["HUNTLIST-TIMEOUT"]  # HUNTLIST itself is the member list (api/huntlists.py)
QUEUE_SLOTS = [
    "QUEUE-FULL",
    "QUEUE-TIMEOUT",
    "QUEUE-EXITKEY",
    "QUEUE-ONCALLBACK",
    "QUEUE-NOBODYHOME",
    "QUEUE-NOFREEMEMBER",
    "QUEUE-PERIODICANNOUNCE",
    "QUEUE-BEFORERINGING",
    "QUEUE-ONAUTOPAUSE",
    "QUEUE-ONABANDONEDCALL",
]
FLOW_SLOTS = ["FLOW", "FLOW-DAY"]


def register():
    from routing import models

    destinations.register_target("CONDITION", models.Schedule, label=lambda s: f"schedule {s}")
    destinations.register_target("IVR", models.IVR, label=lambda ivr: f"IVR {ivr}")
    destinations.register_target("HUNTLIST", models.HuntList, label=lambda hunt: hunt.dialplan_label())
    destinations.register_target("QUEUE", models.Queue, label=lambda queue: queue.dialplan_label())
    destinations.register_target(
        "CUSTOM", models.CustomDestination, label=lambda c: f"custom destination {c}"
    )
    destinations.register_target("DISA", models.DISA, label=lambda disa: f"DISA {disa}")
    destinations.register_target("FLOW", models.Flow, label=lambda flow: f"flow {flow}")

    destinations.register_slots(models.DID, DID_SLOTS)
    destinations.register_slots(models.Schedule, SCHEDULE_SLOTS)
    destinations.register_slots(models.IVR, IVR_SLOTS, prefixes=["CUSTOMIVR_"])
    destinations.register_slots(models.CustomDestination, CUSTOM_SLOTS, prefixes=["RANDOMDESTINATION"])
    destinations.register_slots(models.HuntList, HUNTLIST_SLOTS)
    destinations.register_slots(models.Queue, QUEUE_SLOTS)
    destinations.register_slots(models.Flow, FLOW_SLOTS)
    destinations.register_slots(models.FeatureCode, ["FEATURE"])

    destinations.register_reference(models.HuntListMember, "extension", "hunt_list")
    destinations.register_reference(models.QueueMember, "extension", "queue")
    destinations.register_reference(models.QueueMember, "agent", "queue")
    destinations.register_reference(models.OutboundRouteTrunk, "trunk", "route")
    destinations.register_reference(models.RoutingProfileRoute, "route", "profile")
    destinations.register_reference(models.DID, "schedule", None)
    destinations.register_reference(models.DISA, "routing_profile", None)
    from extensions.models import Extension
    from tenants.models import Tenant

    destinations.register_reference(Tenant, "routing_profile", None)
    destinations.register_reference(Extension, "routing_profile", None)
