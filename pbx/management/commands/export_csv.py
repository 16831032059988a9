"""manage.py export_csv RESOURCE [--output FILE] [--tenant CODE]"""

import os

from django.core.management.base import CommandError

from pbx.api.exceptions import ApiError
from pbx.management.base import PbxCommand
from pbx.management.spreadsheets import one_line, platform_view


class Command(PbxCommand):
    """Write a resource as the CSV of `GET /api/<resource>/export/` (docs/csv.md), which
    import_csv and the API's import take back unchanged; as the platform, so every
    tenant's objects (or --tenant's) and their secrets. Progress on stderr."""

    help = "Export a resource as the CSV its import reads (docs/csv.md), to a file or standard output."

    def add_arguments(self, parser):
        parser.add_argument(
            "resource", help="the resource as in its URL (extensions, hunt-lists) or its model"
        )
        parser.add_argument(
            "--output", "-o", default="-", help="the file to write (default: - for standard output)"
        )
        parser.add_argument("--tenant", help="only this tenant's objects (its code)")

    def handle(self, *args, resource, output, tenant, **options):
        view, prefix = platform_view(resource, action="export_rows", tenant=tenant)
        try:
            total = view.filter_queryset(view.get_queryset()).count()
            chunks = view.export_rows(view.request).streaming_content
        except ApiError as error:
            raise CommandError(one_line(error)) from None
        target = self._target(output)
        lines = -1  # the header
        try:
            for chunk in chunks:
                target.write(chunk)
                lines += chunk.count(b"\n")  # a newline inside a quoted cell makes this an estimate
                self.stderr.write(f"\rexported about {min(lines, total)} of {total} {prefix}", ending="")
        except BaseException:
            if output != "-":
                target.close()
                os.remove(output)  # no half file that looks like an export
            raise
        finally:
            target.flush()
        if output != "-":
            target.close()
        self.stderr.write("")
        where = "standard output" if output == "-" else output
        self.stderr.write(f"Exported {total} {prefix} to {where}.")

    def _target(self, output):
        if output == "-":
            out = self.stdout._out
            # The real standard output takes the bytes; a test's StringIO takes the text.
            return getattr(out, "buffer", None) or _TextTarget(out)
        try:
            return open(output, "wb")
        except OSError as error:
            raise CommandError(f"{output}: cannot write it ({error.strerror}).") from None


class _TextTarget:
    def __init__(self, stream):
        self.stream = stream

    def write(self, chunk):
        self.stream.write(chunk.decode())

    def flush(self):
        self.stream.flush()
