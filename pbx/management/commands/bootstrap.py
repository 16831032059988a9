"""manage.py bootstrap: what `make run` needs on a fresh database, and nothing twice."""

import argparse
import secrets

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction

from apikeys.models import ApiKey
from pbx import changelog
from pbx.management.base import PbxCommand
from tenants.models import Tenant

DEMO_EXTENSIONS = [
    ("100", "Reception"),
    ("101", "Sales"),
    ("102", "Support"),
    ("103", "Accounts"),
    ("200", "Conference phone"),
]


def port(text):
    """A TCP port number, 1 to 65535."""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"give a port number from 1 to 65535, not {text!r}")
    return int(text)


class Command(PbxCommand):
    """Create the superuser `admin` (password printed), a global full API key (printed) and
    a demo tenant DEMO with a few extensions. On a second run, creates nothing and says
    how to get a new key or password."""

    help = "Create the admin user, a global API key and the DEMO tenant if they do not exist."

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=port,
            default=8000,
            help="The port the service will listen on, for the addresses printed (make run passes its PORT).",
        )

    def handle(self, *args, **options):
        site = f"http://127.0.0.1:{options['port']}"
        User = get_user_model()
        with transaction.atomic():
            admin = User.objects.filter(username="admin").first()
            if admin is None:
                password = secrets.token_urlsafe(12)
                admin = User.objects.create_superuser("admin", "admin@example.com", password)
                api_key, key = ApiKey.issue(name="make run bootstrap key", owner=admin)
                changelog.record(admin, changelog.CREATE)
                changelog.record(api_key, changelog.CREATE)
                self._demo_tenant()
                self.stdout.write(self.style.SUCCESS("Created the platform administrator and a demo tenant."))
                self.stdout.write(f"  Admin login:    {site}/admin/  user admin  password {password}")
                self.stdout.write(f"  Global API key: {key}")
                self.stdout.write(f'  Try: curl -H "X-API-Key: <key>" {site}/api/extensions/')
                return
        self._demo_tenant()
        self.stdout.write("The admin user and demo tenant exist already; nothing was created.")
        self.stdout.write("  New API key:   .venv/bin/python manage.py createapikey --user admin")
        self.stdout.write("  New password:  .venv/bin/python manage.py changepassword admin")

    def _demo_tenant(self):
        tenant, created = Tenant.objects.get_or_create(
            code="DEMO", defaults={"name": "Demo Company", "sip_domain": "demo.pbx.local"}
        )
        if created:
            changelog.record(tenant, changelog.CREATE)
            Extension = apps.get_model("extensions", "Extension")
            for number, name in DEMO_EXTENSIONS:
                extension = Extension.objects.create(
                    tenant=tenant, number=number, name=name, caller_id_name=name
                )
                changelog.record(extension, changelog.CREATE)
