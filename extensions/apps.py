from django.apps import AppConfig


class ExtensionsConfig(AppConfig):
    """Extensions and what hangs off them (voicemail, devices, groups ...)."""

    name = "extensions"

    def ready(self):
        from extensions.models import Extension
        from pbx.models import register_dialplan_holder

        register_dialplan_holder(Extension)
        # The extension's own target type and slots (EXT-BUSY ...): see extensions/destinations.py.
        from extensions import destinations

        destinations.register()
