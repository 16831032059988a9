"""The API roles (docs/api.md), held as Django groups.

The groups are created by a data migration; a superuser counts as admin_api. A user in
several role groups has the strongest of them.
"""

ADMIN = "admin_api"
MINOR_ADMIN = "minor_admin_api"
USER = "user_api"
# A switch (Kamailio, Asterisk, FreeSWITCH) reading what it needs to run calls: it may
# call the switch's endpoints (/api/switch/) and nothing else (docs/switches.md).
SWITCH = "switch_api"

# Strongest first.
ROLES = (ADMIN, MINOR_ADMIN, USER, SWITCH)
# The roles that work in the admin (is_staff), each within its reach.
STAFF_ROLES = (ADMIN, MINOR_ADMIN)
ROLE_CHOICES = [
    (ADMIN, "Platform administrator"),
    (MINOR_ADMIN, "Tenant administrator"),
    (USER, "Extension user"),
    (SWITCH, "Switch (Kamailio, Asterisk, FreeSWITCH)"),
]


def strongest(role_names):
    """The strongest role among group names, or None."""
    return next((role for role in ROLES if role in role_names), None)


def role_of(user):
    """The user's API role, or None when the user has none."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return ADMIN
    cached = getattr(user, "_pbx_role", False)
    if cached is False:
        cached = strongest(set(user.groups.values_list("name", flat=True)))
        user._pbx_role = cached
    return cached


def strongest_role_subquery(user_ref):
    """The strongest role group of the user at OuterRef(user_ref), as a subquery, so that a
    key's or a whole list's roles come with the main query."""
    from django.contrib.auth.models import Group
    from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When

    rank = Case(*[When(name=r, then=Value(i)) for i, r in enumerate(ROLES)], output_field=IntegerField())
    return Subquery(
        Group.objects.filter(user=OuterRef(user_ref), name__in=ROLES)
        .annotate(rank=rank)
        .order_by("rank")
        .values("name")[:1]
    )
