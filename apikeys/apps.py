from django.apps import AppConfig


class ApiKeysConfig(AppConfig):
    """API keys, login tokens, credentials and the role groups."""

    name = "apikeys"
    verbose_name = "API keys and users"

    def ready(self):
        from django.contrib.auth import get_user_model

        from pbx.changelog import register_snapshot_extra

        register_snapshot_extra(get_user_model(), describe_user)


def describe_user(user):
    """A user's role and tenants, which live in groups and memberships, for its change log."""
    from apikeys import roles

    if user.pk is None:
        return {}
    groups = set(user.groups.values_list("name", flat=True))
    tenants = sorted(user.memberships.values_list("tenant__code", flat=True))
    return {"role": roles.ADMIN if user.is_superuser else roles.strongest(groups), "tenants": tenants}
