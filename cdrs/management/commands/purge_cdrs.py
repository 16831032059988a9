"""manage.py purge_cdrs --older-than 400d [--tenant CODE] [--dry-run]"""

from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from cdrs import partitions
from cdrs.models import CallRecord
from pbx.management.base import PbxCommand, delete_in_batches, parse_age
from tenants.models import Tenant


class Command(PbxCommand):
    """Delete call records that started before an age, showing progress.

    On PostgreSQL, where the records are partitioned by month, a month entirely older
    than the age is dropped whole (DETACH and DROP: a second, whatever its rows), and
    only the month that straddles the age, and old calls waiting in the default
    partition, are deleted a batch at a time. Elsewhere, and for one tenant (whose
    calls share their months with other tenants'), every record is deleted a batch at
    a time (each batch a short transaction, so the table is never locked for long)."""

    help = "Delete call records older than --older-than (e.g. 400d), optionally of one tenant."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", required=True, help="an age such as 400d, 12h or 2w")
        parser.add_argument("--tenant", help="only this tenant's records (its code)")
        parser.add_argument("--batch-size", type=int, default=5000, help="rows deleted per transaction")
        parser.add_argument("--dry-run", action="store_true", help="count the records, delete nothing")

    def handle(self, *args, older_than, tenant, batch_size, dry_run, **options):
        cutoff = timezone.now() - parse_age(older_than)
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        records = CallRecord.objects.filter(start__lt=cutoff)
        whose = "all tenants"
        if tenant:
            found = Tenant.objects.filter(code=tenant.strip().upper()).first()
            if found is None:
                raise CommandError(f"No tenant has the code {tenant!r}.")
            records, whose = records.filter(tenant=found), f"tenant {found.code}"
        when = f"{cutoff:%Y-%m-%d %H:%M} UTC"
        old_months = [] if tenant or not partitions.is_partitioned() else self._months_before(cutoff)
        if dry_run:
            for month, rows in old_months:
                self.stdout.write(f"Would drop partition {month.name} ({rows} call records).")
            count = records.count()
            if old_months:
                dropped = sum(rows for _, rows in old_months)
                self.stdout.write(f"Would delete {count - dropped} more call records in batches.")
            self.stdout.write(f"{count} call records of {whose} started before {when}.")
            return

        dropped = self._drop(old_months)

        def progress(done, total):
            self.stderr.write(f"\rdeleted {done} of {total}", ending="")

        # Within the months left, `start < cutoff` keeps PostgreSQL to the straddling
        # month and the default partition.
        deleted = delete_in_batches(records, batch_size=batch_size, progress=progress)
        if deleted:
            self.stderr.write("")
        if old_months:
            self.stdout.write(f"Dropped {len(old_months)} partitions ({dropped} call records).")
        self.stdout.write(f"Deleted {dropped + deleted} call records of {whose} started before {when}.")

    def _months_before(self, cutoff):
        """The month partitions whose every possible call started before the cutoff,
        each with its number of calls."""
        with connection.cursor() as cursor:
            old = [month for month in partitions.months(cursor) if month.end <= cutoff]
            return [(month, partitions.rows_in(cursor, month.name)) for month in old]

    def _drop(self, months):
        dropped = 0
        for number, (month, rows) in enumerate(months, 1):
            # One short transaction a month: DETACH waits for the queries reading it.
            with transaction.atomic(), connection.cursor() as cursor:
                partitions.drop_month(cursor, month)
            dropped += rows
            self.stderr.write(f"[{number}/{len(months)}] dropped {month.name} ({rows} call records)")
        return dropped
