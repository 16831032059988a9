"""manage.py export_csv RESOURCE [--output FILE] [--tenant CODE]"""

from django.core.management.base import CommandError

from pbx.api.exceptions import ApiError
from pbx.management.base import PbxCommand, write_export
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
        write_export(self, chunks, output, total=total, noun=prefix)
