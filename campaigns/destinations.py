"""How the campaigns app takes part in destinations (docs/api.md): a campaign's
slots (MiRTA PBX's names), and the references that keep a trunk, a campaign or a flow in
use. Registered from CampaignsConfig.ready()."""

from pbx import destinations

# Where an answered call goes, and where a callee who asks not to be called again goes.
CAMPAIGN_SLOTS = ["CAMPAIGN-ONCONNECT", "CAMPAIGN-DONOTCALL"]


def register():
    from campaigns.models import Campaign, CronJob

    destinations.register_slots(Campaign, CAMPAIGN_SLOTS)
    destinations.register_reference(Campaign, "trunk", None)
    destinations.register_reference(CronJob, "campaign", None)
    destinations.register_reference(CronJob, "flow", None)
