from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Webhooks: the event outbox, signed delivery and the delivery worker (docs/webhooks.md)."""

    name = "webhooks"

    def ready(self):
        from cdrs.ingest import calls_stored
        from pbx import changelog
        from pbx.metrics.views import register_collector
        from webhooks import outbox
        from webhooks.metrics import QueueAgeCollector

        # Every change the kernel records becomes an event, in the change's transaction.
        changelog.register_listener(outbox.changes_recorded)
        # Every stored call becomes call.completed, in the storing transaction.
        calls_stored.connect(_calls_stored, dispatch_uid="webhooks.call_completed")
        # /metrics tells how long the oldest due delivery has waited.
        register_collector(QueueAgeCollector())


def _calls_stored(sender, ids, **kwargs):
    from webhooks import outbox

    outbox.calls_completed(ids)
