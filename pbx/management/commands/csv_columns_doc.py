"""manage.py csv_columns_doc [--check] [--page docs/csv.md]"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from pbx.api.sheet_docs import updated_page
from pbx.management.base import PbxCommand


class Command(PbxCommand):
    """Rewrite the columns of every resource in docs/csv.md (the part between its
    markers) from the serializers, so that the page says what the CSV import reads and
    the export writes; `--check` only says whether the page is up to date."""

    help = "Regenerate the resources' CSV columns in docs/csv.md from the serializers."

    def add_arguments(self, parser):
        parser.add_argument(
            "--page", default=str(Path(settings.BASE_DIR) / "docs" / "csv.md"), help="the page to rewrite"
        )
        parser.add_argument(
            "--check", action="store_true", help="change nothing; exit 1 when the page is out of date"
        )

    def handle(self, *args, page, check, **options):
        path = Path(page)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{page}: cannot read it ({error.strerror}).") from None
        try:
            updated = updated_page(text)
        except ValueError as error:
            raise CommandError(f"{page}: {error}") from None
        if updated == text:
            self.stdout.write(f"{page} is up to date.")
            return
        if check:
            raise CommandError(f"{page} is out of date: run manage.py csv_columns_doc.")
        path.write_text(updated, encoding="utf-8")
        self.stdout.write(f"Rewrote the columns in {page}.")
