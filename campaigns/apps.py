from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    """Outbound calling campaigns, their numbers, the do-not-call list and cron jobs."""

    name = "campaigns"

    def ready(self):
        from campaigns import destinations

        destinations.register()
