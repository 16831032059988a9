"""`GET /api/switch/did/`: where a call from a carrier to a DID goes.

The carrier is known by the packet's source address (switch.carriers): an address that
is no enabled trunk's is refused (403). The DID must be one of the tenants' and that
tenant one of the trunk's; otherwise it answers exactly as a number that does not exist
(404), so a carrier learns nothing of the numbers of tenants it does not serve.

The path is the route engine's (routing.callpath, which `GET /api/dids/<id>/route/`
shows), walked without keys: an IVR, like voicemail, a queue or a conference room, is
where the media server takes over. The whole reachable destination graph (schedules,
flows, the extensions reached and their fallback slots) is read in a constant number of
queries, however long the chain.

`ttl`: the answer holds for PBX_SWITCH_ANSWER_TTL seconds at most, and never past the
next change of state of a schedule it depends on (computed: a schedule changes only where
one of its ranges or exceptions starts or ends, or at midnight, in its time zone).
Do-not-disturb, forwards and flows change when someone changes them: the setting bounds
how long the switch may go on acting on their old state.
"""

import datetime as dt
import zoneinfo

from django.conf import settings

from routing.callpath import SWITCH_DECIDERS, CallPath, did_graph, route
from routing.models import DID, normalize_e164
from switch import carriers, clock
from switch.answers import answer, reject
from switch.callee import SWITCH_FOLLOW, Call


def did(number, caller, source):
    """The answer for a call from `source` (an IP address) to `number`, from `caller`."""
    limit = settings.PBX_SWITCH_ANSWER_TTL
    try:
        e164 = normalize_e164(number)
    except ValueError:
        e164 = None
    did = next(iter(DID.objects.select_related("tenant__server").filter(number=e164)), None) if e164 else None
    known, serves = carriers.carrier_at(source, did.tenant_id if did is not None else None)
    if not known:
        refusal = reject(403, f"{source} is no carrier's address: no enabled trunk has it as its host.")
        return answer(refusal, direction="inbound", ttl=limit)
    if did is None or not serves:
        return answer(reject(404, f"No DID {number}."), direction="inbound", ttl=limit)
    tenant = did.tenant
    if not tenant.enabled:
        refusal = reject(404, f"DID {did.number} is not in service: tenant {tenant.code} is disabled.")
        return answer(refusal, tenant=tenant, direction="inbound", did=did.pk, ttl=limit)
    moment = clock.now()
    call = Call(tenant, did.number, moment, graph=did_graph(did, follow=SWITCH_FOLLOW))
    path = CallPath(did, moment, graph=call.graph, deciders=SWITCH_DECIDERS)
    result = route(did, moment, caller=caller or None, path=path)
    decision, extension = _decision(call, did, result)
    ttl = unchanged_for([*path.evaluated, *call.evaluated], moment, limit)
    return answer(decision, tenant=tenant, direction="inbound", extension=extension, did=did.pk, ttl=ttl)


def _decision(call, did, result):
    """(decision, id of the extension reached or None) for the route engine's `result`."""
    outcome, message = result["outcome"], result["message"]
    if outcome == "blacklisted":
        return reject(603, message), None
    if outcome == "refused":
        return reject(404, message), None
    if outcome == "loop":
        return reject(482, f"DID {did.number}: {message}"), None
    if outcome == "hangup":
        return reject(480, f"DID {did.number}: {message}"), None
    step = result["terminal"]
    decision = call.to_destination(step["type"], step["id"], top=True)
    decision = {**decision, "message": f"DID {did.number}: {decision['message']}"}
    return decision, step["id"] if step["type"] == "EXT" else None


def unchanged_for(schedules, moment, limit):
    """Whole seconds from `moment`, at most `limit`, during which none of `schedules`
    changes state."""
    if limit <= 0:
        return 0  # nothing is cached: no need to look ahead
    end = moment + dt.timedelta(seconds=limit)
    first_change = end
    for schedule in {schedule.pk: schedule for schedule in schedules}.values():
        state = schedule.evaluate(moment)[:2]
        for instant in _boundaries(schedule, moment, first_change):
            if schedule.evaluate(instant)[:2] != state:
                first_change = instant
                break
    return int((first_change - moment).total_seconds())


def _boundaries(schedule, start, end):
    """The instants in (start, end] where `schedule` may change state, in order: where a
    range or an exception starts or ends, and midnight (a new day, a new date), read in
    the schedule's time zone."""
    zone = zoneinfo.ZoneInfo(schedule.time_zone)
    times = {dt.time(0)}
    for weekly in schedule.ranges.all():
        times.update((weekly.start, weekly.end))
    for exception in schedule.exceptions.all():
        times.update(time for time in (exception.start, exception.end) if time is not None)
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    instants = []
    while day <= last:
        instants += [dt.datetime.combine(day, time, tzinfo=zone) for time in times]
        day += dt.timedelta(days=1)
    return sorted(instant for instant in instants if start < instant <= end)
