"""manage.py export_cdrs [--output FILE] [--tenant CODE] [--since T] [--until T] [--nojson]"""

import datetime as dt

from django.core.management.base import CommandError
from django.utils.dateparse import parse_date, parse_datetime

from cdrs import export
from cdrs.api import CallRecordSerializer
from cdrs.models import CallRecord
from pbx.api.serializers import DetailUrlField
from pbx.management.base import PbxCommand, write_export
from tenants.models import Tenant


class Command(PbxCommand):
    """Write call records as CSV, the bytes of the API's `?format=csv`, newest first, in
    constant memory (PostgreSQL's COPY, else a server-side cursor), with progress."""

    help = "Export call records as CSV (the API's columns) to a file or standard output."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", "-o", default="-", help="the file to write (default: standard output)"
        )
        parser.add_argument("--tenant", help="only this tenant's records (its code)")
        parser.add_argument("--since", help="records that started at or after this time or date (UTC)")
        parser.add_argument("--until", help="records that started before this time or date (UTC)")
        parser.add_argument("--nojson", action="store_true", help="leave out the switches' raw payloads")
        parser.add_argument(
            "--base-url", default="", help="prefix of the `url` column, e.g. https://pbx.example.com"
        )

    def handle(self, *args, output, tenant, since, until, nojson, base_url, **options):
        records = CallRecord.objects.order_by("-start", "-id")
        if tenant:
            found = Tenant.objects.filter(code=tenant.strip().upper()).first()
            if found is None:
                raise CommandError(f"No tenant has the code {tenant!r}.")
            records = records.filter(tenant=found)
        if since:
            records = records.filter(start__gte=_time(since, "--since"))
        if until:
            records = records.filter(start__lt=_time(until, "--until"))
        serializer = CallRecordSerializer(context={"request": None})  # no request: relative URLs
        columns = [name for name, field in serializer.fields.items() if not field.write_only]
        if nojson:
            columns.remove("raw")
        total = records.count()
        head, tail = DetailUrlField.url_parts("callrecord-detail", None)
        chunks = export.csv_chunks(records, columns, serializer, base_url.rstrip("/") + head, tail)
        write_export(self, chunks, output, total=total, noun="call records")


def _time(text, option):
    value = parse_datetime(text) or (parse_date(text) and parse_datetime(text + "T00:00:00Z"))
    if value is None:
        raise CommandError(
            f"{option}: give a time such as 2026-03-10T08:00:00Z or a date such as 2026-03-10."
        )
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
