from django.apps import AppConfig


class MediaConfig(AppConfig):
    """Audio: media files, music on hold, call recordings, voicemail greetings and messages."""

    name = "media"

    def ready(self):
        from media import destinations, signals

        destinations.register()
        signals.connect()
