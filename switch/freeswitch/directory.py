"""FreeSWITCH's directory: one user of one domain, as mod_xml_curl asks for it.

FreeSWITCH posts `section=directory` with `domain` (the tenant's SIP domain) and `user`
(what the phone or the dial plan names: the SIP username or the extension number), and
an `action`: `sip_auth` when a phone registers or calls, `user_call` when the dial plan
bridges `user/...`, `message-count` and `voicemail-lookup` for mod_voicemail,
`reverse-auth-lookup`... Each is answered with the same user.

The domain's users are never listed: a request without `user` (`purpose=gateways`,
`purpose=network-list` at sofia's start, a `group_call`) is "not found", as is a user
of a disabled extension or tenant, a user of another domain, and, for a registration, a
user without a password (FreeSWITCH would let anyone register as it).
"""

import hashlib
import xml.etree.ElementTree as ET

from django.conf import settings
from django.db.models import Case, IntegerField, Q, Value, When

from extensions.models import Extension, Voicemail
from switch.freeswitch.document import document, not_found, params, serialize

# What the domain tells FreeSWITCH to dial for `user/<user>@<domain>`: every registered
# contact of the user (FreeSWITCH's own default for a domain).
DIAL_STRING = (
    "{^^:sip_invite_domain=${dialed_domain}:presence_id=${dialed_user}@${dialed_domain}}"
    "${sofia_contact(*/${dialed_user}@${dialed_domain})}"
)

# Lookups that authenticate a phone (or pbx's side of one): no password, no user.
NEEDS_PASSWORD = {"sip_auth", "reverse-auth-lookup"}


def lookup(form):
    """The directory document for `user`@`domain`, or "not found"."""
    name, domain = form.get("user", "").strip(), (form.get("domain") or form.get("key_value", "")).strip()
    if not name or not domain or form.get("action") == "group_call":
        return not_found()
    extension = find(name, domain)
    if extension is None:
        return not_found()
    if form.get("action") in NEEDS_PASSWORD and not extension.password:
        return not_found()
    return serialize(user_document(extension, form))


def find(name, domain):
    """The enabled extension of the enabled tenant of `domain` whose SIP username, else
    whose number, is `name`; None otherwise."""
    matches = Extension.objects.select_related("tenant").filter(
        Q(sip_username=name) | Q(number=name),
        tenant__sip_domain=domain.lower(),
        tenant__enabled=True,
        enabled=True,
    )
    by_username_first = Case(
        When(sip_username=name, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return matches.order_by(by_username_first).first()


def user_document(extension, form):
    """`<domain><params dial-string/><groups><group default><users><user>...`."""
    tenant = extension.tenant
    root, section = document("directory")
    domain = ET.SubElement(section, "domain", name=tenant.sip_domain)
    params(domain, "params", [("dial-string", DIAL_STRING)])
    # `user_context`: the dial plan context of the tenant's calls is its SIP domain, as
    # in FusionPBX; `domain_name` is the domain whatever the phone wrote.
    params(domain, "variables", [("domain_name", tenant.sip_domain), ("user_context", tenant.sip_domain)])
    group = ET.SubElement(ET.SubElement(domain, "groups"), "group", name="default")
    # FreeSWITCH finds a user by its id or by its `number-alias`: both names work.
    attributes = {"id": extension.sip_username, "number-alias": extension.number}
    user = ET.SubElement(ET.SubElement(group, "users"), "user", attributes)
    params(
        user,
        "params",
        [*_secrets(extension, form), ("max-registrations-per-extension", extension.max_contacts)],
    )
    params(user, "variables", _variables(extension))
    return root


def _secrets(extension, form):
    """The password, or its `a1-hash` under the name and realm the phone authenticates
    with (PBX_FREESWITCH_A1_HASH), and the voicemail PIN."""
    secrets = []
    if extension.password:
        if settings.PBX_FREESWITCH_A1_HASH:
            username = form.get("sip_auth_username") or extension.sip_username
            realm = form.get("sip_auth_realm") or extension.tenant.sip_domain
            a1 = hashlib.md5(f"{username}:{realm}:{extension.password}".encode()).hexdigest()
            secrets.append(("a1-hash", a1))
        else:
            secrets.append(("password", extension.password))
    box = _voicemail(extension)
    if box is not None:
        secrets.append(("vm-password", box.pin))
    return secrets


def _voicemail(extension):
    """The extension's enabled voicemail box: the one of its mailbox, else one attached to it."""
    boxes = Voicemail.objects.filter(tenant=extension.tenant_id, enabled=True)
    wanted = (
        Q(extension=extension) | Q(mailbox=extension.mailbox) if extension.mailbox else Q(extension=extension)
    )
    first = Case(
        When(mailbox=extension.mailbox, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return boxes.filter(wanted).order_by(first, "pk").first()


def _variables(extension):
    """The channel variables FreeSWITCH sets on the user's calls: caller IDs (internal
    and toward the carriers), the call classes it may dial and its account code."""
    return [
        ("user_context", extension.tenant.sip_domain),
        ("effective_caller_id_name", extension.caller_id_name or extension.name),
        ("effective_caller_id_number", extension.caller_id_number or extension.number),
        ("outbound_caller_id_name", extension.outbound_caller_id_name),
        ("outbound_caller_id_number", extension.outbound_caller_id_number),
        ("toll_allow", extension.toll_allow),
        ("accountcode", extension.account_code),
        ("call_timeout", extension.ring_timeout),
    ]
