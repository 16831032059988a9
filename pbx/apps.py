from django.apps import AppConfig


class PbxConfig(AppConfig):
    """The kernel: API base layer and the generic mechanisms apps register into."""

    name = "pbx"
    verbose_name = "PBX kernel"
