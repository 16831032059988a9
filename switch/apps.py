from django.apps import AppConfig


class SwitchConfig(AppConfig):
    """The switches' side of pbx (docs/switches.md)."""

    name = "switch"
    verbose_name = "Switches"
