"""Who may own a tenant's object (a device): an active user of that tenant."""

from django.contrib.auth import get_user_model

from apikeys import roles
from tenants.models import Membership


def may_own(user_id, tenant):
    """An active user that is a member of `tenant`, or a platform admin."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    return roles.role_of(user) == roles.ADMIN or Membership.objects.filter(user=user, tenant=tenant).exists()
