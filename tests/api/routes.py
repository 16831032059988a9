"""Every route of the API, walked from the router's own URL patterns, for the matrices.

Nothing here names an endpoint. A resource registered with `pbx.api.routers.router`
produces URL patterns (list, detail, `number/<n>/`, any extra action); each pattern
becomes a `Route` carrying the viewset, the method -> action map the router bound and
the methods the viewset really answers. A viewset that is no resource (an action set,
such as the switch's) gives one route per action. Every matrix in tests/api/ parametrizes over
these, so a new resource is checked the moment it is registered.
"""

import importlib
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from rest_framework.pagination import CursorPagination
from rest_framework.viewsets import ViewSetMixin

from pbx.api.permissions import PlatformAdminOnly
from pbx.api.routers import router
from pbx.api.viewsets import PbxViewSet

importlib.import_module(settings.ROOT_URLCONF)  # each app's api/urls.py registers on import

# Values for a URL's placeholders when no particular object is addressed.
SAMPLE_VALUES = {"pk": "1", "number": "100"}
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
EVERY_METHOD = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def regex_to_path(regex):
    """`^extensions/(?P<pk>[0-9]{1,18})/$` -> `extensions/{pk}/` (nested groups allowed)."""
    text = regex.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    out, i = [], 0
    while i < len(text):
        if text.startswith("(?P<", i):
            name_end = text.index(">", i)
            name, depth, j = text[i + 4 : name_end], 1, name_end + 1
            while depth:
                depth += {"(": 1, ")": -1}.get(text[j], 0) if text[j - 1] != "\\" else 0
                j += 1
            out.append("{" + name + "}")
            i = j
        elif text[i] == "\\":
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


@dataclass(frozen=True)
class Route:
    """One URL pattern of the router: its name, path and the methods it answers."""

    name: str  # the URL name, e.g. "extension-detail"
    path: str  # with placeholders, e.g. "/api/extensions/{pk}/"
    view_class: type
    actions: tuple  # ((method, action), ...) as the router bound them; empty for the API root
    methods: tuple  # HTTP methods answered, HEAD included, OPTIONS excluded

    # --- what the route is ----------------------------------------------------------

    @property
    def is_resource(self):
        return isinstance(self.view_class, type) and issubclass(self.view_class, PbxViewSet)

    @property
    def is_action_set(self):
        """A registered viewset that is no resource (the switch's `/api/switch/`): each of
        its routes is an action of its own, addressing no object of a model."""
        return (
            isinstance(self.view_class, type)
            and issubclass(self.view_class, ViewSetMixin)
            and not self.is_resource
        )

    @property
    def viewset(self):
        return self.view_class if self.is_resource else None

    @property
    def model(self):
        return self.viewset.queryset.model

    @property
    def tenant_field(self):
        return self.viewset.tenant_field if self.is_resource else None

    @property
    def is_platform(self):
        return self.is_resource and any(
            issubclass(permission, PlatformAdminOnly) for permission in self.viewset.permission_classes
        )

    @property
    def is_tenant_owned(self):
        """Rows belong to tenants and are reached through them (so: isolation applies)."""
        return self.tenant_field is not None and not self.is_platform

    def action(self, method):
        return dict(self.actions).get(method.lower())

    def reads_json(self, method):
        """The route's handler for `method` parses JSON bodies (an import reads CSV)."""
        handler = getattr(self.view_class, self.action(method) or "", None)
        parsers = getattr(handler, "kwargs", {}).get("parser_classes") or self.view_class.parser_classes
        return any("json" in parser.media_type for parser in parsers)

    @property
    def key(self):
        """The name of this route under the resource's own path: an alias of a resource at
        another path (DjangoPBX's /api/xmlcdrs/ for /api/cdrs/) is called with the same
        sample bodies and queries, which are listed by that name."""
        return ALIAS_KEYS.get(self.name, self.name)

    @property
    def is_list(self):
        return self.action("GET") == "list"

    @property
    def pages_by_cursor(self):
        """The list pages by cursor (CDRs), not by page number: no `count`, no `page`."""
        paginator = getattr(self.viewset, "pagination_class", None)
        return paginator is not None and issubclass(paginator, CursorPagination)

    @property
    def csv_is_every_row(self):
        """`?format=csv` streams every matching row, not a page (the CDR export)."""
        return getattr(self.viewset, "csv_streams_all_rows", False)

    def page_past_the_end(self, value):
        """The query asking for a page that cannot exist, in the list's own paging."""
        return {"cursor": value} if self.pages_by_cursor else {"page": value}

    @cached_property
    def placeholders(self):
        return tuple(part[1:-1] for part in self.path.split("/") if part.startswith("{"))

    @property
    def is_object(self):
        """The route addresses one object (detail, number route, a detail action)."""
        return bool(self.placeholders)

    @property
    def writes(self):
        return tuple(m for m in self.methods if m in UNSAFE)

    # --- URLs -----------------------------------------------------------------------

    def url(self, query=None, **values):
        """The URL with placeholders filled (SAMPLE_VALUES unless given) and a query."""
        filled = {name: str(values.get(name, SAMPLE_VALUES.get(name, "1"))) for name in self.placeholders}
        url = self.path.format(**filled)
        return with_query(url, query)

    def url_for(self, obj, query=None):
        """The URL addressing `obj`: each placeholder is read from the object (pk, number ...)."""
        return self.url(query, **{name: getattr(obj, name) for name in self.placeholders})

    def openapi_path(self):
        """The path as the OpenAPI schema writes it (drf-spectacular calls `pk` `id`)."""
        return self.path.replace("{pk}", "{id}")

    def __str__(self):
        return self.name


