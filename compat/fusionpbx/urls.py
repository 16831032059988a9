"""FusionPBX's rest_api (app/rest_api/rest.php)."""

urlpatterns = []
