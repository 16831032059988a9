from django.apps import AppConfig


class ExtensionsConfig(AppConfig):
    """Extensions and what hangs off them (voicemail, devices, groups ...)."""

    name = "extensions"

    def ready(self):
        from extensions.models import ConferenceRoom, Extension, PagingGroup
        from pbx.models import register_dialplan_holder

        for holder in (Extension, ConferenceRoom, PagingGroup):
            register_dialplan_holder(holder)
        # The extension's own target type and slots (EXT-BUSY ...): see extensions/destinations.py.
        from extensions import destinations

        destinations.register()
