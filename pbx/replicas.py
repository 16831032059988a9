"""Read replicas: which database a query goes to, and which replicas are healthy.

`DATABASE_REPLICA_URL` (one or several PostgreSQL URLs, comma-separated) adds the
database aliases `replica`, `replica_2`, ... and installs `ReplicaRouter` (pbx.settings).
The rules (docs/scaling.md, "Read replicas"):

- Everything goes to the primary (`default`) unless the request is a safe read that its
  viewset declares large (`replica_actions`, read once in PbxViewSet.initial): the CDR
  list, export and statistics, the change log's list. Those read from one healthy
  replica, the same one for the whole request, so that its queries agree with each other.
- A write pins the request to the primary: its reads then see what it wrote, which a
  replica, a few milliseconds behind, might not. So does a read inside a
  `transaction.atomic()` on the primary (a replica has none of that transaction).
- A replica that cannot be reached is marked down for PBX_REPLICA_RETRY_SECONDS, said
  once in the log, and the reads go to another replica or to the primary. One that dies
  during a safe request, or cancels its query for its replay, makes the viewset run the
  request again on the primary (`retry_on_primary`), so that the caller still gets its
  answer.

The request's routing state lives in a context variable: each request starts with a
fresh one (the request_started signal) and drops it when its response is closed
(request_finished, after a streamed export's last byte). Outside a request (commands,
workers) there is none and everything goes to the primary.
"""

import contextvars
import logging
import random
import threading
import time

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger("pbx.replicas")

# Milliseconds a health check waits for a replica's answer once connected (the connection
# itself is bounded by the alias's connect_timeout, pbx.settings).
HEALTH_STATEMENT_TIMEOUT_MS = 2000


def replica_aliases():
    """The configured replicas' aliases (`replica`, `replica_2`, ...), in the order
    DATABASE_REPLICA_URL names them."""
    return list(settings.PBX_REPLICA_ALIASES)


# --- the request's routing state ----------------------------------------------------------


class ReadRoute:
    """Where one request's reads go: `wanted` by its viewset, `pinned` to the primary by a
    write (or by a replica lost under it), and the replica `alias` chosen at its first read."""

    __slots__ = ("alias", "pinned", "wanted")

    def __init__(self):
        self.wanted = False
        self.pinned = False
        self.alias = None


_route = contextvars.ContextVar("pbx_read_route", default=None)


def _current():
    route = _route.get()
    if route is None:
        route = ReadRoute()
        _route.set(route)
    return route


def begin_request(**kwargs):
    """A fresh routing state: nothing of the previous request on this thread carries over."""
    _route.set(ReadRoute())


def end_request(**kwargs):
    _route.set(None)


request_started.connect(begin_request, dispatch_uid="pbx.replicas.begin_request")
request_finished.connect(end_request, dispatch_uid="pbx.replicas.end_request")


def read_from_replica():
    """Send this request's reads to a replica (a viewset's `replica_actions`)."""
    _current().wanted = True


def pin_to_primary():
    """Send every further query of this request to the primary."""
    route = _current()
    route.pinned = True
    route.alias = None


def current_replica():
    """The replica this request reads from, or None."""
    route = _route.get()
    return route.alias if route is not None and not route.pinned else None


# --- health -------------------------------------------------------------------------------

_down_until = {}  # alias -> time.monotonic() until which it is not tried again
_lock = threading.Lock()


def is_down(alias):
    return _down_until.get(alias, 0) > time.monotonic()


def mark_down(alias, error):
    """Leave `alias` out for PBX_REPLICA_RETRY_SECONDS; the log hears of it once per outage."""
    with _lock:
        first = alias not in _down_until
        _down_until[alias] = time.monotonic() + settings.PBX_REPLICA_RETRY_SECONDS
    if first:
        logger.warning("replica %s unreachable, reading from the primary: %s", alias, _one_line(error))


