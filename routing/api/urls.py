"""The routing app's resources: one module per concept (serializer, filterset and
viewset together)."""

from pbx.api.routers import router
from routing.api import callers, inbound, outbound, services

router.register("trunks", outbound.TrunkViewSet, basename="trunk")
router.register("outbound-routes", outbound.OutboundRouteViewSet, basename="outboundroute")
router.register("routing-profiles", outbound.RoutingProfileViewSet, basename="routingprofile")
router.register("dids", inbound.DIDViewSet, basename="did")
router.register("schedules", inbound.ScheduleViewSet, basename="schedule")
router.register("flows", inbound.FlowViewSet, basename="flow")
router.register("ivrs", callers.IVRViewSet, basename="ivr")
router.register("hunt-lists", callers.HuntListViewSet, basename="huntlist")
router.register("queues", callers.QueueViewSet, basename="queue")
router.register("agents", callers.AgentViewSet, basename="agent")
router.register("custom-destinations", services.CustomDestinationViewSet, basename="customdestination")
router.register("feature-codes", services.FeatureCodeViewSet, basename="featurecode")
router.register("short-numbers", services.ShortNumberViewSet, basename="shortnumber")
router.register("disas", services.DISAViewSet, basename="disa")
router.register("callerid-blacklist", services.CallerIdBlacklistViewSet, basename="calleridblacklist")
