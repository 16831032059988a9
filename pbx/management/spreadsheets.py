"""What `import_csv`, `export_csv` and `csv_columns_doc` share: a resource named on the
command line, as a viewset acting as the platform (every tenant, secrets shown), bound
to a request whose query holds `tenant` when one is given. The commands so run the
API's own import and export (pbx.api.spreadsheets), with its rules and its messages."""

from django.core.management.base import CommandError
from django.test import RequestFactory
from django.urls import get_resolver

from apikeys import roles
from pbx.api.exceptions import ApiError
from pbx.api.scope import Scope
from pbx.api.spreadsheets import resource_of, resource_view


def importable_resources():
    """(route prefix, viewset class) of every resource with a CSV import and export, in
    the router's order."""
    from pbx.api.routers import router

    # The apps register their resources as the URLs load, which a command's process has
    # not done yet: resource_of() would find none.
    _patterns = get_resolver().url_patterns
    return [
        (prefix, viewset)
        for prefix, viewset, _basename in router.registry
        if hasattr(viewset, "is_importable") and viewset.is_importable()
    ]


def platform_scope():
    """The reach of a command: the platform's (every tenant, secrets shown)."""
    return Scope(user=None, role=roles.ADMIN)


def platform_view(resource, *, action, tenant=None):
    """The viewset of `resource` (as in its URL, or its model's name) bound to a request
    of the platform's; `tenant` (a code) goes into its query. CommandError, one line, for
    an unknown resource or tenant."""
    names = [prefix for prefix, _viewset in importable_resources()]  # loads the resources too
    found = resource_of(resource)
    if found is None or not found[0].is_importable():
        raise CommandError(f"Unknown resource {resource!r}: the resources are {', '.join(names)}.")
    viewset, prefix = found
    scope = platform_scope()
    query = {}
    if tenant:
        if viewset.tenant_field is None:
            raise CommandError(f"{prefix} are platform objects, not a tenant's: leave out --tenant.")
        try:
            query["tenant"] = scope.tenant(tenant).code
        except ApiError:
            raise CommandError(f"No tenant has the code {tenant!r}.") from None
    request = RequestFactory().get(f"/api/{prefix}/", query)
    request.user = None
    return resource_view(viewset, request, action=action, scope=scope), prefix


def one_line(error):
    """The message of an ApiError (the API's own words) on one line."""
    text = str(error.detail) if isinstance(error, ApiError) else str(error)
    return " ".join(text.split()) or type(error).__name__
