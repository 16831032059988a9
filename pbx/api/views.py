"""Small kernel views: the JSON 404 under /api/, the health check and Redoc's bundle."""

from functools import cache

from django.contrib.staticfiles import finders
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.csrf import csrf_exempt

from pbx import replicas
from pbx.api.exceptions import error_response


@csrf_exempt  # it only ever answers 404; CSRF would turn that into an HTML 403
def endpoint_not_found(request, *args, **kwargs):
    """Any /api/ path no resource answers: 404 not_found, naming the likely fix."""
    message = "Endpoint not found."
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
            if match.func is not endpoint_not_found:
                message = f"Endpoint not found. Did you mean {request.path}/ (with a trailing slash)?"
        except Resolver404:
            pass
    return error_response(404, "not_found", message)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: under /api/ a JSON 403 like every other error (session
    callers must send the CSRF token on writes); elsewhere Django's own page."""
    if request.path.startswith(("/api/", "/api-auth/")):
        return error_response(
            403, "permission_denied", f"CSRF check failed ({reason}): send the X-CSRFToken header."
        )
    return django_csrf_failure(request, reason=reason)


def health(request):
    """GET /health/: 200 when the primary database answers, 503 naming what failed.

    With read replicas (DATABASE_REPLICA_URL), each is checked too: one down makes the
    answer `"status": "degraded"` with 200, since reads go on from the primary
    (docs/scaling.md, "Read replicas", shows the answer)."""
    unknown = sorted(request.GET)
    if unknown:
        return error_response(
            400, "unknown_parameter", f"Unknown query parameter {', '.join(unknown)}: /health/ takes none."
        )
    checks = {"status": "ok", "database": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure of the database is a failed check
        checks.update(status="error", database=f"error: {error.__class__.__name__}")
    if replicas.replica_aliases():
        checks["replicas"] = replicas.check_replicas()
        if checks["status"] == "ok" and any(r["status"] != "ok" for r in checks["replicas"].values()):
            checks["status"] = "degraded"
    return JsonResponse(checks, status=503 if checks["status"] == "error" else 200)


# Redoc draws its maker's logo from this address, with no option to leave it out.
REDOC_LOGO = b'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"'


@cache
def _redoc_bundle():
    with open(finders.find("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"), "rb") as file:
        # An empty src loads nothing; the image's error handler then removes it.
        return file.read().replace(REDOC_LOGO, b'src:""')


def redoc_bundle(request):
    """The Redoc bundle that /api/redoc/ loads: the locally installed one, minus the one
    image it would fetch from Redocly's CDN, so the docs make no request to another host."""
    response = HttpResponse(_redoc_bundle(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response
