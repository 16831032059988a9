"""Who takes a call once its tenant is known, as Kamailio is told (switch.answers): an
extension (its forward of all calls, do-not-disturb, ringing with its busy, no-answer and
unavailable fallbacks), a destination of the media server, an outside number through the
tenant's trunks, or a refusal. Shared by `dial` (switch.dialing) and `did`
(switch.inbound)."""

from django.apps import apps

from extensions.models import Voicemail
from pbx import destinations
from pbx.models import DialplanNumber
from routing import dialing
from routing.callpath import SWITCH_DECIDERS, CallPath, DestinationGraph, Loop
from switch.answers import fallback, media, reject, ring, trunks

# What the switch's graph follows beyond the deciders: the extensions a DID reaches,
# whose busy, no-answer and unavailable slots make the fallbacks.
SWITCH_FOLLOW = (*SWITCH_DECIDERS, "EXT")

# kind -> (its forward's switch, its forward's number, its slot, the refusal without either)
FALLBACK_RULES = {
    "busy": ("forward_busy_enabled", "forward_busy_destination", "EXT-BUSY", 486, "is busy"),
    "noanswer": (
        "forward_no_answer_enabled",
        "forward_no_answer_destination",
        "EXT-NOANSWER",
        480,
        "does not answer",
    ),
    "unavailable": (
        "forward_unavailable_enabled",
        "forward_unavailable_destination",
        "EXT-UNAVAILABLE",
        480,
        "is not registered",
    ),
}


def _label(extension):
    return extension.dialplan_label()


def _sentence(text):
    """`extension 101 (Bob) is busy` -> `Extension 101 (Bob) is busy`."""
    return text[:1].upper() + text[1:]


class Call:
    """One call being decided in `tenant` (its `server` loaded): `number` is what the call
    is for (the number dialed, the DID), which the media server receives in the request
    URI; `graph` the destinations already read. `evaluated` gathers the schedules read
    on the way and `forwarded` the extensions whose forward of all calls was followed (a
    second time is a loop)."""

    def __init__(self, tenant, number, moment, graph=None):
        self.tenant, self.number, self.moment = tenant, number, moment
        self.graph = graph if graph is not None else DestinationGraph()
        self.evaluated = []
        self.forwarded = set()

    # --- numbers ------------------------------------------------------------------------

    def internal(self, number):
        """(code, id) of what `number` is in the tenant's dial plan (an extension, a hunt
        list, a queue, a conference room, a paging group), else of the voicemail box of
        that mailbox; None when it is neither."""
        row = (
            DialplanNumber.objects.filter(tenant=self.tenant, number=number)
            .values_list("holder_type", "holder_id")
            .first()
        )
        if row is not None:
            return destinations.target_type_of(apps.get_model(row[0])).code, row[1]
        box = (
            Voicemail.objects.filter(tenant=self.tenant, mailbox=number).values_list("pk", flat=True).first()
        )
        return None if box is None else ("VOICEMAIL", box)

    def to_number(self, number, *, by, top):
        """Where a call to `number` goes when `by` (an extension) sends it: inside the
        tenant, else out through its trunks."""
        found = self.internal(number)
        if found is not None:
            return self.to_destination(*found, top=top)
        return self.outside(number, by)

    def outside(self, number, by):
        """Out through the trunks of the route that takes `number` for `by`."""
        choice = dialing.choose(number, tenant=self.tenant, extension=by)
        if choice.route is None:
            return reject(403, f"No outbound route takes {number}: the call is refused.")
        return trunks(
            choice.sent,
            choice.trunks,
            by.outbound_caller_id_name,
            by.outbound_caller_id_number,
            f"{number} leaves by route {choice.route.name} as {choice.sent}.",
        )

    # --- destinations -------------------------------------------------------------------

    def to_destination(self, code, target_id, *, top):
        """The decision for a destination (`EXT-12`, `VOICEMAIL-3`, `HANGUP` ...). `top`:
        it is the answer itself, so an extension there gets its forwards, do-not-disturb
        and fallbacks; in a fallback an extension is only rung."""
        target, obj = self.graph.target(code, target_id)
        name = code if target_id is None else f"{code}-{target_id}"
        if target is not None and target.model is not None and obj is None:
            return reject(404, f"The destination {name} no longer exists.")
        label = target.describe(obj) if target is not None else name
        if code == "HANGUP":
            return reject(480, "The call is hung up: its destination is Hang up.")
        if getattr(obj, "enabled", True) is False:
            return reject(480, f"{_sentence(label)} is disabled.")
        if code == "EXT":
            if top:
                return self.to_extension(obj)
            return ring(obj, self.tenant.sip_domain, f"Ring {label}.", ring_timeout=obj.ring_timeout)
        return self.media(name, label)

    def media(self, destination, label):
        """To the tenant's media server, which plays `destination`."""
        server = self.tenant.server
        if server is None:
            return reject(
                480, f"Tenant {self.tenant.code} has no media server: {label} ({destination}) needs one."
            )
        if not server.enabled:
            return reject(
                480,
                f"The media server {server.name} of tenant {self.tenant.code} is disabled: {label} needs it.",
            )
        return media(server, self.number, destination, f"{_sentence(label)}, on {server.name}.")

    # --- extensions ---------------------------------------------------------------------

    def to_extension(self, extension):
        """A call that reaches `extension`: where it forwards all calls, else its busy
        fallback in do-not-disturb, else ring it with its fallbacks."""
        label = _label(extension)
        if not extension.enabled:
            return reject(480, f"{_sentence(label)} is disabled.")
        if extension.forward_all_enabled and extension.forward_all_destination:
            if extension.pk in self.forwarded:
                return reject(482, f"The call loops: {label} forwards all calls back into the chain.")
            self.forwarded.add(extension.pk)
            target = extension.forward_all_destination
            decision = self.to_number(target, by=extension, top=True)
            return {**decision, "message": f"{label} forwards all calls to {target}. {decision['message']}"}
        if extension.do_not_disturb:
            decision = self.fallback(extension, "busy")
            return {**decision, "message": f"{label} is in do-not-disturb. {decision['message']}"}
        return ring(
            extension,
            self.tenant.sip_domain,
            f"Ring {label}.",
            ring_timeout=extension.ring_timeout,
            **{kind: fallback(self.fallback(extension, kind)) for kind in FALLBACK_RULES},
        )

    def fallback(self, extension, kind):
        """The decision when `extension` is busy, does not answer or is unavailable: its
        forward for that case, else the first destination of its slot that takes the call
        (schedules and flows decide on the way), else the refusal a phone user expects."""
        enabled, number, slot, code, what = FALLBACK_RULES[kind]
        label = _label(extension)
        if getattr(extension, enabled) and getattr(extension, number):
            decision = self.to_number(getattr(extension, number), by=extension, top=False)
            return {
                **decision,
                "message": f"When {label} {what}, it forwards to {getattr(extension, number)}. "
                + decision["message"],
            }
        items = self.graph.slot(extension, slot)
        if items:
            path = CallPath(extension, self.moment, graph=self.graph, deciders=SWITCH_DECIDERS)
            try:
                taken = path.walk(items)
            except Loop as loop:
                return reject(482, f"The {slot} destinations of {label} loop at {loop.step['destination']}.")
            finally:
                self.evaluated += path.evaluated
            if taken:
                step = path.steps[-1]
                return self.to_destination(step["type"], step["id"], top=False)
        return reject(code, f"{_sentence(label)} {what}, with no {slot} destination.")
