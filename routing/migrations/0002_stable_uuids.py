"""Stable UUIDs, which FusionPBX and DjangoPBX scripts name objects by."""

from django.db import migrations

from pbx.uuid_migrations import add_stable_uuid


class Migration(migrations.Migration):
    dependencies = [("routing", "0001_initial")]

    operations = [
        *add_stable_uuid("routing", "trunk"),
        *add_stable_uuid("routing", "did"),
        *add_stable_uuid("routing", "huntlist"),
    ]
