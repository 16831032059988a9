from django.apps import AppConfig


class ApiKeysConfig(AppConfig):
    """API keys, login tokens, credentials and the role groups."""

    name = "apikeys"
    verbose_name = "API keys and users"
