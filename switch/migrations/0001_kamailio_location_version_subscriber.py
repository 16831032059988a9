"""The migration the Kamailio configuration reads: Kamailio 5.6's location table
(kamailio_location), its version table (kamailio_version) and, on PostgreSQL, the VIEW
kamailio_subscriber that auth_db authenticates REGISTERs against (docs/switches.md).

The view reads columns of extensions_extension and tenants_tenant: PostgreSQL refuses
to change the type of a column a view uses, so a later migration that alters one of
them drops the view first and creates it again (drop_subscriber_view /
create_subscriber_view below).
"""

import datetime

from django.db import migrations, models

import switch.models

# The schema versions Kamailio 5.6 checks at start (its *-create.sql files): auth_db's
# subscriber is version 7, usrloc's location 9, and the version table itself 1.
KAMAILIO_TABLE_VERSIONS = {
    "kamailio_version": 1,
    "kamailio_subscriber": 7,
    "kamailio_location": 9,
}


def add_table_versions(apps, schema_editor):
    version = apps.get_model("switch", "KamailioVersion")
    for table_name, table_version in KAMAILIO_TABLE_VERSIONS.items():
        version.objects.update_or_create(table_name=table_name, defaults={"table_version": table_version})


def remove_table_versions(apps, schema_editor):
    apps.get_model("switch", "KamailioVersion").objects.filter(table_name__in=KAMAILIO_TABLE_VERSIONS).delete()


def create_subscriber_view(apps, schema_editor):
    """auth_db's subscriber table as a VIEW over the live rows: a password changed
    through the API is what the next REGISTER is checked against. Only enabled
    extensions of enabled tenants whose tech registers (SIP, PJSIP) and that have a
    SIP username and a password are there. ha1 = MD5(username:realm:password) and
    ha1b = MD5(username@domain:realm:password), with the realm the tenant's sip_domain
    (Kamailio's auth_db with calculate_ha1 = 0)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    extension = quote(apps.get_model("extensions", "Extension")._meta.db_table)
    tenant = quote(apps.get_model("tenants", "Tenant")._meta.db_table)
    schema_editor.execute(
        f"""
        CREATE VIEW kamailio_subscriber AS
        SELECT e.id AS id,
               e.sip_username AS username,
               t.sip_domain AS domain,
               md5(e.sip_username || ':' || t.sip_domain || ':' || e.password) AS ha1,
               md5(e.sip_username || '@' || t.sip_domain || ':' || t.sip_domain || ':' || e.password)
                   AS ha1b,
               e.max_contacts::integer AS max_contacts,
               e.id AS extension_id,
               e.tenant_id AS tenant_id
          FROM {extension} e
          JOIN {tenant} t ON t.id = e.tenant_id
         WHERE e.enabled AND t.enabled
           AND e.tech IN ('SIP', 'PJSIP')
           AND e.sip_username <> '' AND e.password <> ''
        """
    )


def drop_subscriber_view(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP VIEW IF EXISTS kamailio_subscriber")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("extensions", "0005_extension_routing_profile"),
        ("tenants", "0007_tenant_routing_profile"),
    ]

    operations = [
        migrations.CreateModel(
            name='KamailioVersion',
            fields=[
                ('id', models.AutoField(primary_key=True, serialize=False)),
                ('table_name', models.CharField(max_length=32, unique=True)),
                ('table_version', models.IntegerField(db_default=0)),
            ],
            options={
                'db_table': 'kamailio_version',
                'ordering': ['table_name'],
            },
        ),
        migrations.CreateModel(
            name='Registration',
            fields=[
                ('id', models.AutoField(primary_key=True, serialize=False)),
                ('ruid', models.CharField(db_default='', max_length=64)),
                ('username', models.CharField(db_default='', max_length=64)),
                ('domain', models.CharField(blank=True, max_length=253, null=True)),
                ('contact', models.CharField(db_default='', max_length=512)),
                ('received', models.CharField(blank=True, max_length=128, null=True)),
                ('path', models.CharField(blank=True, max_length=512, null=True)),
                ('expires', switch.models.UTCTimestampField(db_default=datetime.datetime(2030, 5, 28, 21, 32, 15, tzinfo=datetime.timezone.utc))),
                ('q', switch.models.RealField(db_default=1.0)),
                ('callid', models.CharField(db_default='Default-Call-ID', max_length=255)),
                ('cseq', models.IntegerField(db_default=1)),
                ('last_modified', switch.models.UTCTimestampField(db_default=datetime.datetime(2000, 1, 1, 0, 0, 1, tzinfo=datetime.timezone.utc))),
                ('flags', models.IntegerField(db_default=0)),
                ('cflags', models.IntegerField(db_default=0)),
                ('user_agent', models.CharField(db_default='', max_length=255)),
                ('socket', models.CharField(blank=True, max_length=64, null=True)),
                ('methods', models.IntegerField(blank=True, null=True)),
                ('instance', models.CharField(blank=True, max_length=255, null=True)),
                ('reg_id', models.IntegerField(db_default=0)),
                ('server_id', models.IntegerField(db_default=0)),
                ('connection_id', models.IntegerField(db_default=0)),
                ('keepalive', models.IntegerField(db_default=0)),
                ('partition', models.IntegerField(db_default=0)),
            ],
            options={
                'db_table': 'kamailio_location',
                'ordering': ['id'],
                'indexes': [models.Index(fields=['username', 'domain', 'contact'], name='location_account_contact_idx'), models.Index(fields=['expires'], name='location_expires_idx'), models.Index(fields=['connection_id'], name='location_tcpcon_idx'), models.Index(fields=['server_id', 'connection_id'], name='location_connection_idx')],
                'constraints': [models.UniqueConstraint(fields=('ruid',), name='location_ruid_idx')],
            },
        ),
        migrations.RunPython(add_table_versions, remove_table_versions),
        migrations.RunPython(create_subscriber_view, drop_subscriber_view),
    ]
