"""Who may own a tenant's object (an extension, a device): an active user of that tenant."""

from django.contrib.auth import get_user_model

from apikeys import roles
from tenants.models import Membership


def may_own(user_id, tenant, scope):
    """An active member of `tenant`; a platform admin too, but only when the caller reaches
    every tenant. A tenant's caller is told the same for a platform admin's id as for an id
    that does not exist, so it cannot learn who the platform's admins are."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    if Membership.objects.filter(user=user, tenant=tenant).exists():
        return True
    return scope.tenant_ids is None and roles.role_of(user) == roles.ADMIN
