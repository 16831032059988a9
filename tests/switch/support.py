"""Building what a call meets, in few words: slots, routes, schedules, and asking the
switch's endpoints as Kamailio does (X-API-Key, query parameters)."""

import datetime as dt

from pbx import destinations
from pbx.models import Destination
from routing.models import DialPattern, OutboundRoute, OutboundRouteTrunk, ScheduleRange
from tests.factories import ScheduleFactory


def target_of(item):
    """`HANGUP`, or a model instance as its destination (`EXT-12`)."""
    if isinstance(item, str):
        return item, None
    return destinations.target_type_of(type(item)).code, item.pk


def set_slot(owner, slot, *items):
    """Replace `owner`'s `slot` with `items` (instances, or `HANGUP`), in order."""
    rows = Destination.objects.filter(owner_type=owner._meta.label_lower, owner_id=owner.pk, slot=slot)
    rows.delete()
    for position, item in enumerate(items):
        code, target_id = target_of(item)
        Destination.objects.create(
            tenant_id=getattr(owner, "tenant_id", None),
            owner_type=owner._meta.label_lower,
            owner_id=owner.pk,
            slot=slot,
            position=position,
            target_type=code,
            target_id=target_id,
        )


def outbound_route(tenant, name, patterns, trunks, *, emergency=False, priority=100):
    """A route of `tenant` (None: global) taking `patterns` [(match, strip, prepend)]
    through `trunks` in that failover order."""
    route = OutboundRoute.objects.create(tenant=tenant, name=name, emergency=emergency, priority=priority)
    for position, (match, strip, prepend) in enumerate(patterns):
        DialPattern.objects.create(route=route, position=position, match=match, strip=strip, prepend=prepend)
    for position, trunk in enumerate(trunks):
        OutboundRouteTrunk.objects.create(route=route, trunk=trunk, position=position)
    return route


def weekday_schedule(tenant, start="09:00", end="18:00", time_zone="Europe/Rome", **kwargs):
    """Open Monday to Friday from `start` to `end`, in `time_zone`."""
    schedule = ScheduleFactory(tenant=tenant, time_zone=time_zone, **kwargs)
    ScheduleRange.objects.create(
        schedule=schedule,
        days=["mon", "tue", "wed", "thu", "fri"],
        start=dt.time.fromisoformat(start),
        end=dt.time.fromisoformat(end),
    )
    return schedule


def moment(text):
    """An aware datetime from ISO 8601 with its offset."""
    return dt.datetime.fromisoformat(text)


def dial(client, number, *, caller="alice", domain="acme.pbx.test"):
    """The answer to `caller`@`domain` dialing `number` (200 expected)."""
    response = client.get("/api/switch/dial/", {"domain": domain, "caller": caller, "number": number})
    assert response.status_code == 200, response.json()
    return response.json()


def did(client, number, *, source, caller=None):
    """The answer to a call from `source` to `number` (200 expected)."""
    params = {"number": number, "source": source}
    if caller is not None:
        params["caller"] = caller
    response = client.get("/api/switch/did/", params)
    assert response.status_code == 200, response.json()
    return response.json()
