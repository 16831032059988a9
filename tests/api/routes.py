"""Every route of the API, walked from the router, for the generated matrices.

Nothing here names an endpoint: a resource registered with `pbx.api.routers.router` is
in every matrix the moment it is registered.
"""

import importlib
import re
from dataclasses import dataclass

from django.conf import settings

from pbx.api.permissions import PlatformAdminOnly
from pbx.api.routers import router
from pbx.api.viewsets import NumberedViewSet

importlib.import_module(settings.ROOT_URLCONF)  # the apps register their resources on import

SAMPLE_VALUES = {"pk": "1", "number": "100"}


@dataclass(frozen=True)
class Route:
    """One URL pattern of one resource, with the methods it answers."""

    basename: str
    viewset: type
    kind: str  # "list", "detail" or the name of an extra action
    path: str  # with {pk} / {number} placeholders
    methods: tuple

    @property
    def model(self):
        return self.viewset.queryset.model

    @property
    def is_resource(self):
        return self.viewset is not None  # the API root is a route but no resource

    @property
    def is_platform(self):
        return self.is_resource and PlatformAdminOnly in self.viewset.permission_classes

    @property
    def is_tenant_owned(self):
        return self.is_resource and self.viewset.tenant_field is not None and not self.is_platform

    @property
    def is_numbered(self):
        return self.is_resource and issubclass(self.viewset, NumberedViewSet)

    def url(self, **values):
        return self.path.format(**{**SAMPLE_VALUES, **{k: str(v) for k, v in values.items()}})

    def openapi_path(self):
        return self.path.replace("{pk}", "{id}")

    def __str__(self):
        return f"{self.basename}-{self.kind}"


def _allowed(viewset, mapping):
    names = set(viewset.http_method_names)
    return tuple(
        method.upper() for method, action in mapping.items() if method in names and hasattr(viewset, action)
    )


def _routes():
    found = [Route("api", None, "root", "/api/", ("GET",))]
    for prefix, viewset, basename in router.registry:
        base = f"/api/{prefix}/"
        list_route, detail_route = router.routes[0], router.routes[2]
        found.append(Route(basename, viewset, "list", base, _allowed(viewset, list_route.mapping)))
        found.append(
            Route(basename, viewset, "detail", base + "{pk}/", _allowed(viewset, detail_route.mapping))
        )
        for action in viewset.get_extra_actions():
            path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", action.url_path)
            path = (base + "{pk}/" if action.detail else base) + path + "/"
            methods = tuple(m.upper() for m in action.mapping if m in viewset.http_method_names)
            found.append(Route(basename, viewset, action.__name__, path, methods))
    return found


ROUTES = _routes()
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def route_methods(routes=ROUTES, methods=None):
    """(route, method) pairs, for parametrize, with readable ids."""
    pairs = [(r, m) for r in routes for m in r.methods if methods is None or m in methods]
    return {"argvalues": pairs, "ids": [f"{r}-{m}" for r, m in pairs]}


def routes_where(predicate):
    chosen = [r for r in ROUTES if predicate(r)]
    return {"argvalues": chosen, "ids": [str(r) for r in chosen]}
