from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Webhooks: the event outbox, signed delivery and the delivery worker (DESIGN.md section 7)."""

    name = "webhooks"

    def ready(self):
        from pbx import changelog
        from webhooks import outbox

        # Every change the kernel records becomes an event, in the change's transaction.
        changelog.register_listener(outbox.changes_recorded)
