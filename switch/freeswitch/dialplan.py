"""FreeSWITCH's dial plan: one extension for the number a call is for, as mod_xml_curl
asks for it.

FreeSWITCH posts `section=dialplan` with the channel's headers: `Hunt-Context` and
`Hunt-Destination-Number` (`Caller-Context`, `Caller-Destination-Number` before any
transfer), `Caller-Caller-ID-Number`, and every channel variable as `variable_<name>`.
The decision is pbx's, the one Kamailio is given (docs/switches.md): no second route
engine here, only the decision written as dial plan actions.

- The context `public` (FreeSWITCH's and FusionPBX's context for calls from carriers):
  the destination is a DID, decided as `GET /api/switch/did/` decides it, the carrier
  known by the packet's source address (`variable_sip_network_ip`).
- A tenant's context, named by its SIP domain (the directory's `user_context`): a call
  from its user `variable_user_name` (the name it authenticated with), decided as
  `GET /api/switch/dial/` decides it.

An extension is bridged as `user/<user>@<domain>` for its ring timeout; when the bridge
fails, the call is transferred to `pbx-fallback+<cause>+<user>` in the tenant's context,
which pbx answers with the extension's busy, no-answer or unavailable fallback. A number
nothing takes is "not found"; any other refusal is answered with its SIP code.
"""

import re
import xml.etree.ElementTree as ET

from extensions.models import Extension, Voicemail
from routing.models import Trunk
from switch import clock, dialing, inbound
from switch.callee import Call
from switch.freeswitch.document import document, not_found, serialize
from tenants.models import Tenant

PUBLIC = "public"
FALLBACK = "pbx-fallback"
# FreeSWITCH's `originate_disposition` after a failed bridge -> the extension's fallback.
# Any other cause (not registered, unreachable ...) is the unavailable fallback.
CAUSES = {
    "USER_BUSY": "busy",
    "CALL_REJECTED": "busy",
    "NO_ANSWER": "noanswer",
    "NO_USER_RESPONSE": "noanswer",
    "ALLOTTED_TIMEOUT": "noanswer",
}


def lookup(form):
    """The dial plan document for the call FreeSWITCH posted as `form`, or "not found"."""
    context = (form.get("Hunt-Context") or form.get("Caller-Context") or "").strip()
    number = (form.get("Hunt-Destination-Number") or form.get("Caller-Destination-Number") or "").strip()
    if not context or not number:
        return not_found()
    if context == PUBLIC:
        source = form.get("variable_sip_network_ip") or form.get("variable_sip_received_ip") or ""
        if not source:
            return not_found()
        decision = inbound.did(number, form.get("Caller-Caller-ID-Number", ""), source)
    elif number.startswith(f"{FALLBACK}+"):
        decision = _fallback(context, number)
    else:
        caller = form.get("variable_user_name") or form.get("variable_sip_auth_username") or ""
        decision = dialing.dial(context, caller, number)
    if decision["action"] == "reject" and decision["code"] == 404:
        return not_found()
    return serialize(_document(context, number, decision))


def _fallback(context, number):
    """The busy, no-answer or unavailable fallback of the extension of `number`."""
    _, cause, name = ([*number.split("+", 2), "", ""])[:3]
    tenant = Tenant.objects.select_related("server").filter(sip_domain=context.lower(), enabled=True).first()
    extension = None
    if tenant is not None:
        extension = Extension.objects.filter(tenant=tenant, sip_username=name, enabled=True).first()
    if extension is None:
        return {"action": "reject", "code": 404}
    extension.tenant = tenant
    call = Call(tenant, extension.number, clock.now())
    return call.fallback(extension, CAUSES.get(cause, "unavailable"))


def _document(context, number, decision):
    root, section = document("dialplan")
    extension = ET.SubElement(ET.SubElement(section, "context", name=context), "extension", name="pbx")
    condition = ET.SubElement(
        extension, "condition", field="destination_number", expression=f"^{re.escape(number)}$"
    )
    if decision.get("message"):
        _action(condition, "log", f"INFO pbx: {decision['message']}")
    for application, data in actions(decision, top=True):
        _action(condition, application, data)
    return root


def _action(condition, application, data):
    ET.SubElement(condition, "action", application=application, data=data)


def actions(decision, *, top):
    """[(application, data)] that carry out `decision` (switch.answers' shape). `top`:
    the call's own decision, whose extension gets its fallbacks."""
    kind = decision["action"]
    if kind == "extension":
        return _ring(decision, top=top)
    if kind == "media":
        return _media(decision)
    if kind == "trunks":
        return _trunks(decision)
    return [("respond", f"{decision['code']} {decision.get('reason', '')}".strip())]


def _ring(decision, *, top):
    user, _, domain = decision["aor"].removeprefix("sip:").partition("@")
    steps = [
        ("set", f"call_timeout={decision.get('ring_timeout') or 30}"),
        ("set", "hangup_after_bridge=true"),
    ]
    if not top or not decision.get("busy"):
        return [*steps, ("bridge", f"user/{user}@{domain}")]
    # The bridge's failure cause picks the fallback, which pbx decides at that moment.
    return [
        *steps,
        ("set", "continue_on_fail=true"),
        ("bridge", f"user/{user}@{domain}"),
        ("transfer", f"{FALLBACK}+${{originate_disposition}}+{user} XML {domain}"),
    ]


def _media(decision):
    """Voicemail is FreeSWITCH's own (mod_voicemail, profile `default`); any other media
    destination (IVR, queue, conference room ...) is the tenant's media server's, where
    the call is sent through the SIP profile it came in by."""
    code, _, pk = decision["destination"].partition("-")
    if code == "VOICEMAIL":
        box = Voicemail.objects.select_related("tenant").filter(pk=pk).first()
        if box is not None:
            return [("answer", ""), ("voicemail", f"default {box.tenant.sip_domain} {box.mailbox}")]
    return [("bridge", f"sofia/${{sofia_profile_name}}/{decision['uri'].removeprefix('sip:')}")]


def _trunks(decision):
    """The route's trunks in failover order: FreeSWITCH tries each gateway of a
    `|`-separated bridge in turn. A trunk is a gateway of FreeSWITCH's of the same name."""
    names = Trunk.objects.in_bulk([trunk["id"] for trunk in decision["trunks"]])
    gateways = "|".join(
        f"sofia/gateway/{names[trunk['id']].name}/{decision['number']}"
        for trunk in decision["trunks"]
        if trunk["id"] in names
    )
    steps = [
        ("set", f"effective_caller_id_{part}={decision[f'caller_id_{part}']}")
        for part in ("name", "number")
        if decision.get(f"caller_id_{part}")
    ]
    return [*steps, ("set", "hangup_after_bridge=true"), ("bridge", gateways)]
