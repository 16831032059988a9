"""The answers Kamailio acts on (docs/switches.md, "What Kamailio asks pbx").

One flat shape for every decision, every field always present (empty string, 0, null
or [] when unused), so that the shipped configuration reads them with `jansson_get`
paths (`busy.action`, `trunks[0].uri`) and never meets a missing key. A decision is a
dict of the routing fields below; `answer()` makes it a whole answer, `fallback()` one
of an extension's busy, no-answer and unavailable fallbacks.
"""

import ipaddress
from urllib.parse import quote

# The SIP answers a caller hears, with their reason phrases (RFC 3261).
REASONS = {
    403: "Forbidden",
    404: "Not Found",
    480: "Temporarily Unavailable",
    482: "Loop Detected",
    486: "Busy Here",
    603: "Decline",
}

# What a decision says: the whole of a fallback, and the routing part of an answer.
DECISION = {
    "action": "",
    "code": 0,
    "reason": "",
    "message": "",
    "uri": "",
    "aor": "",
    "destination": "",
    "number": "",
    "trunks": [],
    "caller_id_name": "",
    "caller_id_number": "",
}
FALLBACKS = ("busy", "noanswer", "unavailable")


def reject(code, message):
    """Refuse the call with SIP `code`."""
    return {"action": "reject", "code": code, "reason": REASONS[code], "message": message}


def ring(extension, sip_domain, message, **more):
    """Ring the extension's registrations (Kamailio: lookup on the AOR)."""
    aor = f"sip:{extension.sip_username}@{sip_domain}"
    return {"action": "extension", "aor": aor, "message": message, **more}


def media(server, number, destination, message):
    """Send the call to the tenant's media server, naming the destination it plays."""
    return {
        "action": "media",
        "uri": f"sip:{_user(number)}@{_host(server.address)}:{server.sip_port}",
        "destination": destination,
        "message": message,
    }


def trunks(number, carriers, caller_id_name, caller_id_number, message):
    """Out through `carriers` (Trunk objects) in failover order, as `number`."""
    return {
        "action": "trunks",
        "number": number,
        "trunks": [
            {
                "id": trunk.pk,
                "uri": f"sip:{_user(number)}@{_host(trunk.host)}:{trunk.port};transport={trunk.transport}",
                "username": trunk.username,
                "password": trunk.password,
                "from_user": trunk.from_user,
                "from_domain": trunk.from_domain,
            }
            for trunk in carriers
        ],
        "caller_id_name": caller_id_name,
        "caller_id_number": caller_id_number,
        "message": message,
    }


def fallback(decision):
    """A decision as one of an extension's fallbacks: the routing fields only."""
    return {name: decision.get(name, default) for name, default in DECISION.items()}


def answer(decision, *, tenant=None, direction, extension=None, did=None, ttl=0):
    """The whole answer: the decision, where the call stands, and every other field empty."""
    whole = {
        "action": "",
        "code": 0,
        "reason": "",
        "message": "",
        "tenant": tenant.code if tenant is not None else "",
        "direction": direction,
        "extension": extension,
        "did": did,
        "ttl": ttl,
        "aor": "",
        "ring_timeout": 0,
        **dict.fromkeys(FALLBACKS),
        **DECISION,
    }
    whole.update(decision)
    return whole


def _user(number):
    # `#` may not stand in a SIP URI's user part; `+` and `*` may.
    return quote(number, safe="+*")


def _host(host):
    try:
        return f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:
        return host
