"""Create the switch_api role group: the credential Kamailio, Asterisk and FreeSWITCH use."""

from django.db import migrations


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="switch_api")


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="switch_api").delete()


class Migration(migrations.Migration):
    dependencies = [("apikeys", "0002_role_groups")]

    operations = [migrations.RunPython(create_group, remove_group)]
