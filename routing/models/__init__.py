"""The routing app's models, by concept; import them from here."""

from routing.models.callers import IVR, Agent, HuntList, HuntListMember, Queue, QueueMember
from routing.models.inbound import DID, normalize_e164, strip_separators
from routing.models.outbound import (
    DialPattern,
    OutboundRoute,
    OutboundRouteTrunk,
    RoutingProfile,
    RoutingProfileRoute,
    Trunk,
    pattern_regex,
)
from routing.models.schedules import WEEKDAYS, Flow, Schedule, ScheduleException, ScheduleRange
from routing.models.services import DISA, CallerIdBlacklist, CustomDestination, FeatureCode, ShortNumber

__all__ = [
    "DID",
    "DISA",
    "IVR",
    "WEEKDAYS",
    "Agent",
    "CallerIdBlacklist",
    "CustomDestination",
    "DialPattern",
    "FeatureCode",
    "Flow",
    "HuntList",
    "HuntListMember",
    "OutboundRoute",
    "OutboundRouteTrunk",
    "Queue",
    "QueueMember",
    "RoutingProfile",
    "RoutingProfileRoute",
    "Schedule",
    "ScheduleException",
    "ScheduleRange",
    "ShortNumber",
    "Trunk",
    "normalize_e164",
    "pattern_regex",
    "strip_separators",
]
