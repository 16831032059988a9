from django.apps import AppConfig


class TenantsConfig(AppConfig):
    """Tenants, resellers and the users' memberships of tenants."""

    name = "tenants"
