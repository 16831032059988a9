from pbx.api.routers import router
from tenants.api import views

router.register("tenants", views.TenantViewSet, basename="tenant")
router.register("resellers", views.ResellerViewSet, basename="reseller")
router.register("servers", views.ServerViewSet, basename="server")
router.register("user-profiles", views.UserProfileViewSet, basename="userprofile")
router.register("settings", views.SettingViewSet, basename="setting")
router.register("tenant-variables", views.TenantVariableViewSet, basename="tenantvariable")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("locations", views.LocationViewSet, basename="location")
router.register("tags", views.TagViewSet, basename="tag")
