"""/api/: the router's resources, then a JSON 404 for anything else under /api/."""

from django.urls import re_path

from pbx.api import changes, views
from pbx.api.routers import router

router.register("changes", changes.ChangeLogViewSet, basename="change")

urlpatterns = [*router.urls, re_path(r"^[\s\S]*$", views.endpoint_not_found)]
