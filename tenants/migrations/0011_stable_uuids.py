"""Stable UUIDs, which FusionPBX and DjangoPBX scripts name objects by."""

from django.db import migrations

from pbx.uuid_migrations import add_stable_uuid


class Migration(migrations.Migration):
    dependencies = [("tenants", "0010_server_kind_kamailio")]

    operations = [
        *add_stable_uuid("tenants", "tenant"),
    ]
