"""Who may call what: roles, read-only keys and platform-only resources.

Tenant reach is not a permission here: out-of-reach objects are filtered out of the
queryset and so answer 404 (docs/api.md), never 403.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from apikeys import roles
from pbx.api.exceptions import MissingApiKey, PermissionDenied, ReadOnlyKey
from pbx.api.scope import scope_of


class ScopePermission(BasePermission):
    """Every API view: an authenticated caller with a role, and no writes on a read-only key."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            raise MissingApiKey(
                "Missing API key: send X-API-Key, Authorization: Bearer, HTTP Basic or a session."
            )
        scope = scope_of(request)
        if scope.role is None:
            raise PermissionDenied(
                "This user has no API role (admin_api, minor_admin_api, user_api or switch_api)."
            )
        # A switch's credential sits in its configuration files: if it leaks, it must open
        # nothing but what the switch reads.
        if scope.role == roles.SWITCH and not getattr(view, "for_switches", False):
            raise PermissionDenied("A switch credential (switch_api) may call only /api/switch/.")
        if request.method not in SAFE_METHODS and scope.read_only:
            raise ReadOnlyKey()
        return True


class PlatformAdminOnly(ScopePermission):
    """Platform objects (tenants, resellers, users): an admin_api caller on a global credential.

    Tenant keys are refused even for an admin's own keys (MiRTA PBX).
    """

    def has_permission(self, request, view):
        super().has_permission(request, view)
        scope = scope_of(request)
        if not scope.is_admin:
            raise PermissionDenied("Only a platform administrator (admin_api) may use this endpoint.")
        if not scope.is_global:
            raise PermissionDenied("Tenant API keys cannot manage platform objects: use a global key.")
        return True


class SwitchOnly(ScopePermission):
    """The switch's endpoints (/api/switch/): a switch credential (switch_api), or a
    platform administrator on a global credential, who may try what the switch is told."""

    def has_permission(self, request, view):
        super().has_permission(request, view)
        scope = scope_of(request)
        if scope.role != roles.SWITCH and not scope.all_tenants:
            raise PermissionDenied(
                "Only a switch credential (switch_api) or a platform administrator may call the switch's endpoints."
            )
        return True
