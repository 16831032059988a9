"""manage.py purge_webhook_deliveries --older-than 30d [--dry-run]"""

from django.core.management.base import CommandError
from django.utils import timezone

from pbx.management.base import PbxCommand, delete_in_batches, parse_age
from webhooks.models import Delivery


class Command(PbxCommand):
    """Delete delivered and dead deliveries (and their attempts) queued before an age, a
    batch at a time. Pending ones are never deleted: they are still to be sent."""

    help = "Delete delivered and dead webhook deliveries older than --older-than (e.g. 30d)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", required=True, help="an age such as 30d, 12h or 2w")
        parser.add_argument("--batch-size", type=int, default=5000, help="rows deleted per transaction")
        parser.add_argument("--dry-run", action="store_true", help="count the deliveries, delete nothing")

    def handle(self, *args, older_than, batch_size, dry_run, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        cutoff = timezone.now() - parse_age(older_than)
        # Ids grow with created_at (the database's clock at insert), so the first id queued
        # after the cutoff bounds the rest by the primary key's index, which every batch
        # then uses (created_at has no index of its own: ingest pays for each one).
        first_kept = (
            Delivery.objects.filter(created_at__gte=cutoff).order_by("pk").values_list("pk", flat=True)
        )
        bound = first_kept.first()
        finished = Delivery.objects.filter(status__in=[Delivery.Status.DELIVERED, Delivery.Status.DEAD])
        old = finished.filter(pk__lt=bound) if bound is not None else finished
        when = f"{cutoff:%Y-%m-%d %H:%M} UTC"
        if dry_run:
            self.stdout.write(f"{old.count()} delivered or dead deliveries queued before {when}.")
            return

        def progress(done, total):
            self.stderr.write(f"\rdeleted {done} of {total}", ending="")

        deleted = delete_in_batches(old, batch_size=batch_size, progress=progress)
        if deleted:
            self.stderr.write("")
        self.stdout.write(f"Deleted {deleted} delivered or dead deliveries queued before {when}.")
