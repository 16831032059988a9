"""manage.py purge_changes --older-than 365d"""

from django.utils import timezone

from pbx.management.base import PbxCommand, delete_in_batches, parse_age
from pbx.models import ChangeLog


class Command(PbxCommand):
    """Delete change log rows older than an age, in batches, showing progress."""

    help = "Delete change log rows older than --older-than (e.g. 365d)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", required=True, help="an age such as 365d, 12h or 2w")
        parser.add_argument("--dry-run", action="store_true", help="count the rows, delete nothing")

    def handle(self, *args, older_than, dry_run, **options):
        cutoff = timezone.now() - parse_age(older_than)
        rows = ChangeLog.objects.filter(time__lt=cutoff)
        if dry_run:
            self.stdout.write(f"{rows.count()} change log rows are older than {cutoff:%Y-%m-%d %H:%M} UTC.")
            return

        def progress(done, total):
            self.stderr.write(f"\rdeleted {done} of {total}", ending="")

        deleted = delete_in_batches(rows, progress=progress)
        if deleted:
            self.stderr.write("")
        self.stdout.write(f"Deleted {deleted} change log rows older than {cutoff:%Y-%m-%d %H:%M} UTC.")
