"""Top-level URLs: the start page, the API, its schema and docs, the admin, the health check
and the metrics."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

import apikeys.api.urls  # noqa: F401
import campaigns.api.urls  # noqa: F401
import cdrs.urls  # noqa: F401
import extensions.api.urls  # noqa: F401
import media.api.urls  # noqa: F401
import routing.api.urls  # noqa: F401
import switch.api.urls  # noqa: F401
import tenants.api.urls  # noqa: F401  (each app's api/urls.py registers with the router)
import webhooks.api.urls  # noqa: F401
from apikeys.api.views import LoginView
from pbx import admin_destinations, admin_widgets
from pbx.api.views import health, redoc_bundle
from pbx.metrics.views import metrics_view
from pbx.views import home

admin.site.site_header = "pbx administration"
admin.site.site_title = "pbx"
admin.site.site_url = "/"  # the admin's "View site": the start page below

urlpatterns = [
    path("", home, name="home"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/redoc/bundles/redoc.standalone.js", redoc_bundle, name="redoc-bundle"),
    path("api-auth/login/", LoginView.as_view(), name="api-login"),
    path("", include("compat.urls")),  # MiRTA PBX, FusionPBX and DjangoPBX front doors
    path("api/", include("pbx.api.urls")),
    # The admin's own lookups (pickers, live checks), behind the admin's login.
    path(
        "admin/pbx/destination-targets/",
        admin.site.admin_view(admin_destinations.destination_targets),
        name="admin-destination-targets",
    ),
    path(
        "admin/pbx/dial-pattern-check/",
        admin.site.admin_view(admin_widgets.dial_pattern_check),
        name="admin-dial-pattern-check",
    ),
    path("admin/pbx/tag-names/", admin.site.admin_view(admin_widgets.tag_names), name="admin-tag-names"),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("metrics", metrics_view, name="metrics"),  # Prometheus (docs/metrics.md)
]
