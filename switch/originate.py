"""Click-to-dial: ring an extension, then connect it to a number, through the tenant's
media server (docs/switches.md, "Click-to-dial").

`originate()` checks what pbx knows before anything is sent (a media server with a
control URL, a current registration of the extension, the tenant's limit of calls
being placed), stores the request as an `Originate` (its id, and its change log row),
then hands it to Asterisk (AMI) or FreeSWITCH (ESL) and stores what the switch said."""

import datetime
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from pbx import changelog
from pbx.api.exceptions import ApiError
from switch import control
from switch.models import Originate, Registration
from tenants.models import Server, Tenant


class NoMediaServer(ApiError):
    status_code, default_code = 409, "no_media_server"
    default_detail = "The tenant has no enabled media server with a kind and a control URL."


class ExtensionNotRegistered(ApiError):
    status_code, default_code = 409, "extension_not_registered"
    default_detail = "The extension has no registered phone to ring."


class TooManyCalls(ApiError):
    status_code, default_code = 429, "too_many_calls"
    default_detail = "The tenant has too many click-to-dial calls being placed: try again shortly."


class ServerUnreachable(ApiError):
    status_code, default_code = 503, "server_unreachable"
    default_detail = "The media server could not be reached."


class OriginateRefused(ApiError):
    status_code, default_code = 502, "originate_refused"
    default_detail = "The media server refused the call."


def media_server(tenant):
    """The tenant's server, if pbx can place calls on it; else 409 no_media_server."""
    server = tenant.server
    if server is None or not server.enabled or not server.kind or not server.control_url:
        raise NoMediaServer()
    return server


def check_registered(extension):
    account = {"username": extension.sip_username, "domain": extension.tenant.sip_domain}
    if not Registration.objects.current().filter(**account).exists():
        raise ExtensionNotRegistered(f"Extension {extension.number} has no registered phone to ring.")


def unfinished(tenant):
    """The tenant's originates still counted against its limit."""
    rang_since = timezone.now() - datetime.timedelta(seconds=settings.PBX_ORIGINATE_RING_SECONDS)
    return Originate.objects.filter(tenant=tenant).filter(
        Q(state=Originate.State.PLACING) | Q(state=Originate.State.PLACED, created_at__gt=rang_since)
    )


def originate(extension, to, caller_id_name="", caller_id_number=""):
    """Place the call and answer its `Originate` (state `placed`); raises the API error
    that says why not. A call the switch did not take is kept as `failed`."""
    tenant = extension.tenant
    server = media_server(tenant)
    check_registered(extension)
    call = _store(
        extension,
        to=to,
        caller_id_name=caller_id_name or extension.caller_id_name or extension.name,
        caller_id_number=caller_id_number or extension.caller_id_number or extension.number,
        server_kind=server.kind,
    )
    try:
        _send(call, server, extension)
    except control.ControlError as error:
        _finish(call, Originate.State.FAILED, str(error)[:255])
        raised = ServerUnreachable if error.unreachable else OriginateRefused
        raise raised(str(error), id=call.pk) from None
    _finish(call, Originate.State.PLACED)
    return call


@transaction.atomic
def _store(extension, **fields):
    # The tenant's row is the lock that makes count-then-insert one step per tenant.
    tenant = Tenant.objects.select_for_update().get(pk=extension.tenant_id)
    if unfinished(tenant).count() >= settings.PBX_ORIGINATE_LIMIT:
        raise TooManyCalls(
            f"The tenant already has {settings.PBX_ORIGINATE_LIMIT} click-to-dial calls being placed "
            "(PBX_ORIGINATE_LIMIT): try again shortly."
        )
    call = Originate.objects.create(tenant=tenant, extension=extension, **fields)
    changelog.record(call, changelog.CREATE)
    return call


@transaction.atomic
def _finish(call, state, error=""):
    before = changelog.snapshot(call)
    call.state, call.error = state, error
    call.save(update_fields=["state", "error"])
    changelog.record(call, changelog.UPDATE, before)


def _send(call, server, extension):
    context = settings.PBX_ORIGINATE_CONTEXT or extension.tenant.sip_domain
    common = {
        "to": call.to,
        "context": context,
        "caller_id_name": call.caller_id_name,
        "caller_id_number": call.caller_id_number,
    }
    if server.kind == Server.Kind.KAMAILIO:
        # The caller's AOR, sent back to Kamailio's own SIP socket (the outbound proxy)
        # so its location look-up finds the registered phone; the destination is dialled
        # by the phone (the REFER) and routed by Kamailio like any of its calls.
        # The caller ID the phone shows rides in the AOR's parameters (kamailio.cfg's
        # route[CLICK_TO_DIAL] writes them into the From).
        domain = extension.tenant.sip_domain
        name = quote(call.caller_id_name.replace('"', "").replace("\\", ""), safe="")
        cid = f";pbx-cid-number={quote(call.caller_id_number, safe='+')};pbx-cid-name={name}"
        return control.kamailio_bridge(
            server.control_url,
            caller=f"sip:{extension.sip_username}@{domain}{cid}",
            callee=f"sip:{call.to}@{domain}",
            proxy=f"sip:{server.address}:{server.sip_port}",
        )
    if server.kind == Server.Kind.ASTERISK:
        return control.ami_originate(server.control_url, endpoint=extension.sip_username, **common)
    return control.esl_originate(
        server.control_url, user=extension.sip_username, domain=extension.tenant.sip_domain, **common
    )
