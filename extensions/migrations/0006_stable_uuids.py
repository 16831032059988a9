"""Stable UUIDs, which FusionPBX and DjangoPBX scripts name objects by."""

from django.db import migrations

from pbx.uuid_migrations import add_stable_uuid


class Migration(migrations.Migration):
    dependencies = [("extensions", "0005_extension_routing_profile")]

    operations = [
        *add_stable_uuid("extensions", "extension"),
    ]
