"""The one API router: every app registers its resources here, in its api/urls.py.

The generated test matrices (tests/api/) walk this router, so a resource is covered by
the isolation, read-only, auth, schema, CSV and query-count checks the moment it is
registered.
"""

from drf_spectacular.utils import extend_schema
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.routers import APIRootView, DefaultRouter, Route
from rest_framework.schemas.inspectors import DefaultSchema

from pbx.api.renderers import JsonErrorsMixin
from pbx.api.strict import StrictQueryMixin


class ApiRootView(JsonErrorsMixin, StrictQueryMixin, APIRootView):
    """The index of the API: each resource's name and the URL of its list."""

    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]  # an index, not rows: no CSV

    schema = DefaultSchema()  # DRF leaves its root view out of the schema; every route belongs in it

    @extend_schema(
        operation_id="api_root",
        responses={200: {"type": "object", "additionalProperties": {"type": "string", "format": "uri"}}},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PbxRouter(DefaultRouter):
    """DefaultRouter whose list route also takes PATCH and DELETE of an array (bulk), whose
    root view is in the schema, and which mounts one action of a resource at a path of its
    own for a viewset that sets `alias_of_action`."""

    include_format_suffixes = False
    APIRootView = ApiRootView

    def __init__(self):
        super().__init__()
        self.aliases = {}  # another system's path -> (pbx's resource path, the system)
        list_route = self.routes[0]
        assert isinstance(list_route, Route) and list_route.mapping == {
            "get": "list",
            "post": "create",
        }
        self.routes[0] = list_route._replace(
            mapping={**list_route.mapping, "patch": "bulk_update", "delete": "bulk_destroy"}
        )

    def register_alias(self, prefix, viewset, basename, *, of, system):
        """Register `viewset` again under another `system`'s path `prefix` (DjangoPBX's
        `xmlcdrs`) for pbx's resource `of` (`cdrs`): the same resource, whose schema tag
        is grouped with the system's other paths."""
        self.aliases[prefix] = (of, system)
        self.register(prefix, viewset, basename=basename)

    def get_routes(self, viewset):
        # An alias that is one action of a resource at a path of its own (DjangoPBX's
        # /api/xmlcdrbasicstatistics/ is /api/cdrs/stats/): the viewset names the action in
        # `alias_of_action`, and that is its only route.
        action = getattr(viewset, "alias_of_action", None)
        if action is None:
            return super().get_routes(viewset)
        list_route = self.routes[0]
        method = getattr(viewset, action)  # an @action: its methods and its own settings
        return [list_route._replace(mapping=dict(method.mapping), initkwargs=dict(method.kwargs))]


router = PbxRouter()
