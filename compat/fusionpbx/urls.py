"""FusionPBX rest_api's endpoint, where its scripts call it."""

from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from compat.fusionpbx.views import RestView

urlpatterns = [path("app/rest_api/rest.php", csrf_exempt(RestView.as_view()), name="fusionpbx-rest")]
