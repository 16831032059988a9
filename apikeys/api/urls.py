from apikeys.api import views
from pbx.api.routers import router

router.register("api-keys", views.ApiKeyViewSet, basename="apikey")
router.register("users", views.UserViewSet, basename="user")
