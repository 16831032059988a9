"""The campaigns app's resources."""

from campaigns.api import campaigns, cronjobs, numbers
from pbx.api.routers import router

router.register("campaigns", campaigns.CampaignViewSet, basename="campaign")
router.register("campaign-numbers", numbers.CampaignNumberViewSet, basename="campaignnumber")
router.register("do-not-call", numbers.DoNotCallViewSet, basename="donotcall")
router.register("cron-jobs", cronjobs.CronJobViewSet, basename="cronjob")
