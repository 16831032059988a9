"""The switch's endpoints, registered with the kernel's router under /api/switch/."""

from pbx.api.routers import router
from switch.api import views

router.register("switch", views.SwitchViewSet, basename="switch")
