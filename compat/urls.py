"""The compatibility front doors, mounted at the site's root by pbx/urls.py."""

from compat.djangopbx.urls import urlpatterns as djangopbx
from compat.fusionpbx.urls import urlpatterns as fusionpbx
from compat.mirta.urls import urlpatterns as mirta

urlpatterns = [*mirta, *fusionpbx, *djangopbx]
