"""The one API router: every app registers its resources here, in its api/urls.py.

The generated test matrices (tests/api/) walk this router, so a resource is covered by
the isolation, read-only, auth, schema, CSV and query-count checks the moment it is
registered.
"""

from rest_framework.routers import DefaultRouter, Route


class PbxRouter(DefaultRouter):
    """DefaultRouter whose list route also takes PATCH and DELETE of an array (bulk)."""

    include_format_suffixes = False

    def __init__(self):
        super().__init__()
        list_route = self.routes[0]
        assert isinstance(list_route, Route) and list_route.mapping == {
            "get": "list",
            "post": "create",
        }
        self.routes[0] = list_route._replace(
            mapping={**list_route.mapping, "patch": "bulk_update", "delete": "bulk_destroy"}
        )


router = PbxRouter()