def with_query(url, query=None):
    if not query:
        return url
    return url + ("&" if "?" in url else "?") + urlencode(query)


def _methods(view_class, actions):
    allowed = [m.lower() for m in view_class.http_method_names]
    if actions:
        methods = [m for m in actions if m in allowed]
    else:  # a plain APIView, such as the API root
        methods = [m for m in allowed if hasattr(view_class, m) and m not in ("options", "head")]
    if "get" in methods and "head" in allowed:
        methods.insert(methods.index("get") + 1, "head")
    return tuple(m.upper() for m in methods if m != "options")


def _routes():
    mount = reverse("api-root")  # where the router's URLs are included: /api/
    found = []
    for pattern in router.urls:
        callback = pattern.callback
        view_class = getattr(callback, "cls", None)
        actions = tuple((getattr(callback, "actions", None) or {}).items())
        found.append(
            Route(
                name=pattern.name,
                path=mount + regex_to_path(pattern.pattern.regex.pattern),
                view_class=view_class,
                actions=actions,
                methods=_methods(view_class, dict(actions)),
            )
        )
    return found


def _alias_keys():
    """{route name under an alias: the same route's name under the viewset's first path}."""
    first = {}
    for _prefix, viewset, basename in router.registry:
        first.setdefault(viewset, basename)
    keys = {}
    for pattern in router.urls:
        viewset = getattr(pattern.callback, "cls", None)
        for _prefix, registered, basename in router.registry:
            own = first.get(registered)
            if registered is viewset and own != basename and (pattern.name or "").startswith(basename + "-"):
                keys[pattern.name] = own + pattern.name[len(basename) :]
    return keys


ROUTES = _routes()
ALIAS_KEYS = _alias_keys()
RESOURCES = {route.viewset for route in ROUTES if route.is_resource}
ACTION_SETS = {route.view_class for route in ROUTES if route.is_action_set}


def routes_where(predicate=None):
    """Routes for `pytest.mark.parametrize("route", **routes_where(...))`."""
    chosen = [r for r in ROUTES if predicate is None or predicate(r)]
    return {"argvalues": chosen, "ids": [str(r) for r in chosen]}


def route_methods(predicate=None, methods=EVERY_METHOD):
    """(route, method) pairs for `parametrize(("route", "method"), ...)`, ids like
    "extension-detail-PATCH"."""
    pairs = [(r, m) for r in ROUTES if predicate is None or predicate(r) for m in r.methods if m in methods]
    return {"argvalues": pairs, "ids": [f"{r}-{m}" for r, m in pairs]}
