"""Which outbound route a dialed number takes (`GET /api/outbound-routes/match/`, and the
switch's `GET /api/switch/dial/`, which acts on the same decision).

The routes an extension may use are those of its routing profile, else its tenant's,
in the profile's order; with no profile at all, the tenant's and the global routes by
priority. Emergency routes come first, and every enabled emergency route of the tenant
or the platform is tried even when the profile leaves it out: an emergency call must
never fail for want of a profile entry. The first route with a matching pattern and at
least one usable trunk (enabled, and assigned to the tenant) carries the call.

Trunks and routing profiles are platform objects: a caller who may not read them
(anyone but a platform admin on a global credential) learns the names of the trunks
assigned to the tenant, which carry its calls, and nothing of the others, which
`skipped` counts without naming; of the profile, its id (which the tenant and the
extension show) but not its name."""

from dataclasses import dataclass, field

from django.db.models import Q
from rest_framework import serializers

from routing.models import OutboundRoute, RoutingProfileRoute

ROUTE_PREFETCH = ("patterns", "route_trunks__trunk__tenants")


def _profile_of(tenant, extension):
    if extension is not None and extension.routing_profile_id:
        return extension.routing_profile, "extension"
    if tenant.routing_profile_id:
        return tenant.routing_profile, "tenant"
    return None, None


def candidate_routes(tenant, extension=None):
    """(profile, where it came from, routes in the order they are tried)."""
    profile, source = _profile_of(tenant, extension)
    reach = Q(tenant=tenant) | Q(tenant__isnull=True)
    if profile is not None:
        rows = RoutingProfileRoute.objects.filter(profile=profile).select_related("route")
        ordered = [
            row.route
            for row in rows.order_by("position")
            if row.route.enabled and row.route.tenant_id in (None, tenant.pk)
        ]
    else:
        ordered = list(OutboundRoute.objects.filter(reach, enabled=True).order_by("priority", "name", "id"))
    ids = [route.pk for route in ordered]
    emergency = list(
        OutboundRoute.objects.filter(reach, enabled=True, emergency=True)
        .exclude(pk__in=ids)
        .order_by("priority", "name", "id")
    )
    routes = [r for r in ordered if r.emergency] + emergency + [r for r in ordered if not r.emergency]
    prefetched = {
        route.pk: route
        for route in OutboundRoute.objects.filter(pk__in=[r.pk for r in routes]).prefetch_related(
            *ROUTE_PREFETCH
        )
    }
    return profile, source, [prefetched[route.pk] for route in routes]


def _trunk(trunk):
    return {
        "id": trunk.pk,
        "name": trunk.name,
        "host": trunk.host,
        "port": trunk.port,
        "transport": trunk.transport,
    }


def _refusals(route, tenant, sees_platform):
    """(usable trunks, why each other trunk of `route` cannot carry the call)."""
    usable, refused, unassigned = [], [], 0
    for row in route.route_trunks.all():
        trunk = row.trunk
        if tenant not in trunk.tenants.all():
            if sees_platform:
                refused.append(f"trunk {trunk.name} is not assigned to tenant {tenant.code}")
            else:
                unassigned += 1
        elif not trunk.enabled:
            refused.append(f"trunk {trunk.name} is disabled")
        else:
            usable.append(trunk)
    if unassigned:
        many = "1 trunk is" if unassigned == 1 else f"{unassigned} trunks are"
        refused.append(f"{many} not assigned to tenant {tenant.code}")
    return usable, refused


@dataclass
class Choice:
    """What the match decided: the route and pattern that take the number, the number
    sent and the usable trunks (Trunk objects, in failover order), or `route` None; the
    matching routes that could not carry the call, each with the reason, in `skipped`."""

    profile: object
    source: str | None
    routes: list
    route: object = None
    pattern: object = None
    sent: str | None = None
    trunks: list = field(default_factory=list)
    skipped: list = field(default_factory=list)


def choose(number, *, tenant, extension=None, sees_platform=False):
    """The route, pattern and trunks that carry `number` (the match tool's decision, which
    the switch's `dial` acts on)."""
    profile, source, routes = candidate_routes(tenant, extension)
    choice = Choice(profile, source, routes)
    for route in routes:
        for pattern in route.patterns.all():
            sent = pattern.number_sent(number)
            if sent is None:
                continue
            usable, refused = _refusals(route, tenant, sees_platform)
            if not usable:
                reason = "; ".join(refused) or "it has no trunk"
                choice.skipped.append(
                    {"route": {"id": route.pk, "name": route.name}, "reason": f"No usable trunk: {reason}."}
                )
                break  # the route matched but cannot carry the call: try the next route
            choice.route, choice.pattern, choice.sent, choice.trunks = route, pattern, sent, usable
            return choice
    return choice


def match(number, *, tenant, extension=None, sees_platform=False):
    """The answer of the match tool, as a dict (see MatchSerializer). `sees_platform`:
    the caller may read every trunk (a platform admin on a global credential)."""
    choice = choose(number, tenant=tenant, extension=extension, sees_platform=sees_platform)
    profile, route = choice.profile, choice.route
    answer = {
        "number": number,
        "tenant": tenant.code,
        "extension": None if extension is None else {"id": extension.pk, "number": extension.number},
        # A profile is a platform object too: its id is on the tenant and the extension,
        # its name only for those who may read profiles.
        "routing_profile": None
        if profile is None
        else {"id": profile.pk, "name": profile.name if sees_platform else None, "from": choice.source},
        "route": None,
        "pattern": None,
        "number_sent": None,
        "trunks": [],
        "skipped": choice.skipped,
    }
    if route is not None:
        pattern = choice.pattern
        answer.update(
            route={"id": route.pk, "name": route.name, "emergency": route.emergency, "tenant": _code(route)},
            pattern={"match": pattern.match, "strip": pattern.strip, "prepend": pattern.prepend},
            number_sent=choice.sent,
            trunks=[_trunk(trunk) for trunk in choice.trunks],
            message=f"{number} leaves by route {route.name} as {choice.sent}.",
        )
        return answer
    answer["message"] = f"No route takes {number}: the call would be refused." + (
        "" if choice.routes else " The extension has no outbound route at all."
    )
    return answer


def _code(route):
    return None if route.tenant_id is None else route.tenant.code


class MatchSerializer(serializers.Serializer):
    """The match tool's answer (documentation of its shape)."""

    number = serializers.CharField()
    tenant = serializers.CharField()
    extension = serializers.DictField(allow_null=True)
    routing_profile = serializers.DictField(
        allow_null=True,
        help_text="id, name (null unless you may read routing profiles), and from: extension or tenant.",
    )
    route = serializers.DictField(
        allow_null=True, help_text="The route that takes the call; null when none does."
    )
    pattern = serializers.DictField(allow_null=True)
    number_sent = serializers.CharField(allow_null=True, help_text="The number after strip and prepend.")
    trunks = serializers.ListField(
        child=serializers.DictField(), help_text="Usable trunks, in failover order."
    )
    skipped = serializers.ListField(
        child=serializers.DictField(), help_text="Matching routes with no usable trunk."
    )
    message = serializers.CharField()
