from django.apps import AppConfig


class CompatConfig(AppConfig):
    """Front doors for scripts written against MiRTA PBX, FusionPBX and DjangoPBX: each
    translates the old system's request onto pbx's own viewsets and its answer back, so
    that every rule, scope check, change-log entry and event is the kernel's."""

    name = "compat"
    verbose_name = "Compatibility with other PBX systems"
