from django.apps import AppConfig


class CdrsConfig(AppConfig):
    """Call detail records: ingest from the switches, query, export, statistics."""

    name = "cdrs"
    verbose_name = "Call detail records"
