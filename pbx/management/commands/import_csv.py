"""manage.py import_csv RESOURCE FILE [--tenant CODE] [--dry-run] [--on-duplicate fail|skip|update]"""

import sys

from django.core.management.base import CommandError

from pbx.api.exceptions import ApiError
from pbx.api.imports import MAX_REPORTED, ON_DUPLICATE, CsvImport, RowsRefused, decode, read_table
from pbx.management.base import PbxCommand
from pbx.management.spreadsheets import one_line, platform_view

BAR_WIDTH = 30


class Command(PbxCommand):
    """Import a CSV into a resource as `POST /api/<resource>/import/` does (docs/csv.md),
    acting as the platform: every row checked by the API's serializers, then all written
    or none. Progress on stderr, a summary on stdout, the refused rows by line and column,
    and exit status 1 when a row is refused or the file is bad."""

    help = "Import a CSV of a resource's columns (docs/csv.md); all rows are written, or none."

    def add_arguments(self, parser):
        parser.add_argument(
            "resource", help="the resource as in its URL (extensions, hunt-lists) or its model"
        )
        parser.add_argument("file", help="the CSV file; - for standard input")
        parser.add_argument("--tenant", help="the tenant (code) of rows without a tenant column")
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row and report, write nothing"
        )
        parser.add_argument(
            "--on-duplicate",
            choices=ON_DUPLICATE,
            default="fail",
            help="an object that exists (same natural key): refuse the row (fail, the default), "
            "leave it (skip) or change the columns given (update)",
        )

    def handle(self, *args, resource, file, tenant, dry_run, on_duplicate, **options):
        view, prefix = platform_view(resource, action="import_rows", tenant=tenant)
        bar = ProgressBar(self.stderr, "checked" if dry_run else "imported")
        try:
            text = decode(_read(file))
            _header, rows = read_table(text)
            bar.total = sum(1 for _row in rows)  # the import reads the text again
            run = CsvImport(view, dry_run=dry_run, on_duplicate=on_duplicate, progress=bar.show)
            report = run.run(text)
        except RowsRefused as refused:
            report = refused.extra  # the report, with every refused row
        except ApiError as error:
            where = "standard input" if file == "-" else file
            raise CommandError(f"{where}: {one_line(error)}") from None
        finally:
            bar.end()
        self._summary(prefix, report)
        if report["refused"]:
            written = "nothing would be written" if dry_run else "nothing was written"
            raise CommandError(f"{report['refused']} of {report['rows']} rows are refused: {written}.")

    def _summary(self, prefix, report):
        counts = ", ".join(
            f"{report[what]} {what}" for what in ("created", "updated", "unchanged", "skipped", "refused")
        )
        how = " (dry run: nothing written)" if report["dry_run"] else ""
        self.stdout.write(f"{prefix}: {report['rows']} rows, {counts}{how}.")
        for error in report["errors"]:
            where = f"line {error['line']}" + (f", column {error['column']}" if error["column"] else "")
            self.stderr.write(f"{where}: {error['message']}")
        if len(report["errors"]) >= MAX_REPORTED:
            self.stderr.write(f"(the first {MAX_REPORTED} errors)")


class ProgressBar:
    """`[#####.....] imported 500 of 1000 rows` on one line of stderr, redrawn in place."""

    def __init__(self, stream, verb):
        self.stream, self.verb, self.total, self.shown = stream, verb, 0, False

    def show(self, done):
        if not self.total:
            return
        filled = BAR_WIDTH * min(done, self.total) // self.total
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self.stream.write(f"\r[{bar}] {self.verb} {done} of {self.total} rows", ending="")
        self.stream.flush()
        self.shown = True

    def end(self):
        if self.shown:
            self.stream.write("")  # the summary starts on a line of its own


def _read(path):
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError as error:
        raise CommandError(f"{path}: cannot read it ({error.strerror}).") from None
