"""Rate limiting per credential: the API key's prefix, else the user, else the client IP."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from pbx.api.clients import client_ip


class KeyRateThrottle(SimpleRateThrottle):
    """PBX_THROTTLE_RATE requests (e.g. `6000/min`) per API key; `off` disables it.

    Counts live in Django's cache. The default local-memory cache counts per process;
    operators running several processes configure a shared cache (docs/scaling.md).
    """

    scope = "key"
    setting_name = "PBX_THROTTLE_RATE"

    def get_rate(self):
        rate = getattr(settings, self.setting_name, "")
        return None if not rate or rate.lower() == "off" else rate

    def get_cache_key(self, request, view):
        prefix = getattr(request.auth, "prefix", None)
        if prefix:
            ident = f"key:{prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{client_ip(request)}"
        return f"throttle:{self.scope}:{ident}"

    def allow_request(self, request, view):
        allowed = super().allow_request(request, view)
        if self.rate:
            view.throttle_limit = self.num_requests
        return allowed


class LoginRateThrottle(KeyRateThrottle):
    """A stricter limit on password logins, per client IP, against password guessing."""

    scope = "login"
    setting_name = "PBX_LOGIN_THROTTLE_RATE"

    def get_cache_key(self, request, view):
        return f"throttle:{self.scope}:ip:{client_ip(request)}"
