"""Migration operations that give an existing model a stable UUID (pbx.models.stable_uuid_field).

The column is added empty, every existing row gets its own uuid4, then the column becomes
unique and required: a default evaluated once by the database would give every existing
row the same UUID.
"""

import uuid

from django.db import migrations, models


def _fill(app_label, model_name):
    def forwards(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        rows = list(model.objects.filter(uuid__isnull=True).only("pk"))
        for row in rows:
            row.uuid = uuid.uuid4()
        model.objects.bulk_update(rows, ["uuid"], batch_size=1000)

    return forwards


def add_stable_uuid(app_label, model_name):
    """The operations that add `uuid` to app_label.model_name and fill existing rows."""
    return [
        migrations.AddField(model_name, "uuid", models.UUIDField(null=True, editable=False)),
        migrations.RunPython(_fill(app_label, model_name), migrations.RunPython.noop),
        migrations.AlterField(
            model_name,
            "uuid",
            models.UUIDField(
                default=uuid.uuid4,
                unique=True,
                editable=False,
                help_text="Stable UUID, accepted wherever the id is (FusionPBX and DjangoPBX scripts).",
            ),
        ),
    ]
