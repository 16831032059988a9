"""manage.py partition_cdrs [--months-ahead 3] [--dry-run]"""

from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from cdrs import partitions
from pbx.management.base import PbxCommand


class Command(PbxCommand):
    """Create the call records' monthly partitions that are missing, for the current
    month and N ahead and for every month of a call kept in the default partition, and
    move the calls of each month created out of the default partition into it. Run it daily (docs/cdrs.md): a
    call of a month without a partition is kept in the default partition until then.
    Running it again changes nothing."""

    help = "Create the missing monthly partitions of the call records (PostgreSQL), N months ahead."

    def add_arguments(self, parser):
        parser.add_argument("--months-ahead", type=int, default=3, help="months after the current one (3)")
        parser.add_argument("--dry-run", action="store_true", help="say what would be done, do nothing")

    def handle(self, *args, months_ahead, dry_run, **options):
        if months_ahead < 0 or months_ahead > 120:
            raise CommandError("--months-ahead must be between 0 and 120.")
        if connection.vendor == "postgresql" and not partitions.is_partitioned():
            raise CommandError("The call records' table is not partitioned yet: run manage.py migrate first.")
        if not partitions.is_partitioned():
            self.stdout.write(
                "Call records are partitioned on PostgreSQL only; this database keeps one table: nothing to do."
            )
            return
        with connection.cursor() as cursor:
            wanted = self._wanted(cursor, months_ahead)
            existing = {month.start for month in partitions.months(cursor)}
        missing = [month for month in wanted if month not in existing]
        verb = "would create" if dry_run else "created"
        created = moved = 0
        for number, month in enumerate(missing, 1):
            name = partitions.partition_name(month)
            # One transaction a month: the calls moved are never lost or doubled, and
            # the default partition is locked for one month's move at a time.
            with transaction.atomic(), connection.cursor() as cursor:
                if dry_run:
                    rows = partitions.rows_in_default(cursor, month)
                else:
                    rows = partitions.create_month(cursor, month)
            created += 1
            moved += rows
            moving = (
                f", {'moving' if dry_run else 'moved'} {rows} calls from the default partition"
                if rows
                else ""
            )
            self.stderr.write(f"[{number}/{len(missing)}] {verb} {name}{moving}")
        if dry_run:
            self.stdout.write(f"Would create {created} partitions and move {moved} calls into them.")
        else:
            self.stdout.write(f"Created {created} partitions, moved {moved} calls into them.")

    def _wanted(self, cursor, months_ahead):
        """The current month and months_ahead after it, and each month of a call waiting
        in the default partition. Past months got theirs when they were ahead (or from
        the migration, for every month holding calls); a call from far in the past or
        future gets its own month, not decades of empty ones between."""
        current = partitions.month_of(timezone.now())
        months = {partitions.add_months(current, ahead) for ahead in range(months_ahead + 1)}
        months.update(partitions.months_in_default(cursor))
        return sorted(months)
