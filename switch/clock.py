"""The switch's clock: the moment its routing decisions are taken at.

The real time, unless the setting `PBX_SWITCH_NOW` pins it to an aware datetime: the
tests set it (pytest-django's `settings` fixture) to ask what a call gets on a Friday
evening or on Christmas Day, through the API, without waiting for one. Nothing in
production sets it."""

from django.conf import settings
from django.utils import timezone


def now():
    return getattr(settings, "PBX_SWITCH_NOW", None) or timezone.now()
