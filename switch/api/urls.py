"""The switch's endpoints, registered with the kernel's router under /api/switch/."""

from pbx.api.routers import router
from switch.api import calls, views

router.register("switch", views.SwitchViewSet, basename="switch")
router.register("calls", calls.CallViewSet, basename="call")
router.register("clickdial", calls.ClickDialViewSet, basename="clickdial")
