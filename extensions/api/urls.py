"""The extensions app's resources. The Extension's own code is in serializers.py,
filters.py and views.py; the others are one module per concept (serializer, filterset
and viewset together)."""

from extensions.api import devices, directory, groups, views, voicemail
from pbx.api.routers import router

router.register("extensions", views.ExtensionViewSet, basename="extension")
router.register("voicemails", voicemail.VoicemailViewSet, basename="voicemail")
router.register("devices", devices.DeviceViewSet, basename="device")
router.register("pickup-groups", groups.PickupGroupViewSet, basename="pickupgroup")
router.register("paging-groups", groups.PagingGroupViewSet, basename="paginggroup")
router.register("conference-rooms", groups.ConferenceRoomViewSet, basename="conferenceroom")
router.register("contacts", directory.ContactViewSet, basename="contact")
router.register("follow-me", directory.FollowMeViewSet, basename="followme")
router.register("web-call-widgets", directory.WebCallWidgetViewSet, basename="webcallwidget")
