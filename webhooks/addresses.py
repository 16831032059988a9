"""Where a webhook may point (SSRF): http(s) only, and never at private, loopback,
link-local, multicast, reserved or unspecified addresses unless
PBX_WEBHOOKS_ALLOW_PRIVATE allows them. Checked when a webhook is saved and again before
every send (the name may resolve elsewhere by then: DNS rebinding)."""

import concurrent.futures
import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

# getaddrinfo has no timeout of its own: lookups run in these threads, waited for briefly.
_resolver = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-dns")


class RefusedAddress(ValueError):
    """The URL may not be used; the message says why, for the caller."""


def _resolve(host, port):
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def is_public(address):
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def check_url(url):
    """Raise RefusedAddress unless `url` is an http(s) URL whose host resolves only to
    addresses the platform may call. Returns the addresses."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise RefusedAddress(f"Not a valid URL: {error}.") from None
    if parts.scheme not in ("http", "https"):
        raise RefusedAddress("Only http and https URLs are allowed.")
    host = parts.hostname
    if not host:
        raise RefusedAddress("The URL has no host.")
    if parts.username or parts.password:
        raise RefusedAddress("Credentials in the URL are not allowed: use the webhook's secret.")
    future = _resolver.submit(_resolve, host, port)
    try:
        addresses = future.result(timeout=settings.PBX_WEBHOOKS_DNS_TIMEOUT)
    except concurrent.futures.TimeoutError:
        raise RefusedAddress(f"The host {host} could not be resolved in time.") from None
    except (OSError, UnicodeError):
        raise RefusedAddress(f"The host {host} does not resolve to any address.") from None
    if not addresses:
        raise RefusedAddress(f"The host {host} does not resolve to any address.")
    if not settings.PBX_WEBHOOKS_ALLOW_PRIVATE:
        refused = [address for address in addresses if not is_public(address)]
        if refused:
            raise RefusedAddress(
                f"The host {host} resolves to {refused[0]}, a private, loopback, link-local or "
                "reserved address: webhooks may only call public addresses."
            )
    return addresses