def mark_up(alias):
    with _lock:
        was_down = _down_until.pop(alias, None) is not None
    if was_down:
        logger.warning("replica %s reachable again, reading from it", alias)


def _one_line(error):
    text = " ".join(str(error).split())
    return f"{error.__class__.__name__}: {text}" if text else error.__class__.__name__


def _reachable(alias):
    """Connect to `alias` (or check that its kept connection still answers) now, rather
    than fail at the first query. Django checks a kept connection once per request
    anyway (CONN_HEALTH_CHECKS): this only does it first."""
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except Exception as error:  # any failure to connect means: not this replica
        connection.close()
        mark_down(alias, error)
        return False
    mark_up(alias)
    return True


def _choose_replica():
    candidates = [alias for alias in replica_aliases() if not is_down(alias)]
    random.shuffle(candidates)  # spread the requests over the healthy replicas
    for alias in candidates:
        if _reachable(alias):
            return alias
    return None


# The SQLSTATE of a standby's query cancelled so that its replay can go on ("conflict
# with recovery"); on a standby no other read fails so.
RECOVERY_CONFLICT = "40001"


def retry_on_primary(error):
    """True when `error`, raised by a safe request, came from the replica the request
    reads from, and the request is now pinned to the primary so that running it again
    reads there: the replica died (it is marked down), or it cancelled the query for its
    replay (it stays up; docs/scaling.md says how to make that rare)."""
    alias = current_replica()
    if alias is None:
        return False
    wrapped = connections[alias].connection
    if wrapped is None or getattr(wrapped, "closed", False):
        connections[alias].close()
        mark_down(alias, error)
    elif getattr(error.__cause__, "sqlstate", None) == RECOVERY_CONFLICT:
        logger.warning("replica %s cancelled a read for its replay, reading from the primary", alias)
    else:
        return False  # the replica is fine: the error is someone else's
    pin_to_primary()
    return True


def check_replicas():
    """Each replica's health for /health/: `{alias: {"status", "host", ...}}`, where status
    is "ok" (with `lag_seconds`, how far its replay trails the primary's last commit: 0
    when it has replayed all it received) or "error: <exception class>". A replica found
    unreachable is marked down, one that answers is marked up. No password or user name
    is shown: only where the replica is."""
    answers = {}
    for alias in replica_aliases():
        config = connections[alias].settings_dict
        answer = {
            "host": f"{config.get('HOST') or 'localhost'}:{config.get('PORT') or 5432}/{config['NAME']}"
        }
        connection = connections[alias]
        try:
            connection.close_if_health_check_failed()
            with connection.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {HEALTH_STATEMENT_TIMEOUT_MS}")
                cursor.execute(
                    "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
                    "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END"
                )
                (lag,) = cursor.fetchone()
                cursor.execute("RESET statement_timeout")
        except Exception as error:  # any failure is a replica down
            connection.close()
            mark_down(alias, error)
            answer["status"] = f"error: {error.__class__.__name__}"
        else:
            mark_up(alias)
            answer["status"] = "ok"
            answer["lag_seconds"] = None if lag is None else round(float(lag), 1)
        answers[alias] = answer
    return answers


# --- the router ---------------------------------------------------------------------------


class ReplicaRouter:
    """DATABASE_ROUTERS' entry when replicas are configured (see the module's docstring)."""

    def db_for_read(self, model, **hints):
        route = _route.get()
        if route is None or not route.wanted or route.pinned:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS  # inside a transaction of the primary: read its state
        if route.alias is None:
            route.alias = _choose_replica()
            if route.alias is None:
                route.pinned = True  # no replica answers: the primary, for the whole request
                return DEFAULT_DB_ALIAS
        return route.alias

    def db_for_write(self, model, **hints):
        if _route.get() is not None:
            pin_to_primary()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Every alias holds the same rows: an object read from a replica may point at one
        # read from the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Replicas replay the primary's migrations; they are never migrated themselves.
        return db == DEFAULT_DB_ALIAS
