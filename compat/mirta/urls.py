"""MiRTA PBX's openapi.php, at the paths its scripts call: /openapi.php and
/mirtapbx/openapi.php, with anything below them (/openapi.php/extensions/12 ...)."""

from django.urls import re_path

from compat.mirta.views import openapi

urlpatterns = [
    re_path(r"^(?:mirtapbx/)?openapi\.php(?:/(?P<tail>.*))?$", openapi, name="mirta-openapi"),
]
