"""manage.py purge_media [--older-than 90d] [--tenant CODE] [--dry-run]"""

from datetime import timedelta

from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from media.models import Recording, VoicemailMessage
from media.retention import BadRetention, retention_days
from pbx import changelog
from pbx.api import tags
from pbx.management.base import PbxCommand, parse_age
from tenants.models import Tenant

BATCH = 500
# What is purged, and the time that makes it old.
PURGED = [(Recording, "recorded_at", "recordings"), (VoicemailMessage, "received_at", "voicemail messages")]


class Command(PbxCommand):
    """Delete call recordings and voicemail messages past their tenant's retention (the
    MEDIA_RETENTION_DAYS setting), or older than --older-than; their files go too."""

    help = (
        "Delete recordings and voicemail messages older than each tenant's MEDIA_RETENTION_DAYS "
        "setting, or than --older-than (e.g. 90d) for every tenant."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", help="an age such as 90d, 12h or 2w; overrides the settings")
        parser.add_argument("--tenant", help="only this tenant (its code)")
        parser.add_argument("--dry-run", action="store_true", help="count what would go, delete nothing")

    def handle(self, *args, older_than=None, tenant=None, dry_run=False, **options):
        now = timezone.now()
        tenants = Tenant.objects.order_by("code")
        if tenant:
            tenants = tenants.filter(code=tenant.strip().upper())
            if not tenants:
                raise CommandError(f"No tenant has the code {tenant!r}.")
        tenants = list(tenants)
        if older_than:
            age = parse_age(older_than)
            cutoffs = {t.pk: now - age for t in tenants}
        else:
            try:
                days = retention_days(tenants)
            except BadRetention as error:
                raise CommandError(str(error)) from None
            cutoffs = {pk: now - timedelta(days=d) for pk, d in days.items() if d}
        totals = {label: 0 for _model, _field, label in PURGED}
        freed = 0
        for current in tenants:
            cutoff = cutoffs.get(current.pk)
            if cutoff is None:
                continue
            for model, field, label in PURGED:
                old = model.objects.filter(tenant=current, **{f"{field}__lt": cutoff})
                if dry_run:
                    count = old.count()
                    freed += sum(old.values_list("size", flat=True))
                else:
                    count, size = self.purge(old, f"{current.code}: {label}")
                    freed += size
                totals[label] += count
        verb = "Would delete" if dry_run else "Deleted"
        summary = " and ".join(f"{count} {label}" for label, count in totals.items())
        scope = f"tenant {tenants[0].code}" if tenant else f"{len(cutoffs)} tenants with a retention"
        self.stdout.write(f"{verb} {summary} ({freed} bytes) in {scope}.")

    def purge(self, queryset, label):
        """Delete the rows a batch at a time, each logged in the change log; their files
        leave storage as each batch commits. Returns (rows, bytes)."""
        total = queryset.count()
        done = size = 0
        while True:
            batch = list(queryset.order_by("pk")[:BATCH])
            if not batch:
                break
            with transaction.atomic():
                for obj in batch:
                    changelog.record(obj, changelog.DELETE, changelog.snapshot(obj))
                    tags.forget(obj)
                queryset.model.objects.filter(pk__in=[obj.pk for obj in batch]).delete()
            done += len(batch)
            size += sum(obj.size for obj in batch)
            self.stderr.write(f"\r{label}: deleted {done} of {total}", ending="")
        if done:
            self.stderr.write("")
        return done, size
