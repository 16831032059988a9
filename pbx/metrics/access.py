"""Who may read /metrics: PBX_METRICS_ALLOW's addresses, and PBX_METRICS_TOKEN's holders.

The page names no tenant, yet it tells the routes, volumes and failures of the whole
platform: it is for the operator's Prometheus, not for the internet. The client's
address is the one the rest of pbx uses (pbx.api.clients.client_ip): REMOTE_ADDR, or
X-Forwarded-For when PBX_TRUST_X_FORWARDED_FOR says a proxy sets it. A request that came
through a proxy pbx does not trust is refused: its REMOTE_ADDR is the proxy's (often
127.0.0.1, allowed by default), not the client's.
"""

import hmac
import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from pbx.api.clients import client_ip
from pbx.api.exceptions import error_response


@lru_cache(maxsize=8)
def _networks(entries):
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"PBX_METRICS_ALLOW takes IP addresses and networks (such as 10.0.0.0/8), not {entry!r}."
            ) from None
    return tuple(networks)


def allowed_networks():
    """PBX_METRICS_ALLOW as networks; ImproperlyConfigured names an entry that is none."""
    return _networks(tuple(settings.PBX_METRICS_ALLOW))


def is_allowed(address):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    # An IPv4 client of a server listening on [::] arrives as ::ffff:a.b.c.d.
    candidates = [ip] if getattr(ip, "ipv4_mapped", None) is None else [ip, ip.ipv4_mapped]
    return any(candidate in network for candidate in candidates for network in allowed_networks())


def refusal(request):
    """The error answer for a request that may not read the metrics, or None."""
    if "HTTP_X_FORWARDED_FOR" in request.META and not settings.PBX_TRUST_X_FORWARDED_FOR:
        return error_response(
            403,
            "ip_not_allowed",
            "This request came through a proxy (it carries X-Forwarded-For) and pbx does not "
            "trust proxies: scrape pbx directly, or set PBX_TRUST_X_FORWARDED_FOR=true behind yours.",
        )
    address = client_ip(request)
    if not is_allowed(address):
        return error_response(
            403,
            "ip_not_allowed",
            f"Metrics may not be read from {address or 'an unknown address'}: add it to PBX_METRICS_ALLOW.",
        )
    token = settings.PBX_METRICS_TOKEN
    if not token:
        return None
    scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        response = error_response(
            401, "missing_metrics_token", "Send the metrics token as Authorization: Bearer <token>."
        )
    elif not hmac.compare_digest(given.strip().encode(), token.encode()):
        response = error_response(401, "invalid_metrics_token", "The metrics token is wrong.")
    else:
        return None
    response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response
