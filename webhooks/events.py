"""The event catalogue: `<object>.created|updated|deleted` for every object the change
log records, `call.completed` for every stored CDR, and the webhooks' own events.

Patterns a webhook subscribes with: an exact name, `extension.*`, `*.deleted`, or `*`.
"""

import fnmatch
import functools
import re

CALL_COMPLETED = "call.completed"
WEBHOOK_DISABLED = "webhook.disabled"
WEBHOOK_PING = "webhook.ping"
ACTIONS = {"create": "created", "update": "updated", "delete": "deleted"}
PATTERN = re.compile(r"^(\*|[a-z0-9_]+\.(\*|[a-z_]+)|\*\.[a-z_]+)$")


def name_for(object_type, action):
    """`extension.created` for a change log row's object type and action."""
    return f"{object_type}.{ACTIONS[action]}"


@functools.cache
def catalogue():
    """[(event, description)], sorted: built from the resources registered with the API
    router whose changes are logged (every changeable object), plus the fixed events."""
    import importlib

    from django.conf import settings

    from pbx.api.routers import router

    importlib.import_module(settings.ROOT_URLCONF)  # the apps register their resources on import
    entries = {
        CALL_COMPLETED: "A call detail record was stored.",
        WEBHOOK_DISABLED: "A webhook was disabled after too many dead deliveries in a row.",
        WEBHOOK_PING: "A test event sent by POST /api/webhooks/{id}/ping/ (to that webhook only).",
    }
    for _prefix, viewset, _basename in router.registry:
        serializer = getattr(viewset, "serializer_class", None)
        queryset = getattr(viewset, "queryset", None)
        if serializer is None or queryset is None:
            continue
        if not getattr(serializer.Meta, "change_logged", True):
            continue
        model = queryset.model
        noun = model._meta.verbose_name
        for action, past in ACTIONS.items():
            del action
            entries[f"{model._meta.model_name}.{past}"] = f"A {noun} was {past}."
    return sorted(entries.items())


def names():
    return [name for name, _ in catalogue()]


def matches(patterns, event):
    """True when one of the webhook's patterns names the event. A ping is sent only by
    asking for it, never through a pattern."""
    if event == WEBHOOK_PING:
        return False
    return any(fnmatch.fnmatchcase(event, pattern) for pattern in patterns or ())


def check_patterns(patterns):
    """The patterns cleaned (stripped, lower-case, no duplicates), or ValueError naming
    the bad ones: a pattern must have the shape of one and name a catalogue event."""
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise ValueError('Give a list of event names or patterns, such as ["extension.*", "call.completed"].')
    cleaned = []
    known = names()
    for pattern in patterns:
        text = pattern.strip().lower()
        if not PATTERN.match(text):
            raise ValueError(
                f"{pattern!r} is not an event name or pattern (such as extension.* or *.deleted)."
            )
        if not any(fnmatch.fnmatchcase(name, text) for name in known if name != WEBHOOK_PING):
            raise ValueError(f"{pattern!r} names no event: GET /api/webhooks/events/ lists them.")
        if text not in cleaned:
            cleaned.append(text)
    if not cleaned:
        raise ValueError('Name at least one event, or "*" for all of them.')
    return cleaned
