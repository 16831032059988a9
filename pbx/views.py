"""The start page at `/`: what this service is and where its doors are.

`make run` prints this address and the admin's "View site" link points here, so it must
answer: HTML for a browser, JSON for an API client (anything that does not ask for HTML
first). The page loads nothing from outside (no CDN), like the rest of the service.
"""

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt

from pbx.api.exceptions import error_response

# What each door is, in the order the page lists them: (key, URL name, label).
LINKS = [
    ("api", "api-root", "REST API: every resource and the URL of its list"),
    ("docs", "swagger-ui", "Interactive API documentation (Swagger UI)"),
    ("redoc", "redoc", "API reference (ReDoc)"),
    ("schema", "schema", "OpenAPI 3 schema"),
    ("admin", "admin:index", "Administration (the Django admin)"),
    ("health", "health", "Health check"),
]

DESCRIPTION = "Multi-tenant PBX provisioning and call records."


@csrf_exempt  # it only reads; a POST gets the JSON 405 below, not a CSRF page
def home(request):
    """GET / (and HEAD): the service's name and links to the API, its docs and schema,
    the admin and the health check."""
    if request.method not in ("GET", "HEAD"):
        response = error_response(405, "method_not_allowed", f"Method {request.method} not allowed: use GET.")
        response["Allow"] = "GET, HEAD"
        return response
    links = [(key, request.build_absolute_uri(reverse(name)), label) for key, name, label in LINKS]
    if request.get_preferred_type(["application/json", "text/html"]) == "text/html":
        response = render(request, "pbx/home.html", {"description": DESCRIPTION, "links": links})
    else:
        response = JsonResponse(
            {"service": "pbx", "description": DESCRIPTION, "links": {key: url for key, url, _ in links}}
        )
    patch_vary_headers(response, ["Accept"])
    return response
