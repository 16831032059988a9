"""Durations of the calls stored before they were computed from the times.

Records sent with start, answer and end but no durations were stored with 0 and 0,
which the statistics and the admin's chart read as calls of no length. A switch never
writes 0 seconds for a call whose end is a second or more after its start, so such rows
are exactly those records: their durations are computed as ingest now does.
"""

import datetime as dt

from django.db import migrations

SECOND = dt.timedelta(seconds=1)
BATCH = 5000


def fill_durations(apps, schema_editor):
    CallRecord = apps.get_model("cdrs", "CallRecord")
    without = CallRecord.objects.filter(duration=0, billsec=0, end__isnull=False).only("start", "answer", "end")
    batch = []
    for call in without.iterator(chunk_size=BATCH):
        call.duration = (call.end - call.start) // SECOND
        if call.duration <= 0:
            continue  # a call that really lasted under a second, or times a switch got wrong
        call.billsec = max((call.end - call.answer) // SECOND, 0) if call.answer else 0
        batch.append(call)
        if len(batch) >= BATCH:
            CallRecord.objects.bulk_update(batch, ["duration", "billsec"])
            batch = []
    CallRecord.objects.bulk_update(batch, ["duration", "billsec"])


class Migration(migrations.Migration):
    dependencies = [("cdrs", "0002_no_index_on_the_tenant_alone")]

    operations = [migrations.RunPython(fill_durations, migrations.RunPython.noop, elidable=True)]
