"""The base of pbx's management commands: errors are one clear line and a non-zero exit."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError


class PbxCommand(BaseCommand):
    """A command whose database failures read as one line, not a traceback."""

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except DatabaseError as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise CommandError(
                f"Database error: {first_line} (is DATABASE_URL right, and migrated?)"
            ) from None
