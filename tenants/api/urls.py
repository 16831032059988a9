from pbx.api.routers import router
from tenants.api import views

router.register("tenants", views.TenantViewSet, basename="tenant")
router.register("resellers", views.ResellerViewSet, basename="reseller")
