"""`GET /api/switch/dial/`: where a call from one of a tenant's extensions goes.

Kamailio has checked the caller's digest, so the SIP domain names the tenant and the
dial plan is that tenant's only. A dialed number is tried, in this order, as:

1. a number an enabled emergency route takes (and a trunk can carry): out at once, so
   that no extension, group or short number can ever stand in an emergency call's way;
2. the tenant's dial plan: an extension, hunt list, queue, conference room or paging
   group (switch.callee), else a voicemail box by its mailbox, else an extension by its
   SIP username;
3. a feature code (the tenant's over the platform's): its `FEATURE` destination, or the
   media server when the feature is a built-in one;
4. a short number (the tenant's over the platform's): the number it dials, tried again;
5. an outside number, through the route the outbound match chooses.

A number that nothing takes is refused: 404 when it is no longer than the tenant's
longest internal number (an unknown internal number), else 403 naming it (no route).
"""

from django.db.models import F, Max, Q
from django.db.models.functions import Length

from extensions.models import Extension
from pbx.models import DialplanNumber
from routing.callpath import SWITCH_DECIDERS, CallPath, Loop
from routing.models import FeatureCode, OutboundRoute, ShortNumber
from switch import clock
from switch.answers import answer, reject
from switch.callee import Call
from tenants.models import Tenant


def dial(domain, caller, number):
    """The answer for `caller` (a SIP username) of the tenant of `domain` dialing `number`."""
    tenant = (
        Tenant.objects.select_related("server", "routing_profile").filter(sip_domain=domain.lower()).first()
    )
    if tenant is None:
        return answer(reject(404, f"No tenant has the SIP domain {domain}."), direction="internal")
    if not tenant.enabled:
        return answer(reject(403, f"Tenant {tenant.code} is disabled."), tenant=tenant, direction="internal")
    extension = (
        Extension.objects.select_related("routing_profile").filter(tenant=tenant, sip_username=caller).first()
    )
    if extension is None:
        refusal = reject(403, f"{caller} is no extension of tenant {tenant.code}.")
        return answer(refusal, tenant=tenant, direction="internal")
    extension.tenant = tenant  # the match reads the tenant's routing profile through it
    if not extension.enabled:
        refusal = reject(403, f"Extension {extension.number} is disabled: it may not call.")
        return answer(refusal, tenant=tenant, direction="internal", extension=extension.pk)
    decision = decide(Call(tenant, number, clock.now()), extension, number)
    direction = "outbound" if decision["action"] == "trunks" else "internal"
    return answer(decision, tenant=tenant, direction=direction, extension=extension.pk)


def decide(call, extension, number, *, short=True):
    """The decision for `number` dialed by `extension`, in the order of the module's docstring."""
    emergency = _emergency(call, extension, number)
    if emergency is not None:
        return emergency
    found = call.internal(number) or _by_sip_username(call.tenant, number)
    if found is not None:
        return call.to_destination(*found, top=True)
    feature = _feature_code(call, number)
    if feature is not None:
        return feature
    if short:
        dials = _short_number(call.tenant, number)
        if dials is not None:
            decision = decide(call, extension, dials, short=False)
            return {**decision, "message": f"Short number {number} dials {dials}. {decision['message']}"}
    decision = call.outside(number, extension)
    if decision["action"] == "reject" and len(number) <= _longest_internal_number(call.tenant):
        return reject(404, f"No extension, group or route takes {number} in tenant {call.tenant.code}.")
    return decision


def _global_or_tenants(tenant):
    return Q(tenant=tenant) | Q(tenant__isnull=True)


def _emergency(call, extension, number):
    """Out through an emergency route, when one takes `number` and a trunk can carry it."""
    routes = OutboundRoute.objects.filter(_global_or_tenants(call.tenant), enabled=True, emergency=True)
    for route in routes.prefetch_related("patterns"):
        if any(pattern.number_sent(number) is not None for pattern in route.patterns.all()):
            decision = call.outside(number, extension)
            return decision if decision["action"] == "trunks" else None
    return None


def _by_sip_username(tenant, name):
    """An extension called by its SIP username (`sip:alice@acme...`) rather than its number."""
    pk = Extension.objects.filter(tenant=tenant, sip_username=name).values_list("pk", flat=True).first()
    return None if pk is None else ("EXT", pk)


def _feature_code(call, number):
    if len(number) > 10:
        return None
    feature = (
        FeatureCode.objects.filter(_global_or_tenants(call.tenant), code=number, enabled=True)
        .order_by(F("tenant_id").asc(nulls_last=True))
        .first()
    )
    if feature is None:
        return None
    if feature.feature:
        return call.media(f"FEATURE-{feature.pk}", f"feature code {feature.code} ({feature.feature})")
    path = CallPath(feature, call.moment, graph=call.graph, deciders=SWITCH_DECIDERS)
    try:
        taken = path.walk(call.graph.slot(feature, "FEATURE"))
    except Loop as loop:
        return reject(482, f"Feature code {number} loops at {loop.step['destination']}.")
    if not taken:
        return reject(480, f"Feature code {number} has no destination.")
    step = path.steps[-1]
    return call.to_destination(step["type"], step["id"], top=True)


def _short_number(tenant, number):
    if len(number) > 10:
        return None
    return (
        ShortNumber.objects.filter(_global_or_tenants(tenant), number=number, enabled=True)
        .order_by(F("tenant_id").asc(nulls_last=True))
        .values_list("dial", flat=True)
        .first()
    )


def _longest_internal_number(tenant):
    longest = DialplanNumber.objects.filter(tenant=tenant).aggregate(longest=Max(Length("number")))
    return longest["longest"] or 0
