"""How long a tenant keeps its call recordings and voicemail messages.

The `MEDIA_RETENTION_DAYS` setting (tenants' Setting: a tenant's own overrides the
global one) says how many days; without either, the PBX_MEDIA_RETENTION_DAYS
environment default; 0 or empty keeps everything. `manage.py purge_media` applies it.
"""

from django.conf import settings

from tenants.models import Setting

SETTING_CODE = "MEDIA_RETENTION_DAYS"


class BadRetention(ValueError):
    """A retention setting that is not a whole number of days."""


def _days(text, where):
    text = (text or "").strip()
    if text == "":
        return None
    if not text.isdigit():
        raise BadRetention(
            f"{SETTING_CODE} of {where} is {text!r}: use a whole number of days (0 keeps all)."
        )
    return int(text) or None


def retention_days(tenants):
    """{tenant id: days or None (keep everything)} for the given tenants, in two queries."""
    values = dict(
        Setting.objects.filter(code=SETTING_CODE, tenant__in=tenants).values_list("tenant_id", "value")
    )
    platform = Setting.objects.filter(code=SETTING_CODE, tenant__isnull=True).first()
    default = (
        _days(platform.value, "the platform")
        if platform is not None
        else (settings.PBX_MEDIA_RETENTION_DAYS or None)
    )
    return {
        tenant.pk: _days(values[tenant.pk], f"tenant {tenant.code}") if tenant.pk in values else default
        for tenant in tenants
    }
