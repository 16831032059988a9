"""manage.py bootstrap: what `make run` needs on a fresh database, and nothing twice."""

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


class Command(PbxCommand):
    """Create the superuser `admin` (password printed), a global full API key (printed) and
    a demo tenant DEMO with a few extensions. On a second run, creates nothing and says
    how to get a new key or password."""

    help = "Create the admin user, a global API key and the DEMO tenant if they do not exist."

    def handle(self, *args, **options):
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
                self.stdout.write(
                    f"  Admin login:    http://127.0.0.1:8000/admin/  user admin  password {password}"
                )
                self.stdout.write(f"  Global API key: {key}")
                self.stdout.write('  Try: curl -H "X-API-Key: <key>" http://127.0.0.1:8000/api/extensions/')
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
