"""manage.py createapikey --user U [--tenant CODE] [--read-only] [--name N] [--expires-days D]"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from apikeys import roles
from apikeys.models import ApiKey
from pbx import changelog
from pbx.management.base import PbxCommand
from tenants.models import Membership, Tenant


class Command(PbxCommand):
    """Create an API key for a user; the key is printed alone on the last line, once."""

    help = "Create an API key. The whole key is printed alone on the last line and never again."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username of the key's owner")
        parser.add_argument("--tenant", help="tenant code: the key reaches only this tenant")
        parser.add_argument("--read-only", action="store_true", help="allow GET, HEAD, OPTIONS only")
        parser.add_argument("--name", default="", help="a name to recognise the key by")
        parser.add_argument("--expires-days", type=int, help="expire after this many days")

    def handle(self, *args, user, tenant, read_only, name, expires_days, **options):
        owner = get_user_model().objects.filter(username=user).first()
        if owner is None:
            raise CommandError(f"No user named {user!r}.")
        role = roles.role_of(owner)
        if role is None:
            raise CommandError(
                f"User {user!r} has no API role (admin_api, minor_admin_api, user_api or switch_api)."
            )
        tenant_obj = None
        if tenant:
            tenant_obj = Tenant.objects.filter(code=tenant.upper()).first()
            if tenant_obj is None:
                raise CommandError(f"No tenant with code {tenant!r}.")
            if role != roles.ADMIN and not Membership.objects.filter(user=owner, tenant=tenant_obj).exists():
                raise CommandError(f"User {user!r} does not belong to tenant {tenant_obj.code}.")
        if expires_days is not None and expires_days < 1:
            raise CommandError("--expires-days must be at least 1.")
        expires_at = timezone.now() + timedelta(days=expires_days) if expires_days else None
        with transaction.atomic():
            api_key, key = ApiKey.issue(
                name=name or f"created by manage.py on {timezone.now():%Y-%m-%d}",
                owner=owner,
                tenant=tenant_obj,
                read_only=read_only,
                expires_at=expires_at,
            )
            changelog.record(api_key, changelog.CREATE)
        reach = f"tenant {tenant_obj.code}" if tenant_obj else "all of the owner's tenants"
        self.stderr.write(
            f"Created {'read-only' if read_only else 'full'} key {api_key.prefix} for {user} ({reach})"
            + (f", expiring {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else "")
            + ". Copy it now: it is not shown again."
        )
        self.stdout.write(key)
