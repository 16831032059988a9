"""WSGI entry point, served by gunicorn (`gunicorn pbx.wsgi`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pbx.settings")
application = get_wsgi_application()
