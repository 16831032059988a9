"""DjangoPBX's paths and names (those outside /api/; the /api/ aliases register with the router)."""

import compat.djangopbx.routes  # noqa: F401  (registers DjangoPBX's /api/ paths with the router)

urlpatterns = []
