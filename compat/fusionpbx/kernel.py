"""Calls from the FusionPBX door into pbx's own API views, with the caller's own key.

The door does not read or write a table itself: it builds the request that pbx's API
would get for the same work, hands it to the kernel's view, and translates the answer.
So the key's scope, the resource's validation, the change log and the webhooks are the
kernel's, exactly as through /api/.
"""

import json
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import transaction
from django.test.client import RequestFactory
from django.urls import resolve, reverse

_factory = RequestFactory()


@dataclass
class KernelAnswer:
    """A kernel view's status and JSON body."""

    status: int
    data: object

    @property
    def ok(self):
        return self.status < 400

    @property
    def error(self):
        """The kernel's error envelope ({"code", "message", "fields"...}), or None."""
        return self.data.get("error") if isinstance(self.data, dict) and not self.ok else None


def call(outer, key, method, url_name, *, kwargs=None, query=None, body=None):
    """`method` on the kernel's route `url_name` as the holder of `key` (a DRF request's
    client and host carried over), answered as a KernelAnswer."""
    path = reverse(url_name, kwargs=kwargs)
    if query:
        path += "?" + urlencode(query, doseq=True)
    meta = {
        "HTTP_X_API_KEY": key,
        "REMOTE_ADDR": outer.META.get("REMOTE_ADDR", ""),
        "HTTP_HOST": outer.get_host(),
        "wsgi.url_scheme": outer.scheme,
    }
    if "HTTP_X_FORWARDED_FOR" in outer.META:
        meta["HTTP_X_FORWARDED_FOR"] = outer.META["HTTP_X_FORWARDED_FOR"]
    if "HTTP_X_REQUEST_ID" in outer.META:
        meta["HTTP_X_REQUEST_ID"] = outer.META["HTTP_X_REQUEST_ID"]
    data = json.dumps(body) if body is not None else ""
    inner = _factory.generic(method, path, data=data, content_type="application/json", **meta)
    match = resolve(inner.path_info)
    response = match.func(inner, *match.args, **match.kwargs)
    if hasattr(response, "render"):
        response.render()
    content = response.content if not getattr(response, "streaming", False) else b"".join(response)
    return KernelAnswer(response.status_code, json.loads(content) if content else None)


def all_or_nothing():
    """One transaction around several kernel calls that make one FusionPBX action."""
    return transaction.atomic()
