from django.apps import AppConfig


class PbxConfig(AppConfig):
    """The kernel: API base layer and the generic mechanisms apps register into."""

    name = "pbx"
    verbose_name = "PBX kernel"

    def ready(self):
        from pbx import destinations

        # Targets that are not objects: the call ends here.
        destinations.register_target("HANGUP", label=lambda _: "Hang up")
