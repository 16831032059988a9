from extensions.api import views
from pbx.api.routers import router

router.register("extensions", views.ExtensionViewSet, basename="extension")
