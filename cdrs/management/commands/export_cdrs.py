"""manage.py export_cdrs [--output FILE] [--tenant CODE] [--since T] [--until T] [--nojson]"""

import datetime as dt
import sys

from django.core.management.base import CommandError
from django.utils.dateparse import parse_date, parse_datetime

from cdrs.api import CallRecordSerializer
from cdrs.models import CallRecord
from pbx.api.renderers import csv_lines
from pbx.api.viewsets import every_row
from pbx.management.base import PbxCommand
from tenants.models import Tenant


class Command(PbxCommand):
    """Write call records as CSV, the columns and cells of the API's `?format=csv`,
    newest first, through one server-side cursor (constant memory), with progress."""

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
        records = CallRecord.objects.select_related("tenant").order_by("-start", "-id")
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
        base_url = base_url.rstrip("/")

        def rows():
            for done, record in enumerate(every_row(records), 1):
                row = serializer.to_representation(record)
                row["url"] = base_url + row["url"]
                yield row
                if done % 10_000 == 0 or done == total:
                    self.stderr.write(f"\rexported {done} of {total}", ending="")

        try:
            target = sys.stdout if output == "-" else open(output, "w", encoding="utf-8", newline="")  # noqa: SIM115
        except OSError as error:
            raise CommandError(f"{output}: cannot write it ({error.strerror}).") from None
        try:
            for line in csv_lines(columns, rows()):
                target.write(line)
        finally:
            if target is not sys.stdout:
                target.close()
        if total:
            self.stderr.write("")
        where = "standard output" if output == "-" else output
        self.stderr.write(f"Exported {total} call records to {where}.")


def _time(text, option):
    value = parse_datetime(text) or (parse_date(text) and parse_datetime(text + "T00:00:00Z"))
    if value is None:
        raise CommandError(
            f"{option}: give a time such as 2026-03-10T08:00:00Z or a date such as 2026-03-10."
        )
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
