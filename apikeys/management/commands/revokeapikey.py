"""manage.py revokeapikey PREFIX"""

from django.core.management.base import CommandError
from django.db import transaction

from apikeys.models import KEY_START, ApiKey
from pbx import changelog
from pbx.management.base import PbxCommand


class Command(PbxCommand):
    """Revoke an API key by its prefix (or the whole key); it stops working at once."""

    help = "Revoke an API key, given its prefix as lists show it (or the whole key)."

    def add_arguments(self, parser):
        parser.add_argument("prefix", help="the key's prefix, e.g. ab3kd9x2mq, or pbx_<prefix>_...")

    def handle(self, *args, prefix, **options):
        if prefix.startswith(KEY_START):
            prefix = prefix[len(KEY_START) :].split("_")[0]
        api_key = ApiKey.objects.filter(prefix=prefix).first()
        if api_key is None:
            raise CommandError(f"No API key with prefix {prefix!r}.")
        if api_key.is_revoked:
            raise CommandError(
                f"Key {prefix} was already revoked at {api_key.revoked_at:%Y-%m-%d %H:%M} UTC."
            )
        with transaction.atomic():
            before = changelog.snapshot(api_key)
            api_key.revoke()
            changelog.record(api_key, changelog.UPDATE, before)
        self.stdout.write(f"Revoked key {prefix} ({api_key.name}, owner {api_key.owner}).")
