"""The base of pbx's management commands: errors are one clear line and a non-zero exit."""

import os
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from pbx import changelog


class PbxCommand(BaseCommand):
    """A command whose database failures read as one line, not a traceback, and whose
    changes the change log attributes to it (`source` = command:<name>)."""

    def execute(self, *args, **options):
        name = type(self).__module__.rsplit(".", 1)[-1]
        try:
            with changelog.change_context(source=f"command:{name}"):
                return super().execute(*args, **options)
        except DatabaseError as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise CommandError(
                f"Database error: {first_line} (is DATABASE_URL right, and migrated?)"
            ) from None


AGE_UNITS = {"d": "days", "h": "hours", "m": "minutes", "w": "weeks"}


def parse_age(text):
    """`365d`, `12h`, `30m` or `2w` as a timedelta; CommandError for anything else."""
    text = (text or "").strip().lower()
    number, unit = text[:-1], text[-1:]
    if unit not in AGE_UNITS or not (number.isascii() and number.isdigit()) or int(number) < 1:
        raise CommandError(f"Give an age such as 365d, 12h, 30m or 2w, not {text!r}.")
    return timedelta(**{AGE_UNITS[unit]: int(number)})


def delete_in_batches(queryset, *, batch_size=5000, progress=None):
    """Delete the rows of `queryset` a batch at a time (short locks, bounded memory);
    `progress(done, total)` is called after each batch. Returns the number deleted."""
    total = queryset.count()
    done = 0
    while True:
        ids = list(queryset.order_by().values_list("pk", flat=True)[:batch_size])
        if not ids:
            return done
        done += queryset.model._default_manager.filter(pk__in=ids).delete()[0]
        if progress:
            progress(min(done, total), total)


def write_export(command, chunks, output, *, total, noun):
    """Write the encoded chunks of an export to `output`, a path or `-` for standard
    output, showing `exported about N of TOTAL` on the command's stderr and ending with
    `Exported TOTAL NOUN to ...`. A file left half written by an error is removed, so
    that none looks like a whole export; a target that cannot be written is one line."""
    target = _export_target(command, output)
    where = "standard output" if output == "-" else output
    lines = -1  # the header
    try:
        for chunk in chunks:
            target.write(chunk)
            lines += chunk.count(b"\n")  # a newline inside a quoted cell makes this an estimate
            command.stderr.write(f"\rexported about {min(lines, total)} of {total}", ending="")
        target.flush()
    except BaseException as error:
        if output != "-":
            target.close()
            os.remove(output)
        if isinstance(error, OSError):
            raise CommandError(f"{where}: cannot write it ({error.strerror}).") from None
        raise
    if output != "-":
        target.close()
    if total:
        command.stderr.write("")
    command.stderr.write(f"Exported {total} {noun} to {where}.")


def _export_target(command, output):
    if output == "-":
        out = command.stdout._out
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
