"""Who is calling: the client's IP address, as the API and the change log see it."""

from django.conf import settings


def client_ip(request):
    """REMOTE_ADDR, or the left-most X-Forwarded-For entry when a trusted proxy sets it."""
    meta = getattr(request, "META", {})
    if settings.PBX_TRUST_X_FORWARDED_FOR:
        forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return meta.get("REMOTE_ADDR", "")
