"""Small kernel views: the JSON 404 under /api/ and the health check."""

from django.db import connection
from django.http import JsonResponse
from django.urls import Resolver404, resolve

from pbx.api.exceptions import error_response


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


def health(request):
    """GET /health/: 200 when the database answers, 503 naming what failed."""
    checks = {"status": "ok", "database": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure of the database is a failed check
        checks.update(status="error", database=f"error: {error.__class__.__name__}")
    return JsonResponse(checks, status=200 if checks["status"] == "ok" else 503)
