from django.apps import AppConfig


class RoutingConfig(AppConfig):
    """Everything that decides where a call goes: trunks, DIDs, routes, schedules, IVRs,
    hunt lists, queues and the dial-plan services."""

    name = "routing"

    def ready(self):
        from pbx.models import register_dialplan_holder
        from routing import destinations
        from routing.models import HuntList, Queue

        for holder in (HuntList, Queue):
            register_dialplan_holder(holder)
        destinations.register()
