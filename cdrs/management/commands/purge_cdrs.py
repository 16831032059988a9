"""manage.py purge_cdrs --older-than 400d [--tenant CODE] [--dry-run]"""

from django.core.management.base import CommandError
from django.utils import timezone

from cdrs.models import CallRecord
from pbx.management.base import PbxCommand, delete_in_batches, parse_age
from tenants.models import Tenant


class Command(PbxCommand):
    """Delete call records that started before an age, a batch at a time (each batch a
    short transaction, so the table is never locked for long), showing progress."""

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
        if dry_run:
            self.stdout.write(f"{records.count()} call records of {whose} started before {when}.")
            return

        def progress(done, total):
            self.stderr.write(f"\rdeleted {done} of {total}", ending="")

        deleted = delete_in_batches(records, batch_size=batch_size, progress=progress)
        if deleted:
            self.stderr.write("")
        self.stdout.write(f"Deleted {deleted} call records of {whose} started before {when}.")
