"""MiRTA PBX's openapi.php."""

urlpatterns = []
