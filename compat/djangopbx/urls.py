"""DjangoPBX's paths and names (those outside /api/; the /api/ aliases register with the router)."""

urlpatterns = []
