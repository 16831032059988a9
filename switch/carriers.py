"""Which carrier a call comes from: the enabled trunks whose `host` is the packet's
source address, written as that IP address or as a host name that resolves to it.

Host names are resolved here, each answer kept in this process for RESOLVED_SECONDS (a
failed lookup too, so a dead name costs one lookup a minute, not one per call), and a
lookup waits at most LOOKUP_SECONDS. A carrier that moves its address is therefore
recognised at its new one within a minute; one that must be recognised at once is
better written as IP addresses, one trunk each.
"""

import concurrent.futures
import ipaddress
import socket
import threading
import time

from django.db import connection

from routing.models import Trunk

RESOLVED_SECONDS = 60
LOOKUP_SECONDS = 1.0

_resolver = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="switch-dns")
_resolved = {}  # host name -> (monotonic expiry, frozenset of addresses)
_lock = threading.Lock()


def canonical(address):
    """`2001:DB8::1` and `2001:db8:0::1` are one address; None when it is not one."""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def addresses_of(host):
    """The addresses `host` stands for: itself when it is an IP address, else what it
    resolves to (cached; empty when it does not resolve in time)."""
    address = canonical(host)
    if address is not None:
        return frozenset([address])
    now = time.monotonic()
    with _lock:
        cached = _resolved.get(host.lower())
    if cached is not None and cached[0] > now:
        return cached[1]
    try:
        infos = _resolver.submit(socket.getaddrinfo, host, None).result(timeout=LOOKUP_SECONDS)
        found = frozenset(canonical(info[4][0].split("%", 1)[0]) for info in infos) - {None}
    except (OSError, UnicodeError, concurrent.futures.TimeoutError):
        found = frozenset()
    with _lock:
        _resolved[host.lower()] = (now + RESOLVED_SECONDS, found)
    return found


def forget_resolved():
    """Empty the cache (the tests change what a name means between calls)."""
    with _lock:
        _resolved.clear()


def carrier_at(source, tenant_id):
    """(whether `source` is any enabled trunk's address, whether one of those trunks is
    assigned to tenant `tenant_id`), in one query. Trunks given by IPv4 address are
    compared in SQL; the others (host names, which have letters, and IPv6 addresses,
    which have colons) are few and compared here. Plain SQL: the switch asks on every
    call from a carrier, and building the ORM's query cost more than running it."""
    quote = connection.ops.quote_name
    trunks = quote(Trunk._meta.db_table)
    assigned = quote(Trunk.tenants.through._meta.db_table)
    sql = (
        f"SELECT t.host, EXISTS (SELECT 1 FROM {assigned} a WHERE a.trunk_id = t.id AND a.tenant_id = %s) "
        f"FROM {trunks} t WHERE t.enabled AND (t.host = %s OR LOWER(t.host) <> UPPER(t.host) OR t.host LIKE %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [tenant_id, source, "%:%"])
        candidates = cursor.fetchall()
    known = False
    for host, serves_tenant in sorted(candidates, key=lambda row: not row[1]):  # the tenant's first
        if known and not serves_tenant:
            break  # a carrier, but none of the tenant's: nothing more to learn
        if host == source or source in addresses_of(host):
            if serves_tenant:
                return True, True
            known = True
    return known, False
