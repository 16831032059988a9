"""The `route` label of a request: the URL pattern it matched, never the path it asked for.

`/api/extensions/42/` and `/api/extensions/43/` are one route, `/api/extensions/{pk}/`,
so the label's values are bounded by the URL patterns the code declares: no ids, no
numbers, no tenant codes. The router's regular expressions and Django's path converters
are both written with `{name}` placeholders, as the OpenAPI schema writes them.
"""

import re
from functools import lru_cache

from django.conf import settings
from django.urls import Resolver404, resolve

UNMATCHED = "(unmatched)"  # no URL pattern took the path (a 404 before any view)

NAMED_GROUP = "(?P<"
CONVERTER = re.compile(r"<(?:[^>:]+:)?([^>]+)>")  # <int:pk>, <path:object_id>, <code>
CHARACTER_CLASS = re.compile(r"\[(?:\\.|[^\]])*\][*+?]?(?:\{\d+(?:,\d*)?\})?")  # [\s\S]*, [0-9]{1,18}


@lru_cache(maxsize=4096)  # as many as there are URL patterns
def template(route):
    """`api/extensions/(?P<pk>[0-9]{1,18}|...)/$` -> `/api/extensions/{pk}/`."""
    text = route.replace("^", "").replace(r"\Z", "").replace("$", "")
    out, i = [], 0
    while i < len(text):
        if text.startswith(NAMED_GROUP, i):
            name_end = text.index(">", i)
            name, depth, j = text[i + len(NAMED_GROUP) : name_end], 1, name_end + 1
            while depth and j < len(text):  # to the group's closing parenthesis
                if text[j] == "\\":
                    j += 2
                    continue
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                j += 1
            out.append("{" + name + "}")
            i = j
        else:
            out.append(text[i])
            i += 1
    text = CONVERTER.sub(r"{\1}", "".join(out))
    text = CHARACTER_CLASS.sub("*", text)
    return "/" + text.replace("\\", "")


def route_of(request):
    """The request's route label. A request a middleware answered before Django resolved
    its URL (a CORS preflight, a body too large) is resolved here, so that it counts
    under its route too."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info, urlconf=getattr(request, "urlconf", None))
        except Resolver404:
            match = None
    if match is not None:
        return template(match.route)
    static = "/" + settings.STATIC_URL.lstrip("/")
    if request.path.startswith(static):
        return static + "*"  # whitenoise answered before any URL pattern was tried
    return UNMATCHED
