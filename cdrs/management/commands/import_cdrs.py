"""manage.py import_cdrs --format asterisk-csv|freeswitch-json|json FILE..."""

import json
import zoneinfo
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from cdrs import formats, ingest
from pbx.management.base import PbxCommand
from tenants.models import Tenant

BATCH = 5000


class Command(PbxCommand):
    """Import call records from the files switches write, as the API's ingest does: each
    call once (a file imported twice stores nothing new), bad records reported by file and
    line or index with the fields at fault, good ones stored. Shows progress; ends with
    stored, skipped, rejected, and exits 1 when any record was rejected."""

    help = "Import CDR files: Asterisk Master.csv, FreeSWITCH mod_json_cdr files, or our JSON."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--format", required=True, choices=["asterisk-csv", "freeswitch-json", "json"], dest="file_format"
        )
        parser.add_argument(
            "--tenant", help="the tenant code of every record (default: from each record's domain)"
        )
        parser.add_argument(
            "--timezone", default=settings.TIME_ZONE, help="the switch's time zone (Asterisk)"
        )
        parser.add_argument("--show-rejected", type=int, default=20, help="how many rejected records to list")

    def handle(self, *args, files, file_format, tenant, timezone, show_rejected, **options):
        self.tenant = self._tenant(tenant)
        try:
            self.tz = zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise CommandError(f"{timezone!r} is not an IANA time zone.") from None
        paths = [Path(name) for name in files]
        for path in paths:
            if not path.is_file():
                raise CommandError(f"{path}: no such file.")
        self.directory = ingest.TenantDirectory()
        self.result = ingest.IngestResult()
        for number, path in enumerate(paths, 1):
            self._import(path, file_format, f"[{number}/{len(paths)}] {path.name}")
        for rejected in self.result.rejected[:show_rejected]:
            self.stderr.write(f"rejected {rejected['where']}: {rejected['error']}")
        self.stdout.write(
            f"Stored {self.result.stored}, skipped {self.result.skipped} already stored, "
            f"rejected {len(self.result.rejected)}."
        )
        if self.result.rejected:
            # The good records are stored (a switch's day is not lost for one bad row), but
            # a script or cron job must hear that some were not.
            count = len(self.result.rejected)
            raise CommandError(
                f"{count} record{'s' if count > 1 else ''} rejected (listed above); fix and import "
                "the file again: the calls already stored are skipped."
            )

    def _tenant(self, code):
        if not code:
            return None
        tenant = Tenant.objects.filter(code=code.strip().upper()).first()
        if tenant is None:
            raise CommandError(f"No tenant has the code {code!r}.")
        return tenant

    def _import(self, path, file_format, label):
        batch, seen = [], 0
        for where, record in self._read(path, file_format):
            seen += 1
            if isinstance(record, formats.RecordError):
                self.result.rejected.append({"where": f"{path.name} {where}", "error": record.describe()})
                continue
            tenant = self.tenant or self.directory.tenant_for(record)
            if tenant is None:
                self.result.rejected.append(
                    {"where": f"{path.name} {where}", "error": "no tenant (use --tenant)"}
                )
                continue
            batch.append(ingest.resolve(record, tenant, self.directory))
            if len(batch) >= BATCH:
                self._store(batch)
                batch = []
                self.stderr.write(f"\r{label}: {seen} records read", ending="")
        self._store(batch)
        self.stderr.write(f"\r{label}: {seen} records read")

    def _store(self, batch):
        stored = ingest.store(batch, source="import")
        self.result.stored += stored
        self.result.skipped += len(batch) - stored

    def _read(self, path, file_format):
        """(where, SwitchRecord or RecordError) for each record of the file."""
        try:
            text = formats.decode_text(path.read_bytes())
        except OSError as error:
            raise CommandError(f"{path}: cannot read it ({error.strerror}).") from None
        if file_format == "asterisk-csv":
            for line, record in formats.read_asterisk_csv(text, self.tz):
                yield f"line {line}", record
            return
        reader = (
            formats.read_freeswitch_json if file_format == "freeswitch-json" else formats.read_json_record
        )
        for where, item in _json_items(text):
            if isinstance(item, formats.RecordError):
                yield where, item
                continue
            try:
                yield where, reader(item)
            except formats.RecordError as error:
                yield where, error


def _json_items(text):
    """A JSON document (one record or an array of them) or JSON Lines, item by item."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        document = None
    if isinstance(document, list):
        yield from ((f"index {index}", item) for index, item in enumerate(document))
        return
    if isinstance(document, dict):
        yield "index 0", document
        return
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield f"line {number}", json.loads(line)
        except (ValueError, RecursionError) as error:
            yield f"line {number}", formats.RecordError(f"is not JSON ({error}).", code="invalid_json")
