"""Stable UUIDs, which FusionPBX and DjangoPBX scripts name objects by."""

from django.db import migrations

from pbx.uuid_migrations import add_stable_uuid


class Migration(migrations.Migration):
    dependencies = [("tenants", "0011_tenant_payment_type")]

    operations = [
        *add_stable_uuid("tenants", "tenant"),
    ]
